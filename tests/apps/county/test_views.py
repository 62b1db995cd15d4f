"""The county dashboard and a township's drill-down page: the numbers in the table, the
charts' data, who may enter a township from it, and who may see the pages at all."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.controls.services import alert_raise
from apps.county.services import stats_refresh, stats_refresh_all
from permissions.services import staff_add
from tenants.inspectors import inspector_grant_create
from tests.apps.controls.rules.helpers import office_make, request_paid
from tests.conftest import host_of, web_client
from tests.factories import staff_make, user_make

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def signed_in(tenant, user):
    client = web_client(tenant)
    with schema_context(tenant.schema_name):  # sessions live in the host's schema
        client.force_login(user)
    return client


@pytest.fixture
def county_admin(county):
    return staff_make(county, posts=("county_admin",)).user


@pytest.fixture
def refreshed(town_a, town_b, in_tenant):
    people, indicator = office_make(town_a, amount="1000000.00")
    with in_tenant(town_a):
        request_paid(people, indicator, "800.00")
        alert_raise(rule="test_rule", severity="block", message="预警", dedupe_key="view-test")
    stats_refresh_all(year=YEAR)


def chart_data(response, element_id: str) -> dict:
    html = response.content.decode()
    start = html.index(f'id="{element_id}"')
    payload = html[html.index(">", start) + 1:html.index("</script>", start)]
    return json.loads(payload)


def test_the_dashboard_compares_every_township_in_a_table_and_charts(county, county_admin,
                                                                     refreshed):
    response = signed_in(county, county_admin).get("/county/", {"year": YEAR})

    html = response.content.decode()
    assert response.status_code == 200
    assert f"{YEAR}年各乡镇对比" in html
    assert "甲镇" in html and "乙乡" in html
    assert "0.08%" in html and "800.00" in html
    assert '/county/townships/town-a/' in html
    charts = chart_data(response, "county-chart-data")
    assert charts["names"] == ["甲镇", "乙乡"]
    assert charts["execution_rate"] == [0.08, 0.0]
    block = next(s for s in charts["alerts"] if s["name"] == "阻断")
    assert block["data"][0] >= 1 and block["stack"] == "级别"


def test_the_table_is_paged_while_the_charts_still_compare_every_township(
        county, county_admin, refreshed, monkeypatch):
    from apps.county import views

    monkeypatch.setattr(views, "TABLE_PAGE", 1)
    client = signed_in(county, county_admin)

    first = client.get("/county/", {"year": YEAR})
    second = client.get("/county/", {"year": YEAR, "page": 2})

    assert 'data-township="town-a"' in first.content.decode()
    assert 'data-township="town-b"' not in first.content.decode()
    assert 'data-township="town-b"' in second.content.decode()
    assert f"year={YEAR}&page=2" in first.content.decode()
    assert chart_data(second, "county-chart-data")["names"] == ["甲镇", "乙乡"]


def test_a_township_never_refreshed_shows_as_not_yet_counted(county, county_admin, town_a,
                                                            town_b):
    stats_refresh(tenant=town_a, year=YEAR)

    html = signed_in(county, county_admin).get("/county/").content.decode()

    assert "尚未统计" in html


def test_the_county_admin_gets_no_enter_link_to_townships_they_are_not_staff_of(
        county, county_admin, refreshed):
    html = signed_in(county, county_admin).get("/county/").content.decode()

    assert "进入该乡镇" not in html


def test_an_inspector_sees_their_townships_with_a_link_into_each(county, county_admin, town_a,
                                                                 refreshed):
    reader = user_make()
    inspector_grant_create(actor=county_admin, county=county, username=reader.username,
                           tenant_slugs=["town-a"], valid_from=timezone.localdate(),
                           valid_to=timezone.localdate() + timedelta(days=7), reason="专项检查")

    html = signed_in(county, reader).get("/county/").content.decode()

    assert "甲镇" in html and "乙乡" not in html
    assert "进入该乡镇" in html and f"//{host_of(town_a)}/" in html


def test_the_drill_down_shows_approval_time_per_post_and_alerts_by_rule(county, county_admin,
                                                                        refreshed):
    response = signed_in(county, county_admin).get("/county/townships/town-a/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "甲镇" in html and "0.08%" in html
    assert "test_rule" in html and "阻断" in html
    assert chart_data(response, "township-chart-data")["names"] == ["会计"]
    assert "进入该乡镇" not in html


def test_staff_of_a_township_get_the_link_into_it_from_its_drill_down(county, town_a,
                                                                      refreshed):
    both = staff_make(county, posts=("county_admin",)).user
    with schema_context(town_a.schema_name):
        staff_add(actor=None, username=both.username, display_name="兼职")

    html = signed_in(county, both).get("/county/townships/town-a/").content.decode()

    assert "进入该乡镇" in html and f"//{host_of(town_a)}/" in html


def test_county_staff_without_the_admin_post_are_refused(county, refreshed):
    clerk = staff_make(county, posts=("cashier",)).user

    assert signed_in(county, clerk).get("/county/").status_code == 403


def test_on_a_township_host_the_dashboard_does_not_exist(town_a, refreshed):
    member = staff_make(town_a, posts=("tenant_admin",)).user

    assert signed_in(town_a, member).get("/county/").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(county):
    response = web_client(county).get("/county/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")
