"""The tenant's alert endpoints (list, one alert, acknowledge, rectify) and its rules in force
(read by members, tuned by tenant_admin inside the county's bounds)."""

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.controls.library.services import county_rule_update
from apps.controls.models import RuleTuning
from apps.controls.rules.engine import rules_in_force
from apps.controls.services import alert_close_by_key, alert_raise
from apps.expenditure.services import request_create, request_submit
from tests.apps.controls.helpers import (
    alert_in,
    evidence_upload,
    people,
    reload,
)
from tests.apps.controls.rules.helpers import office_make
from tests.conftest import api_client
from tests.factories import PASSWORD, staff_make

FIELDS = {"id", "rule", "severity", "status", "object_type", "object_id", "message",
          "created_at", "standing"}


def member_client(tenant):
    staff = staff_make(tenant)
    token = api_client(tenant).post("/api/v1/auth/token/", {
        "username": staff.user.username, "password": PASSWORD}, format="json").json()["token"]
    return api_client(tenant, token)


def raise_in(tenant, key: str, severity: str = "warn", standing: bool = False):
    with schema_context(tenant.schema_name), transaction.atomic():
        return alert_raise(rule="test_rule", severity=severity, message=f"预警 {key}",
                           dedupe_key=key, object_type="x.y", object_id=7, standing=standing)


def test_members_see_their_tenants_alerts_newest_first(town_a, town_b):
    first = raise_in(town_a, "a1", standing=True)
    second = raise_in(town_a, "a2", severity="remind")
    raise_in(town_b, "b1")

    page = member_client(town_a).get("/api/v1/alerts/").json()

    assert set(page) == {"count", "next", "previous", "results"}
    assert [r["id"] for r in page["results"]] == [second.pk, first.pk]
    assert set(page["results"][0]) >= FIELDS
    assert (page["results"][1]["standing"], page["results"][1]["object_id"]) == (True, "7")


def test_alerts_filter_by_status_and_severity(town_a):
    raise_in(town_a, "open-warn")
    raise_in(town_a, "open-remind", severity="remind")
    raise_in(town_a, "closed-warn")
    with schema_context(town_a.schema_name):
        alert_close_by_key(dedupe_key="closed-warn", note="done")
    client = member_client(town_a)

    open_warn = client.get("/api/v1/alerts/?status=open&severity=warn").json()["results"]
    closed = client.get("/api/v1/alerts/?status=closed").json()["results"]

    assert [r["message"] for r in open_warn] == ["预警 open-warn"]
    assert [r["message"] for r in closed] == ["预警 closed-warn"]


@pytest.mark.parametrize("query", ["status=bogus", "severity=10", "page=abc"])
def test_a_bad_filter_is_an_error_not_a_500(town_a, query):
    response = member_client(town_a).get(f"/api/v1/alerts/?{query}")

    assert response.status_code in (400, 404)
    assert "code" in response.json()


def test_anonymous_and_other_tenants_see_nothing(town_a, town_b):
    raise_in(town_a, "secret")

    anonymous = api_client(town_a).get("/api/v1/alerts/")
    other = member_client(town_b).get("/api/v1/alerts/").json()

    assert anonymous.status_code == 401
    assert other["count"] == 0


# --- one alert, acknowledge, rectify ----------------------------------------------------------

def client_for(tenant, user):
    client = api_client(tenant)
    client.force_authenticate(user)
    return client


def test_alerts_filter_by_rule_and_show_the_life_cycle_fields(town_a):
    alert_in(town_a, "r1", rule="rule_one")
    alert_in(town_a, "r2", rule="rule_two")

    rows = member_client(town_a).get("/api/v1/alerts/?rule=rule_two").json()["results"]

    assert [r["rule"] for r in rows] == ["rule_two"]
    assert rows[0]["reopened_count"] == 0
    assert {"acknowledged_at", "rectified_at", "rectification_note", "county_note"} <= set(
        rows[0])


def test_one_alert_with_its_evidence(town_a, county, media_root):
    staff = people(town_a, county)
    alert = alert_in(town_a)
    evidence = evidence_upload(town_a, staff["accountant"], alert.pk, name="凭证.pdf")

    detail = member_client(town_a).get(f"/api/v1/alerts/{alert.pk}/").json()

    assert (detail["id"], detail["status"], detail["acknowledged_by"]) == (alert.pk, "open", None)
    assert [(a["id"], a["original_name"]) for a in detail["attachments"]] == [
        (evidence, "凭证.pdf")]


def test_another_tenants_alert_is_404(town_a, town_b):
    alert = alert_in(town_a)

    response = member_client(town_b).get(f"/api/v1/alerts/{alert.pk}/")
    acknowledge = member_client(town_b).post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {},
                                             format="json")

    assert response.status_code == 404
    assert acknowledge.status_code == 404


def test_the_responsible_post_acknowledges_then_rectifies_with_evidence(town_a, county,
                                                                       media_root):
    staff = people(town_a, county)
    alert = alert_in(town_a)
    client = client_for(town_a, staff["accountant"])
    evidence = evidence_upload(town_a, staff["accountant"], alert.pk)

    acknowledged = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": "收到"},
                               format="json")
    rectified = client.post(f"/api/v1/alerts/{alert.pk}/rectify/", {
        "note": "已补交发票", "attachments": [evidence]}, format="json")

    assert acknowledged.status_code == 200
    assert acknowledged.json()["acknowledged_by"] == staff["accountant"].username
    assert rectified.status_code == 200, rectified.content
    body = rectified.json()
    assert (body["status"], body["rectification_note"]) == ("rectified", "已补交发票")
    assert [(a["id"], a["locked"]) for a in body["attachments"]] == [(evidence, True)]


