"""The county's process-template endpoints: who reads and writes, validation, publishing."""

import pytest
from django_tenants.utils import schema_context

from apps.approvals.county import services
from apps.approvals.county.models import ProcessTemplateVersion
from apps.audit.models import AuditEvent
from tests.apps.approvals.county.helpers import county_steps, processes_ready
from tests.conftest import api_client
from tests.factories import staff_make

pytestmark = pytest.mark.django_db
BASE = "/api/v1/county/process-templates/"
NEW = {"document_type": "asset_disposal", "name": "资产处置", "steps": [
    {"code": "keeper", "name": "资产管理员审核", "post": "asset_keeper", "sla_hours": 8},
    {"code": "principal", "name": "主要负责人审批", "post": "principal", "mode": "all",
     "condition": {"amount_gte": "50000.00"}, "required": False},
]}


@pytest.fixture(autouse=True)
def ready(county):
    processes_ready(county)


def client(tenant, posts=()):
    c = api_client(tenant)
    c.force_authenticate(staff_make(tenant, posts=posts).user)
    return c


def state(county):
    with schema_context(county.schema_name):
        events = AuditEvent.objects.count()
    return (services.process_catalog_snapshot(county=county),
            ProcessTemplateVersion.objects.filter(county=county).count(), events)


def test_a_county_member_reads_the_templates(county):
    response = client(county).get(BASE)

    assert response.status_code == 200
    types = {p["document_type"] for p in response.json()["results"]}
    assert {"seal_use", "spending_request", "project_payment"} <= types


def test_county_admin_creates_a_template(county):
    response = client(county, ("county_admin",)).post(BASE, NEW, format="json")

    assert response.status_code == 201, response.content
    steps = response.json()["steps"]
    assert [(s["code"], s["post"], s["mode"], s["required"]) for s in steps] == [
        ("keeper", "asset_keeper", "any", True), ("principal", "principal", "all", False)]


def test_county_admin_changes_steps_and_publishes(county):
    admin = client(county, ("county_admin",))
    steps = admin.get(f"{BASE}seal_use/").json()["steps"]

    changed = admin.patch(f"{BASE}seal_use/", {"steps": [{**s, "sla_hours": 4} for s in steps]},
                          format="json")
    published = admin.post(f"{BASE}publish/", {"note": "缩短时限"}, format="json")
    versions = admin.get(f"{BASE}versions/")

    assert changed.status_code == 200, changed.content
    assert {s["sla_hours"] for s in county_steps(county, "seal_use")} == {4}
    assert published.status_code == 201
    assert versions.json()["results"][0]["number"] == published.json()["number"]
    version = ProcessTemplateVersion.objects.get(county=county,
                                                number=published.json()["number"])
    seal = next(p for p in version.snapshot["processes"] if p["document_type"] == "seal_use")
    assert {s["sla_hours"] for s in seal["steps"]} == {4}


@pytest.mark.parametrize(("method", "path", "body"), [
    ("post", BASE, NEW),
    ("patch", f"{BASE}seal_use/", {"name": "用印"}),
    ("post", f"{BASE}publish/", {"note": "x"}),
])
def test_a_member_without_county_admin_writes_nothing(county, method, path, body):
    member = client(county)
    before = state(county)

    response = getattr(member, method)(path, body, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert state(county) == before


@pytest.mark.parametrize("body", [
    {**NEW, "steps": [{**NEW["steps"][0], "post": "no_such_post"}]},
    {**NEW, "steps": []},
    {**NEW, "steps": [NEW["steps"][0], NEW["steps"][0]]},
    {**NEW, "document_type": "publish"},
    {**NEW, "steps": [{**NEW["steps"][0], "condition": {"amount_gte": "-5"}}]},
])
def test_a_bad_template_is_400_and_nothing_changes(county, body):
    admin = client(county, ("county_admin",))
    before = state(county)

    response = admin.post(BASE, body, format="json")

    assert response.status_code == 400, response.content
    assert state(county) == before


def test_an_existing_document_type_is_409(county):
    response = client(county, ("county_admin",)).post(
        BASE, {**NEW, "document_type": "seal_use"}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "code_taken")


def test_the_templates_do_not_exist_on_a_township_host(town_a):
    response = client(town_a, ("tenant_admin",)).get(BASE)

    assert response.status_code == 404


def test_changes_are_audited_in_the_county_chain(county, in_tenant):
    client(county, ("county_admin",)).patch(f"{BASE}seal_use/", {"name": "用印审批"},
                                            format="json")

    with in_tenant(county):
        event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "process_template.changed"
    assert (event.before["name"], event.after["name"]) == ("用印申请", "用印审批")
