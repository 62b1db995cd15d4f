"""End to end across the township's and the county's hosts: split payments to one contractor
raise an alert in the nightly scan, the township's accountant rectifies it with evidence, the
county closes it, and the county's statistics move."""

import json

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.controls.tasks import rules_scan_tenant
from apps.county.services import stats_refresh
from county_platform.celery import SCHEMA_HEADER
from tests.apps.controls.helpers import evidence_upload
from tests.apps.controls.rules.helpers import office_make, request_paid
from tests.conftest import api_client, web_client
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

PAYEE = "桐庐县兴达路桥养护有限公司"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _as(tenant, user):
    client = api_client(tenant)
    client.force_authenticate(user)
    return client


def _nightly_scan(tenant) -> None:
    """What beat's rules_scan_all sends to each tenant: the task, run in the tenant's schema."""
    with schema_context(tenant.schema_name):
        rules_scan_tenant.apply(headers={SCHEMA_HEADER: tenant.schema_name})


def _dashboard_closed(county, admin, name: str) -> int:
    """The county dashboard's chart: closed alerts of the township `name` this year."""
    page = web_client(county)
    with schema_context(county.schema_name):
        page.force_login(admin)
    html = page.get("/county/", {"year": timezone.localdate().year}).content.decode()
    start = html.index('id="county-chart-data"')
    data = json.loads(html[html.index(">", start) + 1:html.index("</script>", start)])
    closed = next(s for s in data["alerts"] if s["name"] == "已关闭")
    return closed["data"][data["names"].index(name)]


def _county_row(county, admin, slug: str) -> dict:
    year = timezone.localdate().year
    rows = _as(county, admin).get("/api/v1/county/stats/", {"year": year}).json()
    return next(row for row in rows["results"] if row["tenant"]["slug"] == slug)


def test_split_payments_are_caught_rectified_closed_and_counted(county, town_a):
    people, indicator = office_make(town_a)
    county_admin = staff_make(county, posts=("county_admin",)).user
    with schema_context(town_a.schema_name):
        for amount in ("19800.00", "19600.00", "18900.00"):
            request_paid(people, indicator, amount, payee_name=PAYEE)
    _nightly_scan(town_a)
    stats_refresh(tenant=town_a, year=timezone.localdate().year)
    before = _county_row(county, county_admin, "town-a")
    closed_on_dashboard = _dashboard_closed(county, county_admin, "甲镇")

    found = _as(county, county_admin).get("/api/v1/county/alerts/", {
        "tenant": "town-a", "rule": "split_payments"}).json()["results"]
    assert len(found) == 1 and PAYEE in found[0]["message"]
    alert_id = found[0]["alert_id"]

    accountant = _as(town_a, people["accountant"])
    evidence = evidence_upload(town_a, people["accountant"], alert_id)
    rectified = accountant.post(f"/api/v1/alerts/{alert_id}/rectify/", {
        "note": "三笔均为同一合同的分段维修，已补办合同审批并由分管领导签字确认。",
        "attachments": [evidence]}, format="json")
    assert rectified.status_code == 200, rectified.content
    assert rectified.json()["status"] == "rectified"

    closed = _as(county, county_admin).post(f"/api/v1/county/alerts/{found[0]['id']}/close/",
                                            {"note": "整改到位，予以关闭。"}, format="json")
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"

    stats_refresh(tenant=town_a, year=timezone.localdate().year)
    after = _county_row(county, county_admin, "town-a")
    assert after["alerts_open"] == before["alerts_open"] - 1
    closed_warn = after["alerts"]["warn"].get("closed", 0)
    assert closed_warn == before["alerts"]["warn"].get("closed", 0) + 1

    assert _dashboard_closed(county, county_admin, "甲镇") == closed_on_dashboard + 1
    _nightly_scan(town_a)  # closed by the county: the next night does not raise it again
    again = _as(county, county_admin).get("/api/v1/county/alerts/", {
        "tenant": "town-a", "rule": "split_payments", "status": "open"}).json()
    assert again["count"] == 0
