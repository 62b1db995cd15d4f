"""Alert pages: the list with its filters, one alert with 确认收到 / 提交整改 for the
responsible post (evidence uploaded with the form), refusals shown on the page."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.attachments.models import Attachment
from apps.controls.rules.registry import all_rules
from apps.controls.services import alert_close
from tenants.inspectors import inspector_grant_create
from tests.apps.controls.helpers import PDF, alert_in, people, reload
from tests.conftest import web_client
from tests.factories import user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(town_a, county):
    return people(town_a, county)


def signed_in(tenant, user):
    client = web_client(tenant)
    with schema_context(tenant.schema_name):
        client.force_login(user)
    return client


def evidence_count(tenant) -> int:
    with schema_context(tenant.schema_name):
        return Attachment.objects.filter(object_type="alert").count()


def test_the_list_shows_the_tenants_alerts_and_filters_them(town_a, town_b, staff):
    alert_in(town_a, "open-one", rule="duplicate_request")
    closed = alert_in(town_a, "closed-one", severity="remind")
    alert_in(town_b, "elsewhere")
    with schema_context(town_a.schema_name):
        alert_close(actor=staff["county_admin"], alert_id=closed.pk, note="关闭")
    client = signed_in(town_a, staff["cashier"])

    everything = client.get("/alerts/").content.decode()
    only_closed = client.get("/alerts/?status=closed").content.decode()

    assert "预警 open-one" in everything and "预警 closed-one" in everything
    assert "预警 elsewhere" not in everything
    assert all_rules()["duplicate_request"].title in everything
    assert "预警 closed-one" in only_closed and "预警 open-one" not in only_closed


def test_the_responsible_post_sees_both_forms_others_see_none(town_a, staff):
    alert = alert_in(town_a)

    mine = signed_in(town_a, staff["accountant"]).get(f"/alerts/{alert.pk}/").content.decode()
    theirs = signed_in(town_a, staff["cashier"]).get(f"/alerts/{alert.pk}/").content.decode()

    assert 'id="acknowledge"' in mine and 'id="rectify"' in mine
    assert "预警 k1" in theirs
    assert 'id="acknowledge"' not in theirs and 'id="rectify"' not in theirs


def test_acknowledging_on_the_page(town_a, staff):
    alert = alert_in(town_a)
    client = signed_in(town_a, staff["accountant"])

    response = client.post(f"/alerts/{alert.pk}/acknowledge/", {"note": "收到"})
    page = client.get(f"/alerts/{alert.pk}/").content.decode()

    assert (response.status_code, response["Location"]) == (302, f"/alerts/{alert.pk}/")
    assert reload(town_a, alert.pk).status == "acknowledged"
    assert 'id="acknowledge"' not in page and 'id="rectify"' in page


def test_rectifying_with_evidence_files_on_the_page(town_a, staff, media_root):
    alert = alert_in(town_a)

    response = signed_in(town_a, staff["accountant"]).post(f"/alerts/{alert.pk}/rectify/", {
        "note": "已退回多付款项",
        "files": [SimpleUploadedFile("退款凭证.pdf", PDF), SimpleUploadedFile("说明.pdf", PDF)]})

    assert response.status_code == 302
    after = reload(town_a, alert.pk)
    assert (after.status, after.rectification_note) == ("rectified", "已退回多付款项")
    with schema_context(town_a.schema_name):
        files = list(Attachment.objects.filter(object_type="alert", object_id=str(alert.pk))
                     .values_list("original_name", "locked").order_by("id"))
    assert files == [("退款凭证.pdf", True), ("说明.pdf", True)]
    page = signed_in(town_a, staff["accountant"]).get(f"/alerts/{alert.pk}/").content.decode()
    assert "退款凭证.pdf" in page and "已退回多付款项" in page


def test_rectifying_without_a_note_keeps_nothing(town_a, staff, media_root):
    alert = alert_in(town_a)

    response = signed_in(town_a, staff["accountant"]).post(f"/alerts/{alert.pk}/rectify/", {
        "note": " ", "files": [SimpleUploadedFile("凭证.pdf", PDF)]})

    assert response.status_code == 400
    assert 'data-error="note_required"' in response.content.decode()
    assert reload(town_a, alert.pk).status == "open"
    assert evidence_count(town_a) == 0


def test_someone_else_rectifying_is_refused_with_nothing_kept(town_a, staff,
                                                               media_root):
    alert = alert_in(town_a)

    response = signed_in(town_a, staff["cashier"]).post(f"/alerts/{alert.pk}/rectify/", {
        "note": "已整改", "files": [SimpleUploadedFile("凭证.pdf", PDF)]})

    assert response.status_code == 403
    assert 'data-error="permission_denied"' in response.content.decode()
    assert reload(town_a, alert.pk).status == "open"
    assert evidence_count(town_a) == 0


def test_a_file_of_another_type_is_refused(town_a, staff, media_root):
    alert = alert_in(town_a)

    response = signed_in(town_a, staff["accountant"]).post(f"/alerts/{alert.pk}/rectify/", {
        "note": "已整改", "files": [SimpleUploadedFile("run.pdf", b"MZ\x90\x00 not a pdf")]})

    assert response.status_code == 415
    assert reload(town_a, alert.pk).status == "open"
    assert evidence_count(town_a) == 0


def test_a_file_over_the_limit_is_refused(town_a, staff, settings, media_root):
    settings.UPLOAD_MAX_BYTES = 100
    alert = alert_in(town_a)

    response = signed_in(town_a, staff["accountant"]).post(f"/alerts/{alert.pk}/rectify/", {
        "note": "已整改", "files": [SimpleUploadedFile("big.pdf", PDF * 10)]})

    assert response.status_code == 413
    assert reload(town_a, alert.pk).status == "open"


def test_an_inspector_reads_the_alert_without_forms(town_a, county, staff):
    alert = alert_in(town_a, post="")
    reader = user_make()
    inspector_grant_create(actor=staff["county_admin"], county=county,
                           username=reader.username, tenant_slugs=["town-a"],
                           valid_from=timezone.localdate(),
                           valid_to=timezone.localdate() + timedelta(days=7), reason="检查")

    page = signed_in(town_a, reader).get(f"/alerts/{alert.pk}/")

    assert page.status_code == 200
    assert 'id="acknowledge"' not in page.content.decode()


def test_a_missing_alert_is_404(town_a, staff):
    client = signed_in(town_a, staff["accountant"])

    assert client.get("/alerts/987654/").status_code == 404
    assert client.post("/alerts/987654/acknowledge/").status_code == 404
    assert client.post("/alerts/987654/rectify/", {"note": "已整改"}).status_code == 404
