"""Revenue registrations (收入登记): money received into a fund account — land-transfer fees,
tax returns, asset income, transfers from above — each through its own approval."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from apps.approvals.registry import DocumentType, document_type_register
from apps.approvals.services import approval_submit, approval_withdraw
from apps.audit.services import audit_record
from apps.budget.ledger import money
from apps.budget.models import DocumentStatus, FundAccount, RevenueKind, RevenueRegistration
from apps.controls.rules.engine import rules_check
from county_platform.errors import DomainError
from permissions.selectors import staff_get_for_user
from tenants.models import User

DOCUMENT_TYPE = "revenue_registration"


@transaction.atomic
def revenue_create(*, actor: User, kind: str, fund_account_id: int, amount, received_on: date,
                   payer: str, note: str = "") -> RevenueRegistration:
    """A draft registration; it counts as revenue once its approval has passed."""
    if kind not in RevenueKind.values:
        raise DomainError("invalid", "未知的收入类型。", 400, field="kind")
    account = FundAccount.objects.filter(pk=fund_account_id, is_active=True).first()
    if account is None:
        raise DomainError("invalid", "所选资金账户不存在或已停用。", 400, field="fund_account")
    if received_on > timezone.localdate():
        raise DomainError("invalid", "到账日期不能晚于今天。", 400, field="received_on")
    if not payer.strip():
        raise DomainError("invalid", "请填写付款单位。", 400, field="payer")
    revenue = RevenueRegistration.objects.create(
        kind=kind, fund_account=account, amount=money(amount), received_on=received_on,
        payer=payer.strip(), note=note.strip(), registered_by=actor,
    )
    audit_record(actor=actor, action="revenue.created", obj=revenue,
                 after={"kind": kind, "fund_account": account.pk, "amount": str(revenue.amount),
                        "received_on": received_on.isoformat(), "payer": revenue.payer})
    return revenue


def _locked(revenue_id) -> RevenueRegistration:
    revenue = RevenueRegistration.objects.select_for_update().filter(pk=revenue_id).first()
    if revenue is None:
        raise DomainError("not_found", "未找到该收入登记。", 404)
    return revenue


@transaction.atomic
def revenue_submit(*, actor: User, revenue_id: int) -> RevenueRegistration:
    revenue = _locked(revenue_id)
    if revenue.registered_by_id != actor.pk:
        raise DomainError("not_found", "未找到该收入登记。", 404)
    if revenue.status not in (DocumentStatus.DRAFT, DocumentStatus.RETURNED):
        raise DomainError("invalid_state", "只有草稿或被退回的登记可以提交。", 409)
    rules_check("revenue.submit", document=revenue, actor=actor,
                object_type=DOCUMENT_TYPE, object_id=revenue.pk)
    staff = staff_get_for_user(user=actor)
    revenue.status = DocumentStatus.IN_APPROVAL
    revenue.approval = approval_submit(
        actor=actor, document_type=DOCUMENT_TYPE, document_id=revenue.pk,
        department_id=getattr(staff, "department_id", None),
        facts={"amount": str(revenue.amount), "kind": revenue.kind,
               "fund_account": revenue.fund_account_id,
               "title": f"收入登记 #{revenue.pk} {revenue.get_kind_display()}"},
    )
    revenue.save(update_fields=["status", "approval"])
    return revenue


@transaction.atomic
def revenue_withdraw(*, actor: User, revenue_id: int) -> RevenueRegistration:
    revenue = _locked(revenue_id)
    if revenue.registered_by_id != actor.pk or revenue.approval_id is None:
        raise DomainError("not_found", "未找到该收入登记。", 404)
    approval_withdraw(actor=actor, approval_id=revenue.approval_id)
    revenue.refresh_from_db()
    return revenue


def _outcome(status: str):
    def hook(*, document_id: str, actor: User) -> None:
        revenue = _locked(document_id)
        revenue.status = status
        revenue.save(update_fields=["status"])
        audit_record(actor=actor, action=f"revenue.{status}", obj=revenue,
                     after={"status": status, "amount": str(revenue.amount)})
    return hook


document_type_register(DocumentType(
    code=DOCUMENT_TYPE, name="收入登记",
    on_approved=_outcome(DocumentStatus.APPROVED),
    on_rejected=_outcome(DocumentStatus.REJECTED),
    on_returned=_outcome(DocumentStatus.RETURNED),
    on_withdrawn=_outcome(DocumentStatus.WITHDRAWN),
))
