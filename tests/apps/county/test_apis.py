"""The county's statistics endpoints: one row per township from the snapshots, inspectors
limited to their grant, a township's drill-down, and nothing of it on a township's host."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.controls.services import alert_raise
from apps.county.services import stats_refresh, stats_refresh_all
from tenants.inspectors import inspector_grant_create
from tenants.models import Tenant
from tests.apps.controls.rules.helpers import office_make, request_paid
from tests.conftest import api_client
from tests.factories import staff_make, user_make

pytestmark = pytest.mark.django_db
URL = "/api/v1/county/stats/"
YEAR = timezone.localdate().year


def client_for(tenant, user):
    client = api_client(tenant)
    client.force_authenticate(user)
    return client


@pytest.fixture
def county_admin(county):
    return staff_make(county, posts=("county_admin",)).user


def inspector(county, county_admin, slugs):
    user = user_make()
    inspector_grant_create(actor=county_admin, county=county, username=user.username,
                           tenant_slugs=slugs, valid_from=timezone.localdate(),
                           valid_to=timezone.localdate() + timedelta(days=7), reason="专项检查")
    return user


@pytest.fixture
def refreshed(town_a, town_b, in_tenant):
    """Town A paid 800 of a 1,000,000 budget and has one alert; town B has nothing."""
    people, indicator = office_make(town_a, amount="1000000.00")
    with in_tenant(town_a):
        request_paid(people, indicator, "800.00")
        alert_raise(rule="test_rule", severity="warn", message="预警", dedupe_key="api-test")
    stats_refresh_all(year=YEAR)


def rows_by_slug(response) -> dict:
    return {row["tenant"]["slug"]: row for row in response.json()["results"]}


def test_county_admin_sees_one_row_per_township(county, county_admin, refreshed):
    response = client_for(county, county_admin).get(URL, {"year": YEAR})

    assert response.status_code == 200
    rows = rows_by_slug(response)
    assert set(rows) == {"town-a", "town-b"}
    assert rows["town-a"]["tenant"]["name"] == "甲镇"
    assert (rows["town-a"]["executed"], rows["town-a"]["execution_rate"]) == ("800.00", "0.08")
    assert rows["town-a"]["alerts"]["warn"]["open"] >= 1
    assert rows["town-a"]["alerts_open"] >= 1 and rows["town-a"]["refreshed_at"]
    assert (rows["town-b"]["executed"], rows["town-b"]["alerts_open"]) == ("0.00", 0)


def test_a_township_not_yet_refreshed_has_a_row_with_no_figures(county, county_admin, town_a,
                                                                 town_b):
    stats_refresh(tenant=town_a, year=YEAR)

    rows = rows_by_slug(client_for(county, county_admin).get(URL, {"year": YEAR}))

    assert rows["town-b"]["execution_rate"] is None and rows["town-b"]["refreshed_at"] is None
    assert rows["town-a"]["execution_rate"] == "0.00"


def test_another_year_has_its_own_snapshots(county, county_admin, refreshed):
    rows = rows_by_slug(client_for(county, county_admin).get(URL, {"year": YEAR - 1}))

    assert rows["town-a"]["executed"] is None and rows["town-a"]["year"] == YEAR - 1


def test_an_implausible_year_is_refused(county, county_admin):
    response = client_for(county, county_admin).get(URL, {"year": "abc"})

    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_an_inspector_reads_only_the_townships_of_their_grant(county, county_admin, refreshed):
    reader = inspector(county, county_admin, ["town-a"])

    rows = rows_by_slug(client_for(county, reader).get(URL))
    other = client_for(county, reader).get(f"{URL}town-b/")

    assert set(rows) == {"town-a"}
    assert other.status_code == 404


def test_an_inspector_with_an_all_townships_grant_reads_every_row(county, county_admin,
                                                                  refreshed):
    reader = inspector(county, county_admin, None)

    assert set(rows_by_slug(client_for(county, reader).get(URL))) == {"town-a", "town-b"}


def test_county_staff_without_the_admin_post_are_refused(county):
    clerk = staff_make(county, posts=("cashier",)).user

    response = client_for(county, clerk).get(URL)

    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_on_a_township_host_the_statistics_do_not_exist(town_a, refreshed):
    member = staff_make(town_a, posts=("tenant_admin",)).user

    assert client_for(town_a, member).get(URL).status_code == 404
    assert client_for(town_a, member).get(f"{URL}town-a/").status_code == 404


def test_the_list_reads_a_fixed_number_of_queries_whatever_the_townships(county, county_admin,
                                                                          refreshed, town_b):
    client = client_for(county, county_admin)
    client.get(URL)
    with CaptureQueriesContext(connection) as two:
        client.get(URL)
    Tenant.objects.filter(pk=town_b.pk).update(is_active=False)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)

    assert len(one) == len(two)


def test_drill_down_has_approval_time_per_post_and_alerts_per_rule(county, county_admin,
                                                                   refreshed):
    response = client_for(county, county_admin).get(f"{URL}town-a/", {"year": YEAR})

    assert response.status_code == 200
    body = response.json()
    assert body["tenant"]["slug"] == "town-a" and body["executed"] == "800.00"
    assert {step["post"] for step in body["approval_steps"]} == {"accountant"}
    assert body["approval_steps"][0]["count"] == 1
    rule = next(r for r in body["alerts_by_rule"] if r["rule"] == "test_rule")
    assert (rule["severity"], rule["total"], rule["still_open"]) == ("warn", 1, 1)


def test_drill_down_of_an_unknown_township_is_404(county, county_admin):
    response = client_for(county, county_admin).get(f"{URL}no-such-town/")

    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_money_is_a_decimal_string_with_two_places(county, county_admin, refreshed):
    row = rows_by_slug(client_for(county, county_admin).get(URL))["town-a"]

    assert Decimal(row["budget_amount"]) == Decimal("1000000.00")
    assert row["budget_amount"] == "1000000.00"


def test_a_row_of_the_list_reads_exactly_as_the_same_figures_of_the_drill_down(
        county, county_admin, refreshed):
    client = client_for(county, county_admin)
    row = rows_by_slug(client.get(URL))["town-a"]
    detail = client.get(f"{URL}town-a/").json()

    assert row == {key: detail[key] for key in row}
    assert row["refreshed_at"].endswith("+08:00")
