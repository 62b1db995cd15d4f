"""Rotation endpoints: the due list (any member), plans (tenant_admin writes), special audits
(tenant_admin or ic_lead writes); refusals change nothing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from permissions.models import RotationPlan, SpecialAudit
from permissions.rotation import add_months
from permissions.services import post_assign
from tests.conftest import api_client
from tests.factories import PASSWORD, staff_make

pytestmark = pytest.mark.django_db

ONE = timedelta(days=1)
DUE_FIELDS = {"staff", "staff_name", "post", "post_name", "since", "months_held", "limit_months",
              "due_date", "overdue", "special_audit"}


@pytest.fixture(autouse=True)
def _public_schema_afterwards():
    yield
    connection.set_schema_to_public()


def today():
    return timezone.localdate()


def client_as(tenant, *posts):
    staff = staff_make(tenant, posts=posts)
    response = api_client(tenant).post(
        "/api/v1/auth/token/", {"username": staff.user.username, "password": PASSWORD},
        format="json",
    )
    return api_client(tenant, response.json()["token"])


def holder(tenant, post, *, due_in_days, name=""):
    staff = staff_make(tenant, display_name=name)
    with schema_context(tenant.schema_name):
        post_assign(actor=None, staff=staff, post_code=post,
                    start_date=add_months(today() + due_in_days * ONE, -60))
    return staff


def counts(tenant):
    with schema_context(tenant.schema_name):
        return (RotationPlan.objects.count(), SpecialAudit.objects.count(),
                AuditEvent.objects.count())


# --- due -----------------------------------------------------------------------------------


def test_a_member_without_posts_sees_who_is_due(town_a):
    staff = holder(town_a, "cashier", due_in_days=-3, name="钱出纳")
    holder(town_a, "accountant", due_in_days=300)

    response = client_as(town_a).get("/api/v1/rotation/due/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert set(row) == DUE_FIELDS
    assert row["staff"] == staff.pk
    assert (row["staff_name"], row["post"], row["post_name"]) == ("钱出纳", "cashier", "出纳")
    assert (row["months_held"], row["limit_months"], row["overdue"]) == (60, 60, True)
    assert row["due_date"] == (today() - 3 * ONE).isoformat()
    assert row["special_audit"] is None


def test_within_days_and_all_widen_the_list(town_a):
    holder(town_a, "cashier", due_in_days=120)
    holder(town_a, "asset_keeper", due_in_days=1000)
    client = client_as(town_a)

    default = client.get("/api/v1/rotation/due/").json()["count"]
    wider = client.get("/api/v1/rotation/due/", {"within_days": 150}).json()["count"]
    everyone = client.get("/api/v1/rotation/due/", {"all": 1}).json()["count"]

    assert (default, wider, everyone) == (0, 1, 2)


@pytest.mark.parametrize("query", [{"within_days": -1}, {"within_days": "x"}, {"all": "maybe"}])
def test_bad_query_parameters_are_400(town_a, query):
    response = client_as(town_a).get("/api/v1/rotation/due/", query)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_the_due_list_costs_the_same_queries_for_more_holders(town_a):
    client = client_as(town_a)
    holder(town_a, "cashier", due_in_days=-1)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/rotation/due/").json()["count"] == 1
    for post in ("accountant", "procurement_officer", "project_officer"):
        holder(town_a, post, due_in_days=-1)
    with CaptureQueriesContext(connection) as four:
        assert client.get("/api/v1/rotation/due/").json()["count"] == 4

    assert len(four) == len(one)


def test_anonymous_is_401_and_another_tenants_member_is_403(town_a, town_b):
    anonymous = api_client(town_a).get("/api/v1/rotation/due/")
    stranger = staff_make(town_b)
    token = api_client(town_b).post(
        "/api/v1/auth/token/", {"username": stranger.user.username, "password": PASSWORD},
        format="json",
    ).json()["token"]
    foreign = api_client(town_a, token).get("/api/v1/rotation/due/")

    assert anonymous.status_code == 401
    assert (foreign.status_code, foreign.json()["code"]) == (403, "not_a_member")


# --- plans ---------------------------------------------------------------------------------


def plan_body(holder, **extra):
    return {"staff": holder.pk, "post": "cashier",
            "planned_date": (today() + 30 * ONE).isoformat(), "note": "与会计互换", **extra}


def test_tenant_admin_plans_a_rotation_and_marks_it_done(town_a):
    staff = holder(town_a, "cashier", due_in_days=20, name="钱出纳")
    successor = staff_make(town_a, display_name="接任者")
    admin = client_as(town_a, "tenant_admin")

    created = admin.post("/api/v1/rotation/plans/", plan_body(staff, successor=successor.pk),
                         format="json")
    listed = client_as(town_a).get("/api/v1/rotation/plans/")
    done = admin.post(f"/api/v1/rotation/plans/{created.json()['id']}/done/")
    again = admin.post(f"/api/v1/rotation/plans/{created.json()['id']}/done/")

    assert created.status_code == 201, created.content
    plan = created.json()
    assert (plan["staff_name"], plan["post"], plan["successor_name"], plan["done"]) == (
        "钱出纳", "cashier", "接任者", False)
    assert listed.json()["results"][0]["id"] == plan["id"]
    assert (done.status_code, done.json()["done"]) == (200, True)
    assert (again.status_code, again.json()["code"]) == (409, "plan_done")


def test_a_successor_holding_an_incompatible_post_is_422_naming_the_pair(town_a):
    staff = holder(town_a, "cashier", due_in_days=20)
    successor = staff_make(town_a, posts=("accountant",))
    admin = client_as(town_a, "tenant_admin")
    before = counts(town_a)

    response = admin.post("/api/v1/rotation/plans/", plan_body(staff, successor=successor.pk),
                          format="json")

    assert (response.status_code, response.json()["code"]) == (422, "sod_conflict")
    assert [c["rule"] for c in response.json()["conflicts"]] == ["sod_cashier_accountant"]
    assert counts(town_a) == before


def test_a_member_without_tenant_admin_may_not_plan_and_nothing_changes(town_a):
    staff = holder(town_a, "cashier", due_in_days=20)
    ic_lead = client_as(town_a, "ic_lead")
    before = counts(town_a)

    response = ic_lead.post("/api/v1/rotation/plans/", plan_body(staff), format="json")

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert counts(town_a) == before


def test_marking_a_plan_done_needs_tenant_admin(town_a):
    staff = holder(town_a, "cashier", due_in_days=20)
    admin = client_as(town_a, "tenant_admin")
    plan = admin.post("/api/v1/rotation/plans/", plan_body(staff), format="json").json()
    member = client_as(town_a)
    before = counts(town_a)

    response = member.post(f"/api/v1/rotation/plans/{plan['id']}/done/")

    assert response.status_code == 403
    assert counts(town_a) == before


def test_an_unknown_plan_is_404(town_a):
    response = client_as(town_a, "tenant_admin").post("/api/v1/rotation/plans/999999/done/")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"planned_date": "2000-01-01"}, 422, "planned_date_past"),
        ({"post": "accountant"}, 422, "post_not_held"),
        ({"staff": 999999}, 400, "invalid"),
        ({"planned_date": "not-a-date"}, 400, "invalid"),
    ],
)
def test_a_refused_plan_changes_nothing(town_a, change, status, code):
    staff = holder(town_a, "cashier", due_in_days=20)
    admin = client_as(town_a, "tenant_admin")
    before = counts(town_a)

    response = admin.post("/api/v1/rotation/plans/", plan_body(staff, **change), format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert counts(town_a) == before


# --- special audits ---------------------------------------------------------------------------


def audit_body(holder, **extra):
    return {"staff": holder.pk, "post": "cashier", "performed_on": today().isoformat(),
            "auditor": "县审计局", "reason": "全镇仅一人具备出纳资格", "findings": "账实相符",
            **extra}


@pytest.mark.parametrize("post", ["tenant_admin", "ic_lead"])
def test_tenant_admin_or_ic_lead_records_a_special_audit_that_covers_the_overdue_row(
    town_a, post
):
    staff = holder(town_a, "cashier", due_in_days=-3)
    writer = client_as(town_a, post)

    created = writer.post("/api/v1/rotation/special-audits/", audit_body(staff), format="json")
    listed = client_as(town_a).get("/api/v1/rotation/special-audits/").json()
    due = client_as(town_a).get("/api/v1/rotation/due/").json()["results"][0]

    assert created.status_code == 201, created.content
    assert created.json()["auditor"] == "县审计局"
    assert listed["results"][0]["id"] == created.json()["id"]
    assert due["special_audit"]["id"] == created.json()["id"]
    assert due["special_audit"]["performed_on"] == today().isoformat()


def test_a_member_without_those_posts_may_not_record_an_audit(town_a):
    staff = holder(town_a, "cashier", due_in_days=-3)
    accountant = client_as(town_a, "accountant")
    before = counts(town_a)

    response = accountant.post(
        "/api/v1/rotation/special-audits/", audit_body(staff), format="json"
    )

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert counts(town_a) == before


def test_a_future_audit_is_422_and_changes_nothing(town_a):
    staff = holder(town_a, "cashier", due_in_days=-3)
    ic_lead = client_as(town_a, "ic_lead")
    before = counts(town_a)

    response = ic_lead.post(
        "/api/v1/rotation/special-audits/",
        audit_body(staff, performed_on=(today() + ONE).isoformat()), format="json",
    )

    assert (response.status_code, response.json()["code"]) == (422, "performed_in_future")
    assert counts(town_a) == before
