"""Spending requests: draft, submit under the budget controls, approval outcomes, payment."""


from django.db import transaction
from django.utils import timezone

from apps.approvals.models import ApprovalStatus
from apps.approvals.registry import DocumentType, document_type_register
from apps.approvals.routing import history_of
from apps.approvals.services import approval_submit, approval_withdraw
from apps.attachments.models import Attachment
from apps.attachments.selectors import attachments_of
from apps.attachments.services import attachment_delete, attachment_upload
from apps.attachments.upload import ReceivedFile
from apps.audit.services import audit_record
from apps.budget.controls import Draw, budget_commit
from apps.budget.ledger import budget_execute, budget_release, money
from apps.budget.models import BudgetIndicator, EconomicSubject
from apps.budget.reference import reference_in_force
from apps.controls.rules.engine import rules_check
from apps.county.services import stats_refresh_soon
from apps.expenditure.models import Payment, PaymentMethod, RequestStatus, SpendingRequest
from county_platform.errors import DomainError
from permissions.duties import check_compatible_steps, check_not_own_document, document_rules
from permissions.selectors import holds_post, staff_get_for_user
from tenants.config import config_pinned
from tenants.models import User

DOCUMENT_TYPE = "spending_request"
PAYABLE = (RequestStatus.APPROVED, RequestStatus.PARTLY_PAID)
EDITABLE = (RequestStatus.DRAFT, RequestStatus.RETURNED)
UPDATABLE = frozenset({"amount", "purpose", "indicator_id", "subject_code", "major_matter",
                       "payee_name", "payee_account"})


def _references(*, indicator_id: int | None, subject_code: str | None
                ) -> tuple[BudgetIndicator | None, EconomicSubject | None]:
    """The chosen indicator and subject (the indicator's own subject when none is chosen)."""
    indicator = BudgetIndicator.objects.filter(pk=indicator_id).first() if indicator_id else None
    if indicator_id and indicator is None:
        raise DomainError("invalid", "所选预算指标不存在。", 400)
    subject = EconomicSubject.objects.filter(code=subject_code).first() if subject_code else None
    if subject_code and subject is None:
        raise DomainError("invalid", f"没有支出科目 {subject_code}。", 400)
    return indicator, subject or getattr(indicator, "subject", None)


def _checked_purpose(purpose: str) -> str:
    if not purpose.strip():
        raise DomainError("invalid", "请填写支出事由。", 400)
    return purpose.strip()


def _snapshot(request: SpendingRequest) -> dict:
    return {"amount": str(request.amount), "indicator": request.indicator_id,
            "subject": request.subject_id, "purpose": request.purpose,
            "major_matter": request.major_matter, "payee": request.payee_name,
            "payee_account": request.payee_account}


@transaction.atomic
def request_create(*, actor: User, amount, purpose: str, indicator_id: int | None = None,
                   subject_code: str | None = None, major_matter: bool = False,
                   payee_name: str = "", payee_account: str = "") -> SpendingRequest:
    """A draft; nothing is checked against the budget until it is submitted."""
    purpose = _checked_purpose(purpose)
    indicator, subject = _references(indicator_id=indicator_id, subject_code=subject_code)
    staff = staff_get_for_user(user=actor)
    request = SpendingRequest.objects.create(
        applicant=actor, department=getattr(staff, "department", None), indicator=indicator,
        subject=subject, amount=money(amount), purpose=purpose, major_matter=major_matter,
        payee_name=payee_name.strip(), payee_account=payee_account.strip(),
    )
    audit_record(actor=actor, action="spending.created", obj=request,
                 after={"amount": str(request.amount), "indicator": indicator_id,
                        "purpose": request.purpose, "payee": request.payee_name})
    return request


# Raw, not the ORM: every submission and decision runs it; the subject comes from the cached
# reference data (apps/budget/reference.py) rather than a join.
_LOCK = "SELECT * FROM expenditure_spendingrequest WHERE id = %s FOR UPDATE"