def test_acknowledging_twice_is_409_and_a_stranger_403(town_a, county):
    staff = people(town_a, county)
    alert = alert_in(town_a)
    client_for(town_a, staff["accountant"]).post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {},
                                                 format="json")

    again = client_for(town_a, staff["accountant"]).post(
        f"/api/v1/alerts/{alert.pk}/acknowledge/", {}, format="json")
    stranger = client_for(town_a, staff["cashier"]).post(
        f"/api/v1/alerts/{alert.pk}/rectify/", {"note": "已整改"}, format="json")

    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")
    assert (stranger.status_code, stranger.json()["code"]) == (403, "permission_denied")
    assert reload(town_a, alert.pk).status == "acknowledged"


def test_rectify_without_a_note_is_400(town_a, county):
    staff = people(town_a, county)
    alert = alert_in(town_a)

    response = client_for(town_a, staff["accountant"]).post(
        f"/api/v1/alerts/{alert.pk}/rectify/", {"attachments": ["x"]}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert reload(town_a, alert.pk).status == "open"


# --- the rules in force -----------------------------------------------------------------------

def test_members_read_the_rules_in_force_with_county_and_own_values(town_a, county):
    staff = people(town_a, county)
    with schema_context(county.schema_name):
        county_rule_update(actor=staff["county_admin"], county=county, code="duplicate_request",
                           parameters={"days": {"value": 20, "min": 10, "max": 60}})

    page = member_client(town_a).get("/api/v1/rules/?area=expenditure").json()
    rule = next(r for r in page["results"] if r["code"] == "duplicate_request")

    assert {r["area"] for r in page["results"]} == {"expenditure"}
    assert rule["parameters"]["days"] == {
        "label": rule["parameters"]["days"]["label"], "kind": "days", "county_value": 20,
        "min": 10, "max": 60, "own_value": None, "value": 20}
    assert (rule["enabled"], rule["severity"], rule["trigger"]) == (True, "warn",
                                                                    "spending.submit")


def test_the_tenant_admin_tunes_a_rule_inside_the_county_bounds(town_a, county):
    staff = people(town_a, county)
    with schema_context(county.schema_name):
        county_rule_update(actor=staff["county_admin"], county=county, code="duplicate_request",
                           parameters={"days": {"value": 20, "min": 10, "max": 60}})
    admin = client_for(town_a, staff["admin"])

    tuned = admin.put("/api/v1/rules/duplicate_request/", {
        "enabled": False, "parameters": {"days": 45}}, format="json")
    too_high = admin.put("/api/v1/rules/duplicate_request/", {"parameters": {"days": 61}},
                         format="json")

    assert tuned.status_code == 200, tuned.content
    assert (tuned.json()["enabled"], tuned.json()["parameters"]["days"]["value"]) == (False, 45)
    assert (too_high.status_code, too_high.json()["code"]) == (422, "out_of_bounds")
    with schema_context(town_a.schema_name):
        assert RuleTuning.objects.get(code="duplicate_request").parameters == {"days": 45}
        assert AuditEvent.objects.filter(action="rule.tuned").count() == 1


def test_a_block_rule_cannot_be_switched_off_and_others_may_not_tune(town_a, county):
    staff = people(town_a, county)

    block = client_for(town_a, staff["admin"]).put("/api/v1/rules/cash_over_limit/", {
        "enabled": False}, format="json")
    by_member = client_for(town_a, staff["accountant"]).put(
        "/api/v1/rules/duplicate_request/", {"parameters": {"days": 40}}, format="json")
    unknown = client_for(town_a, staff["admin"]).put("/api/v1/rules/no_such_rule/", {},
                                                     format="json")

    assert (block.status_code, block.json()["code"]) == (422, "block_rule_required")
    assert (by_member.status_code, by_member.json()["code"]) == (403, "permission_denied")
    assert unknown.status_code == 404
    with schema_context(town_a.schema_name):
        assert not RuleTuning.objects.exists()


def test_a_tuned_value_reaches_the_engine(town_a, county):
    staff = people(town_a, county)
    client_for(town_a, staff["admin"]).put("/api/v1/rules/duplicate_request/", {
        "parameters": {"days": 90}}, format="json")

    with schema_context(town_a.schema_name):
        in_force = {r.spec.code: r.params for r in rules_in_force(trigger="spending.submit")}

    assert in_force["duplicate_request"]["days"] == 90


# --- notices on documents ---------------------------------------------------------------------

def test_a_spending_request_shows_the_notices_its_rules_left(town_a):
    people_by_post, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        quiet = request_create(actor=people_by_post["handler"], amount="100.00",
                               purpose="购买打印纸和墨盒", indicator_id=indicator.pk)
        request_submit(actor=people_by_post["handler"], request_id=quiet.pk)
        noted = request_create(actor=people_by_post["handler"], amount="100.00", purpose="办公",
                               indicator_id=indicator.pk)
        request_submit(actor=people_by_post["handler"], request_id=noted.pk)
    client = client_for(town_a, people_by_post["handler"])

    notices = client.get(f"/api/v1/spending-requests/{noted.pk}/").json()["notices"]
    none = client.get(f"/api/v1/spending-requests/{quiet.pk}/").json()["notices"]

    assert [(n["rule"], n["severity"], n["status"]) for n in notices] == [
        ("purpose_too_short", "remind", "open")]
    assert "办公" in notices[0]["message"]
    assert none == []
