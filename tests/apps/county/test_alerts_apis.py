"""The county's alert endpoints: every township's alerts from the public mirror (filters,
inspectors limited to their grant), closing and reopening by county_admin only, and nothing of
it on a township's host."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.controls.services import alert_rectify
from apps.county.models import CountyAlert
from tenants.inspectors import inspector_grant_create
from tests.apps.controls.helpers import PDF, alert_in, evidence_upload, people, reload
from tests.conftest import api_client
from tests.factories import staff_make, user_make

pytestmark = pytest.mark.django_db
URL = "/api/v1/county/alerts/"


def client_for(tenant, user):
    client = api_client(tenant)
    client.force_authenticate(user)
    return client


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def county_admin(county):
    return staff_make(county, posts=("county_admin",)).user


def inspector(county, county_admin, slugs):
    user = user_make()
    inspector_grant_create(actor=county_admin, county=county, username=user.username,
                           tenant_slugs=slugs, valid_from=timezone.localdate(),
                           valid_to=timezone.localdate() + timedelta(days=7), reason="专项检查")
    return user


def mirror(tenant, alert) -> CountyAlert:
    return CountyAlert.objects.get(tenant=tenant, alert_id=alert.pk)


def test_the_county_sees_every_townships_alerts_with_the_tenant(county, town_a, town_b,
                                                                county_admin):
    a = alert_in(town_a, "a1")
    b = alert_in(town_b, "b1", severity="remind")

    page = client_for(county, county_admin).get(URL).json()

    rows = {(r["tenant"], r["alert_id"]): r for r in page["results"]}
    assert set(page) == {"count", "next", "previous", "results"}
    assert set(rows) == {("town-a", a.pk), ("town-b", b.pk)}
    assert rows[("town-b", b.pk)]["tenant_name"] == "乙乡"
    assert rows[("town-a", a.pk)]["id"] == mirror(town_a, a).pk


def test_the_county_filters_by_tenant_status_severity_and_rule(county, town_a, town_b,
                                                               county_admin):
    alert_in(town_a, "a1", rule="rule_one")
    alert_in(town_a, "a2", rule="rule_two", severity="remind")
    alert_in(town_b, "b1", rule="rule_one")
    client = client_for(county, county_admin)

    def keys(query):
        return sorted((r["tenant"], r["rule"]) for r in client.get(f"{URL}?{query}").json()[
            "results"])

    assert keys("tenant=town-a") == [("town-a", "rule_one"), ("town-a", "rule_two")]
    assert keys("rule=rule_one") == [("town-a", "rule_one"), ("town-b", "rule_one")]
    assert keys("severity=remind") == [("town-a", "rule_two")]
    assert keys("status=closed") == []
    assert client.get(f"{URL}?status=bogus").status_code == 400


def test_an_inspector_reads_the_townships_of_the_grant_but_cannot_close(county, town_a, town_b,
                                                                        county_admin):
    a = alert_in(town_a, "a1")
    alert_in(town_b, "b1")
    reader = client_for(county, inspector(county, county_admin, ["town-a"]))

    page = reader.get(URL).json()
    close = reader.post(f"{URL}{mirror(town_a, a).pk}/close/", {"note": "关闭"}, format="json")

    assert [(r["tenant"], r["alert_id"]) for r in page["results"]] == [("town-a", a.pk)]
    assert (close.status_code, close.json()["code"]) == (403, "read_only")
    assert reload(town_a, a.pk).status == "open"


def test_a_county_wide_inspector_reads_every_township(county, town_a, town_b, county_admin):
    alert_in(town_a, "a1")
    alert_in(town_b, "b1")

    page = client_for(county, inspector(county, county_admin, None)).get(URL).json()

    assert {r["tenant"] for r in page["results"]} == {"town-a", "town-b"}


def test_county_admin_closes_and_reopens_in_the_townships_schema(county, town_a, county_admin):
    alert = alert_in(town_a)
    row = mirror(town_a, alert)
    client = client_for(county, county_admin)

    closed = client.post(f"{URL}{row.pk}/close/", {"note": "已核实，关闭"}, format="json")
    reopened = client.post(f"{URL}{row.pk}/reopen/", {"note": "发现新问题"}, format="json")

    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_at"] is not None
    assert (reopened.status_code, reopened.json()["status"]) == (200, "open")
    after = reload(town_a, alert.pk)
    assert (after.status, after.reopened_count, after.county_note) == ("open", 1, "发现新问题")


def test_closing_twice_is_409_and_a_note_is_required(county, town_a, county_admin):
    row = mirror(town_a, alert_in(town_a))
    client = client_for(county, county_admin)
    client.post(f"{URL}{row.pk}/close/", {"note": "关闭"}, format="json")

    again = client.post(f"{URL}{row.pk}/close/", {"note": "关闭"}, format="json")
    no_note = client.post(f"{URL}{row.pk}/reopen/", {"note": ""}, format="json")

    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")
    assert no_note.status_code == 400
    assert reload(town_a, row.alert_id).status == "closed"


def test_a_county_member_without_the_post_is_refused(county, town_a):
    row = mirror(town_a, alert_in(town_a))
    clerk = client_for(county, staff_make(county).user)

    listing = clerk.get(URL)
    close = clerk.post(f"{URL}{row.pk}/close/", {"note": "关闭"}, format="json")

    assert (listing.status_code, listing.json()["code"]) == (403, "permission_denied")
    assert (close.status_code, close.json()["code"]) == (403, "permission_denied")
    assert reload(town_a, row.alert_id).status == "open"


def test_the_county_routes_do_not_exist_on_a_township_host(town_a):
    row = mirror(town_a, alert_in(town_a))
    admin = client_for(town_a, staff_make(town_a, posts=("tenant_admin",)).user)

    listing = admin.get(URL)
    close = admin.post(f"{URL}{row.pk}/close/", {"note": "关闭"}, format="json")

    assert (listing.status_code, listing.json()["code"]) == (404, "not_found")
    assert close.status_code == 404
    assert reload(town_a, row.alert_id).status == "open"


def test_an_unknown_alert_is_404(county, county_admin):
    response = client_for(county, county_admin).post(f"{URL}987654/close/", {"note": "关闭"},
                                                     format="json")

    assert response.status_code == 404


def rectified_with_evidence(town_a, county):
    """An alert of town A rectified with one PDF; (its mirror row, the attachment id)."""
    staff = people(town_a, county)
    alert = alert_in(town_a)
    evidence = evidence_upload(town_a, staff["accountant"], alert.pk, name="退款凭证.pdf")
    with schema_context(town_a.schema_name):
        alert_rectify(actor=staff["accountant"], alert_id=alert.pk, note="已退回多付款项",
                      attachment_ids=[evidence])
    return mirror(town_a, alert), evidence


def test_one_alert_shows_the_townships_rectification_and_evidence(county, town_a,
                                                                  county_admin, media_root):
    row, evidence = rectified_with_evidence(town_a, county)

    detail = client_for(county, county_admin).get(f"{URL}{row.pk}/").json()

    assert (detail["id"], detail["tenant"], detail["status"]) == (row.pk, "town-a", "rectified")
    assert detail["handling"]["rectification_note"] == "已退回多付款项"
    assert detail["handling"]["rectified_by"] is not None
    assert [(a["id"], a["original_name"]) for a in detail["attachments"]] == [
        (evidence, "退款凭证.pdf")]


def test_the_county_downloads_the_evidence_and_nothing_else(county, town_a, county_admin,
                                                           media_root):
    row, evidence = rectified_with_evidence(town_a, county)
    other = evidence_upload(town_a, staff_make(town_a).user, 987, name="别的.pdf")
    client = client_for(county, county_admin)

    download = client.get(f"{URL}{row.pk}/attachments/{evidence}/")
    unrelated = client.get(f"{URL}{row.pk}/attachments/{other}/")

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]
    assert unrelated.status_code == 404


def test_an_inspector_of_another_township_cannot_open_the_alert(county, town_a, town_b,
                                                                county_admin):
    row = mirror(town_a, alert_in(town_a))
    reader = client_for(county, inspector(county, county_admin, ["town-b"]))

    assert reader.get(f"{URL}{row.pk}/").status_code == 404
    assert client_for(county, inspector(county, county_admin, ["town-a"])).get(
        f"{URL}{row.pk}/").status_code == 200