def _locked(request_id) -> SpendingRequest:
    try:
        request = next(iter(SpendingRequest.objects.raw(_LOCK, [int(request_id)])), None)
    except (TypeError, ValueError):
        request = None
    if request is None:
        raise DomainError("not_found", "未找到该支出申请。", 404)
    request.subject = reference_in_force().subjects.get(request.subject_id)
    return request


NOT_EDITABLE = "申请已提交，不能再修改。需要修改请先撤回。"


def _editable(actor: User, request_id, *, refusal: str = NOT_EDITABLE) -> SpendingRequest:
    """The applicant's own draft or returned request, locked; 404 for anyone else's, 409
    `not_editable` once it is submitted."""
    request = _locked(request_id)
    if request.applicant_id != actor.pk:
        raise DomainError("not_found", "未找到该支出申请。", 404)
    if request.status not in EDITABLE:
        raise DomainError("not_editable", refusal, 409)
    return request


def _apply(request: SpendingRequest, fields: dict) -> None:
    if "indicator_id" in fields or "subject_code" in fields:
        indicator_id = fields.get("indicator_id", request.indicator_id)
        request.indicator, request.subject = _references(
            indicator_id=indicator_id, subject_code=fields.get("subject_code"))
    if "purpose" in fields:
        request.purpose = _checked_purpose(fields["purpose"])
    if "amount" in fields:
        request.amount = money(fields["amount"])
    if "major_matter" in fields:
        request.major_matter = bool(fields["major_matter"])
    for name in ("payee_name", "payee_account"):
        if name in fields:
            setattr(request, name, (fields[name] or "").strip())


@transaction.atomic
def request_update(*, actor: User, request_id: int, **fields) -> SpendingRequest:
    """The applicant corrects a draft or a returned request; only the fields given change,
    checked as at creation. The budget is checked again when it is submitted."""
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise TypeError(f"request_update() got unexpected fields {sorted(unknown)}")
    request = _editable(actor, request_id)
    before = _snapshot(request)
    _apply(request, fields)
    request.save(update_fields=["indicator", "subject", "amount", "purpose", "major_matter",
                                "payee_name", "payee_account"])
    audit_record(actor=actor, action="spending.updated", obj=request, before=before,
                 after=_snapshot(request))
    return request


@transaction.atomic
def request_attach(*, actor: User, request_id: int, received: ReceivedFile,
                   kind: str) -> Attachment:
    """The applicant attaches an invoice (or minutes, a contract…) to a draft or a returned
    request; its attachments are locked when it is submitted."""
    request = _editable(actor, request_id, refusal="申请已提交，不能再增加附件。")
    return attachment_upload(actor=actor, received=received, kind=kind,
                             object_type=DOCUMENT_TYPE, object_id=str(request.pk))


@transaction.atomic
def request_detach(*, actor: User, request_id: int, attachment_id: int) -> None:
    """The applicant removes an attachment not yet locked by a submission (409 once it is)."""
    request = _locked(request_id)
    if request.applicant_id != actor.pk:
        raise DomainError("not_found", "未找到该支出申请。", 404)
    attachment = attachments_of(object_type=DOCUMENT_TYPE, object_id=str(request.pk)).filter(
        pk=attachment_id).first()
    if attachment is None:
        raise DomainError("not_found", "未找到该附件。", 404)
    attachment_delete(actor=actor, attachment=attachment)


