"""Revenue registrations: drafted by the finance office, through their own approval, audited;
bad input and strangers change nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.approvals.models import ApprovalTask, TaskStatus
from apps.approvals.services import process_define
from apps.audit.models import AuditEvent
from apps.budget.models import RevenueRegistration
from apps.budget.services import fund_account_create
from tests.apps.approvals.test_apis import client_for
from tests.apps.budget.test_apis import snapshot
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

ROUTE = [{"name": "会计审核", "post_code": "accountant", "mode": "any"}]


@pytest.fixture
def finance(town_a):
    made = {post: staff_make(town_a, posts=(post,)).user
            for post in ("cashier", "accountant", "handler")}
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="revenue_registration", name="收入登记审批",
                       steps=ROUTE)
        account = fund_account_create(actor=None, name="土地出让金专户", kind="special")
    clients = {post: client_for(town_a, user) for post, user in made.items()}
    return clients, account


def _body(account, **change) -> dict:
    return {"kind": "land_transfer", "fund_account": account.pk, "amount": "1500000.00",
            "received_on": timezone.localdate().isoformat(), "payer": "县自然资源和规划局",
            "note": "地块 2026-03 出让金返还", **change}


def test_register_submit_approve(town_a, finance):
    clients, account = finance
    created = clients["cashier"].post("/api/v1/revenues/", _body(account), format="json")
    rid = created.json()["id"]
    submitted = clients["cashier"].post(f"/api/v1/revenues/{rid}/submit/")
    with schema_context(town_a.schema_name):
        task = ApprovalTask.objects.get(status=TaskStatus.PENDING,
                                        step__approval_id=submitted.json()["approval"]["id"])
    decided = clients["accountant"].post(f"/api/v1/approvals/tasks/{task.pk}/approve/")
    detail = clients["handler"].get(f"/api/v1/revenues/{rid}/").json()
    listed = clients["handler"].get("/api/v1/revenues/?kind=land_transfer&status=approved")
    with schema_context(town_a.schema_name):
        actions = list(AuditEvent.objects.filter(object_type="budget.revenueregistration")
                       .order_by("seq").values_list("action", flat=True))

    assert created.status_code == 201, created.content
    assert (created.json()["status"], created.json()["kind_name"]) == ("draft", "土地出让金")
    assert submitted.json()["status"] == "in_approval"
    assert decided.status_code == 200, decided.content
    assert (detail["status"], detail["amount"]) == ("approved", "1500000.00")
    assert [s["post"] for s in detail["approval"]["steps"]] == ["accountant"]
    assert [r["id"] for r in listed.json()["results"]] == [rid]
    assert actions == ["revenue.created", "revenue.approved"]


def test_withdraw_a_submitted_registration(town_a, finance):
    clients, account = finance
    rid = clients["cashier"].post("/api/v1/revenues/", _body(account), format="json").json()["id"]
    clients["cashier"].post(f"/api/v1/revenues/{rid}/submit/")

    withdrawn = clients["cashier"].post(f"/api/v1/revenues/{rid}/withdraw/")
    again = clients["cashier"].post(f"/api/v1/revenues/{rid}/submit/")

    assert withdrawn.json()["status"] == "withdrawn"
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")


def test_someone_elses_registration_cannot_be_submitted(town_a, finance):
    clients, account = finance
    rid = clients["cashier"].post("/api/v1/revenues/", _body(account), format="json").json()["id"]
    before = snapshot(town_a)

    response = clients["accountant"].post(f"/api/v1/revenues/{rid}/submit/")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert snapshot(town_a) == before


def test_a_plain_member_may_read_but_not_register(town_a, finance):
    clients, account = finance
    before = snapshot(town_a)

    refused = clients["handler"].post("/api/v1/revenues/", _body(account), format="json")
    listed = clients["handler"].get("/api/v1/revenues/")

    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert listed.status_code == 200
    assert snapshot(town_a) == before


@pytest.mark.parametrize("change", [
    {"kind": "gift"}, {"amount": "0"}, {"amount": "1.234"}, {"fund_account": 987654},
    {"received_on": "昨天"}, {"payer": ""}, {"received_on": None},
    {"received_on": (timezone.localdate() + timedelta(days=2)).isoformat()},
])
def test_bad_registrations_are_400_and_nothing_is_made(town_a, finance, change):
    clients, account = finance
    before = snapshot(town_a)

    response = clients["cashier"].post("/api/v1/revenues/", _body(account, **change),
                                       format="json")

    assert response.status_code == 400, response.content
    assert snapshot(town_a) == before
    with schema_context(town_a.schema_name):
        assert not RevenueRegistration.objects.exists()
