"""Alert-test data: alerts raised through the real service, evidence uploaded through the real
attachments API, and the people who handle alerts."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django_tenants.utils import schema_context

from apps.controls.models import Alert
from apps.controls.services import alert_raise
from apps.county.models import CountyAlert
from tests.conftest import api_client
from tests.factories import staff_make

PDF = b"%PDF-1.7\n" + b"1 0 obj << >> endobj\n" * 10


def alert_in(tenant, key: str = "k1", *, post: str = "accountant", severity: str = "warn",
             rule: str = "test_rule", object_type: str = "x_doc", object_id: str = "7") -> Alert:
    with schema_context(tenant.schema_name), transaction.atomic():
        return alert_raise(rule=rule, severity=severity, message=f"预警 {key}",
                           dedupe_key=key, object_type=object_type, object_id=object_id,
                           responsible_post=post)


def people(tenant, county) -> dict:
    """The accountant (the alerts' responsible post), the tenant's admin, a cashier, and the
    county's admin; users by role."""
    made = {role: staff_make(tenant, posts=posts).user for role, posts in (
        ("accountant", ("accountant",)), ("admin", ("tenant_admin",)), ("cashier", ("cashier",)))}
    made["county_admin"] = staff_make(county, posts=("county_admin",)).user
    return made


def evidence_upload(tenant, user, alert_id: int, name: str = "整改报告.pdf") -> int:
    client = api_client(tenant)
    client.force_authenticate(user)
    response = client.post("/api/v1/attachments/", {
        "file": SimpleUploadedFile(name, PDF), "kind": "scan", "object_type": "alert",
        "object_id": str(alert_id)}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def mirror_of(tenant, alert_id: int) -> CountyAlert:
    return CountyAlert.objects.get(tenant=tenant, alert_id=alert_id)


def reload(tenant, alert_id: int) -> Alert:
    with schema_context(tenant.schema_name):
        return Alert.objects.get(pk=alert_id)
