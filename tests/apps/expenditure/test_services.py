"""Spending requests through every state: controls at submission, commitment, approval
outcomes releasing the budget, partial payments by the cashier."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.approvals.models import Approval, StepStatus, TaskStatus
from apps.approvals.services import process_define, task_decide
from apps.attachments.models import Attachment
from apps.audit.models import AuditEvent
from apps.budget.models import LedgerEntry
from apps.expenditure.models import RequestStatus
from apps.expenditure.services import (
    payment_create,
    request_attach,
    request_create,
    request_detach,
    request_submit,
    request_update,
    request_withdraw,
)
from county_platform.errors import DomainError
from tests.apps.budget.helpers import indicator_make, ledger_matches_counters
from tests.apps.expenditure.helpers import PDF, PNG, TEXT, received
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

ROUTE = [
    {"name": "会计审核", "post_code": "accountant", "mode": "any"},
    {"name": "分管领导审批", "post_code": "leader", "mode": "any",
     "condition": {"amount_gte": "5000.00"}},
    {"name": "主要负责人审批", "post_code": "principal", "mode": "any",
     "condition": {"amount_gte": "50000.00"}},
]


@pytest.fixture
def office(town_a):
    people = {post: staff_make(town_a, posts=(post,)).user
              for post in ("handler", "accountant", "leader", "principal", "cashier")}
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="spending_request", name="支出审批",
                       steps=ROUTE)
        indicator = indicator_make(amount="100000.00", subject="30201")
    return people, indicator


def _draft(people, indicator, amount="800.00"):
    return request_create(actor=people["handler"], amount=amount, purpose="购买办公用品",
                          indicator_id=indicator.pk)


def _approve_all(request):
    approval = Approval.objects.get(pk=request.approval_id)
    while approval.steps.filter(status=StepStatus.ACTIVE).exists():
        task = approval.steps.get(status=StepStatus.ACTIVE).tasks.filter(
            status=TaskStatus.PENDING).first()
        task_decide(actor=task.assignee, task_id=task.pk, decision="approve")
    request.refresh_from_db()


def test_submit_commits_and_routes_by_amount(town_a, office):
    people, indicator = office
    with schema_context(town_a.schema_name):
        small = request_submit(actor=people["handler"],
                               request_id=_draft(people, indicator).pk)
        big = request_submit(actor=people["handler"],
                             request_id=_draft(people, indicator, "60000.00").pk)
        indicator.refresh_from_db()
        small_route = list(Approval.objects.get(pk=small.approval_id).steps
                           .exclude(status=StepStatus.SKIPPED).values_list("post_code", flat=True))
        big_route = list(Approval.objects.get(pk=big.approval_id).steps
                         .exclude(status=StepStatus.SKIPPED).values_list("post_code", flat=True))

    assert small.status == RequestStatus.IN_APPROVAL
    assert indicator.committed == Decimal("60800.00")
    assert small_route == ["accountant"]
    assert big_route == ["accountant", "leader", "principal"]


def test_a_refused_submission_changes_nothing(town_a, office):
    people, indicator = office
    with schema_context(town_a.schema_name):
        request = _draft(people, indicator, "100000.01")
        ledger = LedgerEntry.objects.count()
        with pytest.raises(DomainError) as refused:
            request_submit(actor=people["handler"], request_id=request.pk)
        request.refresh_from_db()

        assert LedgerEntry.objects.count() == ledger
    assert refused.value.code == "over_budget"
    assert (request.status, request.approval_id) == (RequestStatus.DRAFT, None)


@pytest.mark.parametrize("decision", ["reject", "return"])
def test_reject_and_return_release_the_budget(town_a, office, decision):
    people, indicator = office
    with schema_context(town_a.schema_name):
        request = request_submit(actor=people["handler"],
                                 request_id=_draft(people, indicator).pk)
        task = Approval.objects.get(pk=request.approval_id).steps.get(
            status=StepStatus.ACTIVE).tasks.get()
        task_decide(actor=task.assignee, task_id=task.pk, decision=decision)
        request.refresh_from_db()
        indicator.refresh_from_db()

        assert ledger_matches_counters()
    assert request.status == {"reject": RequestStatus.REJECTED,
                              "return": RequestStatus.RETURNED}[decision]
    assert indicator.committed == Decimal("0.00")


def test_withdraw_releases_and_a_returned_request_can_be_resubmitted(town_a, office):
    people, indicator = office
    with schema_context(town_a.schema_name):
        request = request_submit(actor=people["handler"],
                                 request_id=_draft(people, indicator).pk)
        request_withdraw(actor=people["handler"], request_id=request.pk)
        request.refresh_from_db()
        indicator.refresh_from_db()
        withdrawn = (request.status, indicator.committed)

        again = request_submit(actor=people["handler"],
                               request_id=_draft(people, indicator).pk)
        task = Approval.objects.get(pk=again.approval_id).steps.get(
            status=StepStatus.ACTIVE).tasks.get()
        task_decide(actor=task.assignee, task_id=task.pk, decision="return")
        resubmitted = request_submit(actor=people["handler"], request_id=again.pk)

    assert withdrawn == (RequestStatus.WITHDRAWN, Decimal("0.00"))
    assert resubmitted.status == RequestStatus.IN_APPROVAL


def test_partial_payments_up_to_the_approved_amount(town_a, office):
    people, indicator = office
    with schema_context(town_a.schema_name):
        request = request_submit(actor=people["handler"],
                                 request_id=_draft(people, indicator).pk)
        _approve_all(request)
        payment_create(actor=people["cashier"], request_id=request.pk, amount="300.00")
        request.refresh_from_db()
        partly = request.status
        with pytest.raises(DomainError) as over:
            payment_create(actor=people["cashier"], request_id=request.pk, amount="500.01")
        payment_create(actor=people["cashier"], request_id=request.pk, amount="500.00")
        request.refresh_from_db()
        indicator.refresh_from_db()

        assert ledger_matches_counters()
    assert partly == RequestStatus.PARTLY_PAID
    assert over.value.code == "over_approved"
    assert request.status == RequestStatus.PAID
    assert (indicator.committed, indicator.executed) == (Decimal("0.00"), Decimal("800.00"))


def test_payment_before_approval_is_409_and_only_a_cashier_pays(town_a, office):
    people, indicator = office
    with schema_context(town_a.schema_name):
        request = request_submit(actor=people["handler"],
                                 request_id=_draft(people, indicator).pk)
        with pytest.raises(DomainError) as early:
            payment_create(actor=people["cashier"], request_id=request.pk, amount="1.00")
        _approve_all(request)
        with pytest.raises(DomainError) as not_cashier:
            payment_create(actor=people["leader"], request_id=request.pk, amount="1.00")

    assert early.value.status == 409
    assert not_cashier.value.status == 403


def test_a_cashier_cannot_pay_their_own_request(town_a, office):
    people, indicator = office
    with schema_context(town_a.schema_name):
        own = request_create(actor=people["cashier"], amount="100.00", purpose="差旅",
                             indicator_id=indicator.pk)
        own = request_submit(actor=people["cashier"], request_id=own.pk)
        _approve_all(own)
        with pytest.raises(DomainError) as refused:
            payment_create(actor=people["cashier"], request_id=own.pk, amount="100.00")

    assert refused.value.code == "self_approval"


# --- correcting a draft (request_update) -------------------------------------------------------


def _events(request, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_id=str(request.pk))
                .order_by("seq"))


def test_the_applicant_corrects_a_draft_and_the_audit_keeps_before_and_after(town_a, office):
    people, indicator = office
    with schema_context(town_a.schema_name):
        request = _draft(people, indicator)
        request_update(actor=people["handler"], request_id=request.pk, amount="650.00",
                       payee_name=" 城关文具店 ", payee_account="6222 0000 1111")
        request.refresh_from_db()
        [event] = _events(request, "spending.updated")

    assert (request.amount, request.purpose, request.indicator_id) == (
        Decimal("650.00"), "购买办公用品", indicator.pk)
    assert (request.payee_name, request.payee_account) == ("城关文具店", "6222 0000 1111")
    assert (event.before["amount"], event.after["amount"]) == ("800.00", "650.00")
    assert (event.before["payee"], event.after["payee"]) == ("", "城关文具店")


def test_a_new_indicator_brings_its_subject(town_a, office):
    people, indicator = office
    with schema_context(town_a.schema_name):
        travel = indicator_make(amount="5000.00", subject="30211")
        request = _draft(people, indicator)
        request_update(actor=people["handler"], request_id=request.pk, indicator_id=travel.pk)
        request.refresh_from_db()
        subject = request.subject.code

    assert (request.indicator_id, subject) == (travel.pk, "30211")


@pytest.mark.parametrize(("fields", "detail"), [
    ({"purpose": "  "}, "请填写支出事由。"),
    ({"indicator_id": 987654}, "所选预算指标不存在。"),
    ({"subject_code": "99999"}, "没有支出科目 99999。"),
    ({"amount": "0"}, "金额须为大于 0、最多两位小数的数。"),
])
def test_an_update_is_checked_as_a_new_draft_is_and_a_bad_one_changes_nothing(
        town_a, office, fields, detail):
    people, indicator = office
    with schema_context(town_a.schema_name):
        request = _draft(people, indicator)
        with pytest.raises(DomainError) as refused:
            request_update(actor=people["handler"], request_id=request.pk, **fields)
        request.refresh_from_db()
        events = _events(request, "spending.updated")

    assert (refused.value.status, refused.value.detail) == (400, detail)
    assert (request.amount, request.purpose, request.indicator_id) == (
        Decimal("800.00"), "购买办公用品", indicator.pk)
    assert events == []


def test_nobody_else_corrects_it_and_nobody_once_it_is_submitted(town_a, office):
    people, indicator = office
    with schema_context(town_a.schema_name):
        request = _draft(people, indicator)
        with pytest.raises(DomainError) as not_mine:
            request_update(actor=people["accountant"], request_id=request.pk, amount="1.00")
        request_submit(actor=people["handler"], request_id=request.pk)
        with pytest.raises(DomainError) as submitted:
            request_update(actor=people["handler"], request_id=request.pk, amount="1.00")
        request.refresh_from_db()

    assert not_mine.value.status == 404
    assert (submitted.value.status, submitted.value.code) == (409, "not_editable")
    assert request.amount == Decimal("800.00")


def test_a_returned_request_is_corrected_and_resubmitted_for_the_new_amount(town_a, office):
    people, indicator = office
    with schema_context(town_a.schema_name):
        request = request_submit(actor=people["handler"],
                                 request_id=_draft(people, indicator).pk)
        task = Approval.objects.get(pk=request.approval_id).steps.get(
            status=StepStatus.ACTIVE).tasks.get()
        task_decide(actor=task.assignee, task_id=task.pk, decision="return")
        request_update(actor=people["handler"], request_id=request.pk, amount="500.00")
        request_submit(actor=people["handler"], request_id=request.pk)
        indicator.refresh_from_db()

        assert ledger_matches_counters()
    assert indicator.committed == Decimal("500.00")


# --- invoices (报销) ---------------------------------------------------------------------------


def test_invoices_attached_to_a_draft_are_locked_on_submit_and_then_cannot_be_removed(
        town_a, office, media_root):
    people, indicator = office
    with schema_context(town_a.schema_name):
        request = _draft(people, indicator)
        invoice = request_attach(actor=people["handler"], request_id=request.pk,
                                 received=received(PDF, "发票.pdf"), kind="invoice")
        request_submit(actor=people["handler"], request_id=request.pk)
        with pytest.raises(DomainError) as removal:
            request_detach(actor=people["handler"], request_id=request.pk,
                           attachment_id=invoice.pk)
        with pytest.raises(DomainError) as late:
            request_attach(actor=people["handler"], request_id=request.pk,
                           received=received(PNG, "补充.png"), kind="invoice")
        invoice.refresh_from_db()
        linked = list(Attachment.objects.filter(object_type="spending_request",
                                                object_id=str(request.pk)))

    assert (invoice.content_type, invoice.kind, invoice.locked) == (
        "application/pdf", "invoice", True)
    assert (removal.value.status, removal.value.detail) == (
        409, "单据已提交，附件不能再删除或替换。")
    assert late.value.status == 409
    assert linked == [invoice]


def test_an_attachment_of_a_draft_is_removed_but_not_by_someone_else(
        town_a, office, media_root):
    people, indicator = office
    with schema_context(town_a.schema_name):
        request = _draft(people, indicator)
        invoice = request_attach(actor=people["handler"], request_id=request.pk,
                                 received=received(PNG, "发票.png"), kind="invoice")
        with pytest.raises(DomainError) as not_mine:
            request_detach(actor=people["accountant"], request_id=request.pk,
                           attachment_id=invoice.pk)
        kept = Attachment.objects.filter(pk=invoice.pk).exists()
        request_detach(actor=people["handler"], request_id=request.pk, attachment_id=invoice.pk)
        gone = not Attachment.objects.filter(pk=invoice.pk).exists()

    assert not_mine.value.status == 404
    assert (kept, gone) == (True, True)


def test_a_file_that_is_not_a_document_or_picture_is_refused_in_chinese(
        town_a, office, media_root):
    people, indicator = office
    with schema_context(town_a.schema_name):
        request = _draft(people, indicator)
        with pytest.raises(DomainError) as refused:
            request_attach(actor=people["handler"], request_id=request.pk,
                           received=received(TEXT, "发票.pdf"), kind="invoice")
        count = Attachment.objects.count()

    assert (refused.value.status, refused.value.code) == (415, "unsupported_type")
    assert refused.value.detail.startswith("只能上传 PDF")
    assert count == 0
