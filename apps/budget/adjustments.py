"""Budget adjustments (预算调整/追加): a document with its own approval; only its approval
changes an approved amount (through ledger.indicator_adjust, row-locked and recorded)."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.approvals.registry import DocumentType, document_type_register
from apps.approvals.services import approval_submit, approval_withdraw
from apps.audit.services import audit_record
from apps.budget.ledger import CENT, indicator_adjust
from apps.budget.models import BudgetAdjustment, BudgetIndicator, DocumentStatus
from apps.controls.rules.engine import rules_check
from county_platform.errors import DomainError
from tenants.models import User

DOCUMENT_TYPE = "budget_adjustment"


def _delta(value) -> Decimal:
    try:
        delta = Decimal(str(value))
    except ArithmeticError:
        raise DomainError("invalid_amount", "调整金额格式不正确。", 400) from None
    if not delta.is_finite() or delta == 0 or delta != delta.quantize(CENT):
        raise DomainError("invalid_amount", "调整金额须为非零、最多两位小数的数。", 400)
    return delta


def _check_room(indicator: BudgetIndicator, delta: Decimal) -> None:
    """A decrease may not take the amount below what is committed and executed (checked again
    under the row lock when the adjustment is applied)."""
    if indicator.amount + delta < indicator.committed + indicator.executed:
        raise DomainError("below_used", "调减后金额低于已冻结与已支付之和。", 422,
                          available=str(indicator.available))


@transaction.atomic
def adjustment_create(*, actor: User, indicator_id: int, delta, reason: str
                      ) -> BudgetAdjustment:
    """Draft an adjustment and submit it into approval at once (the approved amount does not
    change until the approval has passed)."""
    delta = _delta(delta)
    if not reason.strip():
        raise DomainError("invalid", "请填写调整理由。", 400)
    indicator = BudgetIndicator.objects.filter(pk=indicator_id).first()
    if indicator is None:
        raise DomainError("invalid", "所选预算指标不存在。", 400, field="indicator")
    adjustment = BudgetAdjustment.objects.create(indicator=indicator, delta=delta,
                                                 reason=reason.strip(), requested_by=actor)
    audit_record(actor=actor, action="budget.adjustment_created", obj=adjustment,
                 after={"indicator": indicator.pk, "delta": str(delta), "reason": reason})
    return adjustment_submit(actor=actor, adjustment_id=adjustment.pk)


def _locked(adjustment_id) -> BudgetAdjustment:
    adjustment = BudgetAdjustment.objects.select_for_update().filter(pk=adjustment_id).first()
    if adjustment is None:
        raise DomainError("not_found", "未找到该预算调整。", 404)
    return adjustment


@transaction.atomic
def adjustment_submit(*, actor: User, adjustment_id: int) -> BudgetAdjustment:
    """Submit a draft (or a returned adjustment) into approval."""
    adjustment = _locked(adjustment_id)
    if adjustment.requested_by_id != actor.pk:
        raise DomainError("not_found", "未找到该预算调整。", 404)
    if adjustment.status not in (DocumentStatus.DRAFT, DocumentStatus.RETURNED):
        raise DomainError("invalid_state", "只有草稿或被退回的调整可以提交。", 409)
    indicator = adjustment.indicator
    _check_room(indicator, adjustment.delta)
    rules_check("adjustment.submit", document=adjustment, actor=actor,
                object_type=DOCUMENT_TYPE, object_id=adjustment.pk)
    adjustment.status = DocumentStatus.IN_APPROVAL
    adjustment.approval = approval_submit(
        actor=actor, document_type=DOCUMENT_TYPE, document_id=adjustment.pk,
        department_id=indicator.department_id,
        facts={"amount": str(abs(adjustment.delta)), "delta": str(adjustment.delta),
               "subject": indicator.subject.code, "indicator": indicator.pk,
               "title": f"预算调整 #{adjustment.pk}（{adjustment.delta:+}元）"},
    )
    adjustment.save(update_fields=["status", "approval"])
    return adjustment


@transaction.atomic
def adjustment_withdraw(*, actor: User, adjustment_id: int) -> BudgetAdjustment:
    adjustment = _locked(adjustment_id)
    if adjustment.requested_by_id != actor.pk or adjustment.approval_id is None:
        raise DomainError("not_found", "未找到该预算调整。", 404)
    approval_withdraw(actor=actor, approval_id=adjustment.approval_id)
    adjustment.refresh_from_db()
    return adjustment


def _approved(*, document_id: str, actor: User) -> None:
    """The approval passed: now, and only now, the approved amount changes."""
    adjustment = _locked(document_id)
    before = adjustment.indicator.amount
    indicator = indicator_adjust(actor=actor, indicator_id=adjustment.indicator_id,
                                 delta=adjustment.delta, document_type=DOCUMENT_TYPE,
                                 document_id=str(adjustment.pk))
    adjustment.status = DocumentStatus.APPROVED
    adjustment.amount_before, adjustment.amount_after = before, indicator.amount
    adjustment.applied_at = timezone.now()
    adjustment.save(update_fields=["status", "amount_before", "amount_after", "applied_at"])
    audit_record(actor=actor, action="budget.adjustment_approved", obj=adjustment,
                 before={"amount": str(before)}, after={"amount": str(indicator.amount)})


def _outcome(status: str):
    def hook(*, document_id: str, actor: User) -> None:
        adjustment = _locked(document_id)
        adjustment.status = status
        adjustment.save(update_fields=["status"])
        audit_record(actor=actor, action=f"budget.adjustment_{status}", obj=adjustment,
                     after={"status": status})
    return hook


document_type_register(DocumentType(
    code=DOCUMENT_TYPE, name="预算调整", on_approved=_approved,
    on_rejected=_outcome(DocumentStatus.REJECTED),
    on_returned=_outcome(DocumentStatus.RETURNED),
    on_withdrawn=_outcome(DocumentStatus.WITHDRAWN),
))