@transaction.atomic
@config_pinned()
def request_submit(*, actor: User, request_id: int) -> SpendingRequest:
    """Run the five budget controls, freeze the amount and start the approval — all in one
    transaction: a refused request changes nothing."""
    request = _locked(request_id)
    if request.applicant_id != actor.pk:
        raise DomainError("not_found", "未找到该支出申请。", 404)
    request.applicant = actor
    if request.status not in (RequestStatus.DRAFT, RequestStatus.RETURNED):
        raise DomainError("invalid_state", "只有草稿或被退回的申请可以提交。", 409)
    # The indicator, locked with its project and account, is the one the rules then read.
    request.indicator = budget_commit(
        actor=actor, draws=[Draw(request.indicator_id, request.amount, request.subject_id)],
        document_type=DOCUMENT_TYPE, document_id=str(request.pk),
        year=timezone.localdate().year)[request.indicator_id]
    rules_check("spending.submit", document=request, actor=actor,
                object_type=DOCUMENT_TYPE, object_id=request.pk)
    request.status, request.submitted_at = RequestStatus.IN_APPROVAL, timezone.now()

    def record(approval) -> None:
        request.approval = approval
        request.save(update_fields=["status", "submitted_at", "approval"])

    approval = approval_submit(
        actor=actor, document_type=DOCUMENT_TYPE, document_id=request.pk,
        department_id=request.department_id, record=record,
        facts={"amount": str(request.amount), "subject": getattr(request.subject, "code", None),
               "major_matter": request.major_matter, "title": request.purpose},
    )
    if approval.status != ApprovalStatus.IN_APPROVAL:  # no applicable step: decided at once
        request.refresh_from_db(fields=["status"])
    return request


@transaction.atomic
def request_withdraw(*, actor: User, request_id: int) -> SpendingRequest:
    request = _locked(request_id)
    if request.applicant_id != actor.pk or request.approval_id is None:
        raise DomainError("not_found", "未找到该支出申请。", 404)
    approval_withdraw(actor=actor, approval_id=request.approval_id)
    request.refresh_from_db()
    return request


def _check_payer(actor: User, request: SpendingRequest) -> None:
    if not holds_post(user=actor, code="cashier"):
        raise DomainError("permission_denied", "只有出纳可以办理支付。", 403)
    refusal = check_not_own_document(actor_id=actor.pk, applicant_id=request.applicant_id) or (
        check_compatible_steps(actor_id=actor.pk, acting_post="cashier",
                               history=history_of(request.approval), rules=document_rules()))
    if refusal is not None:
        raise DomainError(refusal.code, refusal.detail, 403, rule=refusal.rule)


@transaction.atomic
def payment_create(*, actor: User, request_id: int, amount,
                   method: str = PaymentMethod.TRANSFER) -> Payment:
    """Pay (part of) an approved request: never more than approved and not yet paid."""
    request = _locked(request_id)
    if request.status not in PAYABLE:
        raise DomainError("not_approved", "申请尚未批准，不能支付。", 409)
    _check_payer(actor, request)
    amount = money(amount)
    if amount > request.amount - request.paid_amount:
        raise DomainError("over_approved", "支付金额超过已批准未支付的金额。", 422,
                          unpaid=str(request.amount - request.paid_amount))
    rules_check("payment.create", document=request, actor=actor, amount=amount, method=method,
                object_type=DOCUMENT_TYPE, object_id=request.pk)
    budget_execute(actor=actor, indicator_id=request.indicator_id, amount=amount,
                   document_type=DOCUMENT_TYPE, document_id=str(request.pk))
    payment = Payment.objects.create(request=request, amount=amount, method=method,
                                     paid_by=actor)
    request.paid_amount += amount
    request.status = RequestStatus.PAID if request.paid_amount == request.amount \
        else RequestStatus.PARTLY_PAID
    request.save(update_fields=["paid_amount", "status"])
    audit_record(actor=actor, action="spending.paid", obj=payment, post="cashier",
                 after={"request": request.pk, "amount": str(amount), "method": method,
                        "paid_total": str(request.paid_amount)})
    stats_refresh_soon()
    return payment


def _outcome(status: str, *, release: bool):
    def hook(*, document_id: str, actor: User) -> None:
        request = _locked(document_id)
        if release:
            budget_release(actor=actor, document_type=DOCUMENT_TYPE, document_id=document_id)
        request.status = status
        request.save(update_fields=["status"])
        audit_record(actor=actor, action=f"spending.{status}", obj=request,
                     after={"status": status})
    return hook


document_type_register(DocumentType(
    code=DOCUMENT_TYPE, name="支出申请",
    on_approved=_outcome(RequestStatus.APPROVED, release=False),
    on_rejected=_outcome(RequestStatus.REJECTED, release=True),
    on_returned=_outcome(RequestStatus.RETURNED, release=True),
    on_withdrawn=_outcome(RequestStatus.WITHDRAWN, release=True),
))

