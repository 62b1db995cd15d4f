"""The county's rule library endpoints: county_admin and inspectors read every registered rule,
county_admin switches rules and sets values and bounds (each inside the rule's hard bounds)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.controls.library.models import CountyRule
from apps.controls.rules.registry import all_rules
from tenants.inspectors import inspector_grant_create
from tests.conftest import api_client
from tests.factories import staff_make, user_make

pytestmark = pytest.mark.django_db
URL = "/api/v1/county/rules/"


def client_for(tenant, user):
    client = api_client(tenant)
    client.force_authenticate(user)
    return client


@pytest.fixture
def county_admin(county):
    return staff_make(county, posts=("county_admin",)).user


def test_the_library_lists_every_registered_rule(county, county_admin):
    page = client_for(county, county_admin).get(f"{URL}?page_size=500").json()

    rows = {r["code"]: r for r in page["results"]}
    assert set(rows) == set(all_rules())
    cash = rows["cash_over_limit"]
    assert (cash["severity"], cash["trigger"], cash["enabled"]) == ("block", "payment.create",
                                                                      True)
    assert cash["parameters"]["limit"] | {"label": ""} == {
        "label": "", "kind": "money", "value": "1000.00", "min": "0", "max": "1000"}
    assert cash["article"]


def test_the_library_filters_by_area_and_severity(county, county_admin):
    client = client_for(county, county_admin)

    blocks = client.get(f"{URL}?severity=block&page_size=500").json()["results"]
    budget = client.get(f"{URL}?area=budget&page_size=500").json()["results"]

    assert {r["severity"] for r in blocks} == {"block"}
    assert {r["area"] for r in budget} == {"budget"}


def test_county_admin_sets_a_value_and_bounds(county, county_admin):
    response = client_for(county, county_admin).patch(f"{URL}duplicate_request/", {
        "enabled": False, "parameters": {"days": {"value": 20, "min": 10, "max": 60}}},
        format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["enabled"] is False
    assert {k: body["parameters"]["days"][k] for k in ("value", "min", "max")} == {
        "value": 20, "min": 10, "max": 60}
    row = CountyRule.objects.get(county=county, code="duplicate_request")
    assert (row.enabled, row.parameters["days"]["value"]) == (False, 20)
    with schema_context(county.schema_name):
        assert AuditEvent.objects.filter(action="rule_library.changed").count() == 1


@pytest.mark.parametrize(("change", "code", "status"), [
    ({"value": 366}, "out_of_bounds", 422),  # over the rule's hard bound (365)
    ({"value": 5, "min": 10}, "out_of_bounds", 422),  # value under the county's own minimum
    ({"value": "abc"}, "invalid", 400),
    ({}, "invalid", 400),
])
def test_values_outside_the_bounds_are_refused(county, county_admin, change, code, status):
    response = client_for(county, county_admin).patch(f"{URL}duplicate_request/", {
        "parameters": {"days": change}}, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not CountyRule.objects.filter(county=county, code="duplicate_request",
                                         parameters__days__value__in=[366, 5]).exists()


def test_an_unknown_rule_or_parameter_is_refused(county, county_admin):
    client = client_for(county, county_admin)

    unknown_rule = client.patch(f"{URL}no_such_rule/", {"enabled": False}, format="json")
    unknown_param = client.patch(f"{URL}duplicate_request/", {
        "parameters": {"nope": {"value": 1}}}, format="json")

    assert unknown_rule.status_code == 404
    assert unknown_param.status_code == 400


def test_an_inspector_reads_but_cannot_change(county, county_admin):
    user = user_make()
    inspector_grant_create(actor=county_admin, county=county, username=user.username,
                           tenant_slugs=None, valid_from=timezone.localdate(),
                           valid_to=timezone.localdate() + timedelta(days=7), reason="检查")
    reader = client_for(county, user)

    listing = reader.get(URL)
    change = reader.patch(f"{URL}duplicate_request/", {"enabled": False}, format="json")

    assert listing.status_code == 200
    assert (change.status_code, change.json()["code"]) == (403, "read_only")
    assert not CountyRule.objects.filter(county=county, enabled=False).exists()


def test_township_staff_and_hosts_have_no_library(county, town_a):
    clerk = client_for(county, staff_make(county).user)
    township = client_for(town_a, staff_make(town_a, posts=("tenant_admin",)).user)

    assert clerk.get(URL).json()["code"] == "permission_denied"
    assert clerk.patch(f"{URL}duplicate_request/", {"enabled": False},
                       format="json").status_code == 403
    assert township.get(URL).status_code == 404
