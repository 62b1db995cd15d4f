"""Budget adjustments: a document through its own approval; the approved amount changes only
when that approval passes, and the ledger still equals the counters."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.approvals.models import ApprovalTask, ProcessDefinition, TaskStatus
from apps.approvals.services import process_define, task_decide
from apps.budget.adjustments import adjustment_create
from apps.budget.controls import Draw, budget_commit
from apps.budget.models import BudgetAdjustment, DocumentStatus, LedgerEntry
from county_platform.errors import DomainError
from tests.apps.approvals.test_apis import client_for
from tests.apps.budget.helpers import YEAR, indicator_make, ledger_matches_counters
from tests.apps.budget.test_apis import snapshot
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

ROUTE = [{"name": "预算审核", "post_code": "finance_reviewer", "mode": "any"},
         {"name": "主要负责人审批", "post_code": "principal", "mode": "any"}]


@pytest.fixture
def people(town_a):
    made = {post: staff_make(town_a, posts=(post,)).user
            for post in ("budget_officer", "finance_reviewer", "principal", "handler")}
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="budget_adjustment", name="预算调整审批",
                       steps=ROUTE)
        indicator = indicator_make(amount="1000.00")
    return made, indicator


def _pending(adjustment_id) -> ApprovalTask:
    approval_id = BudgetAdjustment.objects.get(pk=adjustment_id).approval_id
    return ApprovalTask.objects.get(step__approval_id=approval_id, status=TaskStatus.PENDING)


def test_the_amount_changes_only_after_the_approval(town_a, people):
    made, indicator = people
    with schema_context(town_a.schema_name):
        adjustment = adjustment_create(actor=made["budget_officer"], indicator_id=indicator.pk,
                                       delta="500.00", reason="追加村道养护经费")
        indicator.refresh_from_db()
        during = (adjustment.status, indicator.amount)
        first = _pending(adjustment.pk)
        task_decide(actor=first.assignee, task_id=first.pk, decision="approve")
        indicator.refresh_from_db()
        halfway = indicator.amount
        last = _pending(adjustment.pk)
        task_decide(actor=last.assignee, task_id=last.pk, decision="approve")
        indicator.refresh_from_db()
        adjustment.refresh_from_db()
        entries = list(LedgerEntry.objects.filter(indicator=indicator).values_list(
            "kind", "amount_delta", "document_type", "document_id"))

        assert ledger_matches_counters()
    assert during == (DocumentStatus.IN_APPROVAL, Decimal("1000.00"))
    assert halfway == Decimal("1000.00")
    assert indicator.amount == Decimal("1500.00")
    assert (adjustment.status, adjustment.amount_before, adjustment.amount_after) == (
        DocumentStatus.APPROVED, Decimal("1000.00"), Decimal("1500.00"))
    assert entries[-1] == ("adjust", Decimal("500.00"), "budget_adjustment", str(adjustment.pk))


def test_a_rejected_adjustment_changes_nothing(town_a, people):
    made, indicator = people
    with schema_context(town_a.schema_name):
        adjustment = adjustment_create(actor=made["budget_officer"], indicator_id=indicator.pk,
                                       delta="-200.00", reason="压减")
        task = _pending(adjustment.pk)
        task_decide(actor=task.assignee, task_id=task.pk, decision="reject")
        indicator.refresh_from_db()
        adjustment.refresh_from_db()

        assert not LedgerEntry.objects.filter(kind="adjust").exists()
        assert ledger_matches_counters()
    assert (adjustment.status, indicator.amount) == (DocumentStatus.REJECTED,
                                                     Decimal("1000.00"))


def test_a_decrease_below_what_is_used_is_refused(town_a, people):
    made, indicator = people
    with schema_context(town_a.schema_name):
        budget_commit(actor=None, draws=[Draw(indicator.pk, Decimal("900.00"))],
                      document_type="spending_request", document_id="x1", year=YEAR)
        with pytest.raises(DomainError) as refused:
            adjustment_create(actor=made["budget_officer"], indicator_id=indicator.pk,
                              delta="-100.01", reason="压减")
        count = BudgetAdjustment.objects.count()

    assert (refused.value.code, refused.value.status) == ("below_used", 422)
    assert count == 0


def test_a_decrease_that_became_impossible_cannot_be_approved(town_a, people):
    """Submitted while there was room; by the last approval the money was committed."""
    made, indicator = people
    with schema_context(town_a.schema_name):
        adjustment = adjustment_create(actor=made["budget_officer"], indicator_id=indicator.pk,
                                       delta="-500.00", reason="压减")
        budget_commit(actor=None, draws=[Draw(indicator.pk, Decimal("800.00"))],
                      document_type="spending_request", document_id="x2", year=YEAR)
        first = _pending(adjustment.pk)
        task_decide(actor=first.assignee, task_id=first.pk, decision="approve")
        last = _pending(adjustment.pk)
        with pytest.raises(DomainError) as refused:
            task_decide(actor=last.assignee, task_id=last.pk, decision="approve")
        indicator.refresh_from_db()

        assert ledger_matches_counters()
    assert refused.value.code == "below_used"
    assert indicator.amount == Decimal("1000.00")


# --- over the API ---------------------------------------------------------------------------


def test_api_officer_posts_an_adjustment_into_approval(town_a, people):
    made, indicator = people
    officer = client_for(town_a, made["budget_officer"])

    created = officer.post("/api/v1/budget/adjustments/", {
        "indicator": indicator.pk, "delta": "250.00", "reason": "追加"}, format="json")
    body = created.json()
    detail = client_for(town_a, made["handler"]).get(f"/api/v1/budget/adjustments/{body['id']}/")
    listed = officer.get(f"/api/v1/budget/adjustments/?indicator={indicator.pk}").json()

    assert created.status_code == 201, created.content
    assert (body["status"], body["delta"], body["amount_after"]) == ("in_approval", "250.00",
                                                                     None)
    assert [s["post"] for s in body["approval"]["steps"]] == ["finance_reviewer", "principal"]
    assert detail.status_code == 200
    assert [a["id"] for a in listed["results"]] == [body["id"]]


def test_api_withdraw_then_nothing_changed(town_a, people):
    made, indicator = people
    officer = client_for(town_a, made["budget_officer"])
    created = officer.post("/api/v1/budget/adjustments/", {
        "indicator": indicator.pk, "delta": "250.00", "reason": "追加"}, format="json").json()

    withdrawn = officer.post(f"/api/v1/budget/adjustments/{created['id']}/withdraw/")
    with schema_context(town_a.schema_name):
        indicator.refresh_from_db()

    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
    assert indicator.amount == Decimal("1000.00")


@pytest.mark.parametrize("body", [
    {"delta": "0"}, {"delta": "1.005"}, {"delta": "abc"}, {"reason": ""}, {"indicator": 987654},
    {"indicator": "x"}, {"delta": None},
])
def test_api_bad_adjustments_are_400_and_nothing_is_made(town_a, people, body):
    made, indicator = people
    before = snapshot(town_a)

    response = client_for(town_a, made["budget_officer"]).post(
        "/api/v1/budget/adjustments/",
        {"indicator": indicator.pk, "delta": "10.00", "reason": "追加", **body}, format="json")

    assert response.status_code == 400, response.content
    assert snapshot(town_a) == before


def test_api_only_the_budget_officer_adjusts(town_a, people):
    made, indicator = people
    before = snapshot(town_a)

    response = client_for(town_a, made["handler"]).post("/api/v1/budget/adjustments/", {
        "indicator": indicator.pk, "delta": "10.00", "reason": "追加"}, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert snapshot(town_a) == before


def test_api_without_a_process_is_422_and_nothing_is_made(town_a, people):
    made, indicator = people
    with schema_context(town_a.schema_name):
        ProcessDefinition.objects.filter(document_type="budget_adjustment").delete()
    before = snapshot(town_a)

    response = client_for(town_a, made["budget_officer"]).post("/api/v1/budget/adjustments/", {
        "indicator": indicator.pk, "delta": "10.00", "reason": "追加"}, format="json")

    assert (response.status_code, response.json()["code"]) == (422, "no_process")
    assert snapshot(town_a) == before
