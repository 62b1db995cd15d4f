"""The spending-request and payment endpoints of DESIGN.md §11: every control's code over the
API, withdraw, the detail with its approval steps, who sees what, payments (409, 422, partial).
Each refusal checks that nothing changed."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.approvals.models import ApprovalTask, TaskStatus
from apps.approvals.services import process_define
from apps.budget.models import BudgetProject, DepartmentLimit, EconomicSubject, SubjectTotal
from apps.expenditure.models import Payment, SpendingRequest
from tests.apps.approvals.test_apis import CONTRACT_STEP_KEYS, PAGE_KEYS, client_for
from tests.apps.budget.helpers import YEAR, department_make, indicator_make
from tests.apps.budget.test_apis import snapshot as budget_snapshot
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

ROUTE = [{"name": "会计审核", "post_code": "accountant", "mode": "any"}]


@pytest.fixture
def office(town_a):
    users = {post: staff_make(town_a, posts=(post,) if post != "bystander" else ()).user
             for post in ("handler", "accountant", "cashier", "leader", "bystander")}
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="spending_request", name="支出审批",
                       steps=ROUTE)
        indicator = indicator_make(amount="1000.00", subject="30201")
    return {post: client_for(town_a, user) for post, user in users.items()}, indicator


def snapshot(tenant) -> tuple:
    with schema_context(tenant.schema_name):
        return budget_snapshot(tenant) + (
            sorted(SpendingRequest.objects.values_list("id", "status", "paid_amount")),
            Payment.objects.count(), ApprovalTask.objects.count())


def _draft(clients, indicator, **change) -> dict:
    response = clients["handler"].post("/api/v1/spending-requests/", {
        "indicator": getattr(indicator, "pk", indicator), "amount": "800.00",
        "purpose": "购买办公用品", **change}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _approve(town_a, clients, request_id):
    with schema_context(town_a.schema_name):
        approval_id = SpendingRequest.objects.get(pk=request_id).approval_id
        task = ApprovalTask.objects.get(step__approval_id=approval_id, status=TaskStatus.PENDING)
    answer = clients["accountant"].post(f"/api/v1/approvals/tasks/{task.pk}/approve/")
    assert answer.status_code == 200, answer.content


def test_draft_submit_and_the_detail_with_its_steps(town_a, office):
    clients, indicator = office
    draft = _draft(clients, indicator)

    submitted = clients["handler"].post(f"/api/v1/spending-requests/{draft['id']}/submit/")
    detail = clients["handler"].get(f"/api/v1/spending-requests/{draft['id']}/").json()
    with schema_context(town_a.schema_name):
        indicator.refresh_from_db()

    assert (draft["status"], draft["amount"], draft["subject"]) == ("draft", "800.00", "30201")
    assert (submitted.status_code, submitted.json()["status"]) == (200, "in_approval")
    steps = detail["approval"]["steps"]
    assert [s["post"] for s in steps] == ["accountant"]
    assert steps[0].keys() >= CONTRACT_STEP_KEYS
    assert steps[0]["status"] == "active"
    assert indicator.committed == Decimal("800.00")


def test_no_indicator_is_no_budget(town_a, office):
    clients, _ = office
    draft = _draft(clients, None)
    before = snapshot(town_a)

    response = clients["handler"].post(f"/api/v1/spending-requests/{draft['id']}/submit/")

    assert (response.status_code, response.json()["code"]) == (422, "no_budget")
    assert snapshot(town_a) == before


def test_more_than_available_is_over_budget(town_a, office):
    clients, indicator = office
    draft = _draft(clients, indicator, amount="1000.01")
    before = snapshot(town_a)

    response = clients["handler"].post(f"/api/v1/spending-requests/{draft['id']}/submit/")

    assert (response.status_code, response.json()["code"]) == (422, "over_budget")
    assert response.json()["available"] == "1000.00"
    assert snapshot(town_a) == before


def test_another_subject_is_out_of_scope(town_a, office):
    clients, _ = office
    with schema_context(town_a.schema_name):
        department = department_make()
        project = BudgetProject.objects.create(code="PX", name="项目", department=department)
        project.allowed_subjects.set(EconomicSubject.objects.filter(code="30213"))
        indicator = indicator_make(amount="500.00", subject="30213", department=department,
                                   project=project)
    draft = _draft(clients, indicator, amount="10.00", subject="30201")
    before = snapshot(town_a)

    response = clients["handler"].post(f"/api/v1/spending-requests/{draft['id']}/submit/")

    assert (response.status_code, response.json()["code"]) == (422, "out_of_scope")
    assert snapshot(town_a) == before


def test_over_the_department_limit(town_a, office):
    clients, indicator = office
    with schema_context(town_a.schema_name):
        DepartmentLimit.objects.create(year=YEAR, department=indicator.department,
                                       subject=indicator.subject, amount=Decimal("500.00"))
    draft = _draft(clients, indicator, amount="500.01")
    before = snapshot(town_a)

    response = clients["handler"].post(f"/api/v1/spending-requests/{draft['id']}/submit/")

    assert (response.status_code, response.json()["code"]) == (422, "over_department_limit")
    assert snapshot(town_a) == before


def test_over_the_subject_total(town_a, office):
    clients, indicator = office
    with schema_context(town_a.schema_name):
        SubjectTotal.objects.create(year=YEAR, subject=indicator.subject,
                                    amount=Decimal("300.00"))
    draft = _draft(clients, indicator, amount="300.01")
    before = snapshot(town_a)

    response = clients["handler"].post(f"/api/v1/spending-requests/{draft['id']}/submit/")

    assert (response.status_code, response.json()["code"]) == (422, "over_subject_total")
    assert snapshot(town_a) == before


def test_withdraw_releases_the_budget(town_a, office):
    clients, indicator = office
    draft = _draft(clients, indicator)
    clients["handler"].post(f"/api/v1/spending-requests/{draft['id']}/submit/")

    withdrawn = clients["handler"].post(f"/api/v1/spending-requests/{draft['id']}/withdraw/")
    with schema_context(town_a.schema_name):
        indicator.refresh_from_db()

    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
    assert indicator.committed == Decimal("0.00")


def test_only_the_applicant_submits_or_withdraws(town_a, office):
    clients, indicator = office
    draft = _draft(clients, indicator)
    before = snapshot(town_a)

    by_cashier = clients["cashier"].post(f"/api/v1/spending-requests/{draft['id']}/submit/")
    by_stranger = clients["bystander"].post(f"/api/v1/spending-requests/{draft['id']}/submit/")
    withdraw = clients["bystander"].post(f"/api/v1/spending-requests/{draft['id']}/withdraw/")

    assert [r.status_code for r in (by_cashier, by_stranger, withdraw)] == [404, 404, 404]
    assert snapshot(town_a) == before


def test_who_sees_which_requests(office):
    clients, indicator = office
    mine = _draft(clients, indicator)

    own = clients["handler"].get("/api/v1/spending-requests/").json()
    finance = clients["accountant"].get("/api/v1/spending-requests/?status=draft").json()
    leader = clients["leader"].get("/api/v1/spending-requests/").json()
    stranger = clients["bystander"].get("/api/v1/spending-requests/").json()
    stranger_detail = clients["bystander"].get(f"/api/v1/spending-requests/{mine['id']}/")
    accountant_mine = clients["accountant"].get("/api/v1/spending-requests/?mine=true").json()

    assert own.keys() == PAGE_KEYS
    assert [r["id"] for r in own["results"]] == [mine["id"]]
    assert [r["id"] for r in finance["results"]] == [mine["id"]]
    assert [r["id"] for r in leader["results"]] == [mine["id"]]
    assert (stranger["count"], stranger_detail.status_code) == (0, 404)
    assert accountant_mine["count"] == 0


@pytest.mark.parametrize("change", [
    {"amount": "0"}, {"amount": "-1"}, {"amount": "1.001"}, {"amount": "NaN"}, {"amount": "x"},
    {"purpose": ""}, {"purpose": "x" * 501}, {"indicator": 987654}, {"indicator": "abc"},
    {"subject": "38888"}, {"subject": "abc"}, {"amount": {"v": 1}},
])
def test_bad_drafts_are_400_and_nothing_is_made(town_a, office, change):
    clients, indicator = office
    before = snapshot(town_a)

    response = clients["handler"].post("/api/v1/spending-requests/", {
        "indicator": indicator.pk, "amount": "10.00", "purpose": "办公", **change},
        format="json")

    assert response.status_code == 400, response.content
    assert snapshot(town_a) == before


def _amounts(tenant) -> list:
    with schema_context(tenant.schema_name):
        return sorted(SpendingRequest.objects.values_list(
            "id", "amount", "purpose", "payee_name", "indicator_id", "subject__code"))


def test_the_applicant_patches_a_draft_and_only_what_is_sent_changes(town_a, office):
    clients, indicator = office
    draft = _draft(clients, indicator)

    response = clients["handler"].patch(f"/api/v1/spending-requests/{draft['id']}/", {
        "amount": "650.00", "payee_name": "城关文具店", "payee_account": "6222 0000 1111"},
        format="json")

    body = response.json()
    assert response.status_code == 200, body
    assert (body["amount"], body["purpose"], body["indicator"], body["subject"]) == (
        "650.00", "购买办公用品", indicator.pk, "30201")
    assert (body["payee_name"], body["payee_account"]) == ("城关文具店", "6222 0000 1111")
    assert body["status"] == "draft"


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": "0"}, "amount"),
    ({"purpose": ""}, "purpose"),
    ({"payee_account": "not-an-account"}, "payee_account"),
])
def test_a_bad_patch_is_400_and_changes_nothing(town_a, office, change, field):
    clients, indicator = office
    draft = _draft(clients, indicator)
    before = _amounts(town_a)

    response = clients["handler"].patch(f"/api/v1/spending-requests/{draft['id']}/", change,
                                        format="json")

    assert response.status_code == 400
    assert field in response.content.decode()
    assert _amounts(town_a) == before


def test_a_missing_indicator_in_a_patch_is_400_in_chinese(town_a, office):
    clients, indicator = office
    draft = _draft(clients, indicator)
    before = _amounts(town_a)

    response = clients["handler"].patch(f"/api/v1/spending-requests/{draft['id']}/",
                                        {"indicator": 987654}, format="json")

    assert (response.status_code, response.json()["detail"]) == (400, "所选预算指标不存在。")
    assert _amounts(town_a) == before


def test_others_cannot_patch_and_nobody_patches_a_submitted_request(town_a, office):
    clients, indicator = office
    draft = _draft(clients, indicator)
    url = f"/api/v1/spending-requests/{draft['id']}/"
    before = _amounts(town_a)

    by_accountant = clients["accountant"].patch(url, {"amount": "1.00"}, format="json")
    by_bystander = clients["bystander"].patch(url, {"amount": "1.00"}, format="json")
    clients["handler"].post(f"{url}submit/")
    submitted = clients["handler"].patch(url, {"amount": "1.00"}, format="json")

    assert by_accountant.status_code == 404  # sees every request, corrects none
    assert by_bystander.status_code == 404
    assert (submitted.status_code, submitted.json()["code"]) == (409, "not_editable")
    assert _amounts(town_a) == before


def test_payment_lifecycle(town_a, office):
    clients, indicator = office
    draft = _draft(clients, indicator)
    clients["handler"].post(f"/api/v1/spending-requests/{draft['id']}/submit/")
    early = clients["cashier"].post("/api/v1/payments/", {"request": draft["id"],
                                                          "amount": "100.00"}, format="json")
    _approve(town_a, clients, draft["id"])

    partial = clients["cashier"].post("/api/v1/payments/", {
        "request": draft["id"], "amount": "300.00", "method": "official_card"}, format="json")
    too_much = clients["cashier"].post("/api/v1/payments/", {"request": draft["id"],
                                                             "amount": "500.01"}, format="json")
    rest = clients["cashier"].post("/api/v1/payments/", {"request": draft["id"],
                                                         "amount": "500.00"}, format="json")
    detail = clients["handler"].get(f"/api/v1/spending-requests/{draft['id']}/").json()
    with schema_context(town_a.schema_name):
        indicator.refresh_from_db()

    assert (early.status_code, early.json()["code"]) == (409, "not_approved")
    assert partial.status_code == 201, partial.content
    assert (partial.json()["request_status"], partial.json()["paid_total"]) == ("partly_paid",
                                                                               "300.00")
    assert (too_much.status_code, too_much.json()["code"]) == (422, "over_approved")
    assert (rest.status_code, rest.json()["request_status"]) == (201, "paid")
    assert (detail["status"], detail["paid_amount"]) == ("paid", "800.00")
    assert [p["amount"] for p in detail["payments"]] == ["300.00", "500.00"]
    assert (indicator.committed, indicator.executed) == (Decimal("0.00"), Decimal("800.00"))


def test_only_the_cashier_pays_and_bad_payments_change_nothing(town_a, office):
    clients, indicator = office
    draft = _draft(clients, indicator)
    clients["handler"].post(f"/api/v1/spending-requests/{draft['id']}/submit/")
    _approve(town_a, clients, draft["id"])
    before = snapshot(town_a)

    by_handler = clients["handler"].post("/api/v1/payments/", {"request": draft["id"],
                                                               "amount": "1.00"}, format="json")
    bad = [clients["cashier"].post("/api/v1/payments/", body, format="json") for body in (
        {"request": draft["id"], "amount": "0"}, {"request": draft["id"], "amount": "1.001"},
        {"request": draft["id"], "amount": "1.00", "method": "barter"},
        {"request": "x", "amount": "1.00"}, {"amount": "1.00"})]
    missing = clients["cashier"].post("/api/v1/payments/", {"request": 987654,
                                                            "amount": "1.00"}, format="json")

    assert (by_handler.status_code, by_handler.json()["code"]) == (403, "permission_denied")
    assert [r.status_code for r in bad] == [400] * 5
    assert missing.status_code == 404
    assert snapshot(town_a) == before


def _submit_queries(town_a, clients, indicator) -> int:
    draft = _draft(clients, indicator, amount="1.00")
    with CaptureQueriesContext(connection) as queries:
        answer = clients["handler"].post(f"/api/v1/spending-requests/{draft['id']}/submit/")
    assert answer.status_code == 200, answer.content
    return len(queries)


def test_submit_takes_the_same_number_of_queries_whatever_the_data(town_a, office):
    clients, indicator = office
    _submit_queries(town_a, clients, indicator)  # builds the tenant's cached configuration
    first = _submit_queries(town_a, clients, indicator)
    for _ in range(5):
        _submit_queries(town_a, clients, indicator)

    assert _submit_queries(town_a, clients, indicator) == first
