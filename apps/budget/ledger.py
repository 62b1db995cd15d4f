"""Every change to an indicator's counters: row-locked, checked by the database, and recorded
in the append-only ledger in the same transaction (the ledger's sums equal the counters)."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum

from apps.audit.services import audit_record
from apps.budget.models import BudgetIndicator, LedgerEntry, LedgerKind
from county_platform.errors import DomainError
from tenants.models import User

CENT = Decimal("0.01")


def money(value) -> Decimal:
    """A positive amount in yuan with at most two decimals, or a 400."""
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise DomainError("invalid_amount", "金额格式不正确。", 400) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise DomainError("invalid_amount", "金额须为大于 0、最多两位小数的数。", 400)
    return amount


def _entry(indicator_id: int, kind: str, *, actor: User | None, document_type: str = "",
           document_id: str = "", amount=0, committed=0, executed=0) -> LedgerEntry:
    return LedgerEntry.objects.create(
        indicator_id=indicator_id, kind=kind, amount_delta=amount, committed_delta=committed,
        executed_delta=executed, document_type=document_type, document_id=str(document_id),
        actor=actor,
    )


def lock_indicators(ids) -> dict[int, BudgetIndicator]:
    """Lock the given indicators in id order (the one fixed order every writer uses), each
    with its project (read, not locked) for the scope check."""
    rows = (BudgetIndicator.objects.select_for_update(of=("self",)).select_related("project")
            .filter(pk__in=set(ids)).order_by("pk"))
    return {row.pk: row for row in rows}


@transaction.atomic
def indicator_open(*, actor: User | None, **fields) -> BudgetIndicator:
    """A new indicator with its approved amount (the ledger's first entry)."""
    amount = fields.pop("amount")
    indicator = BudgetIndicator.objects.create(amount=amount, **fields)
    _entry(indicator.pk, LedgerKind.OPEN, actor=actor, amount=amount)
    audit_record(actor=actor, action="budget.indicator_opened", obj=indicator,
                 after={"year": indicator.year, "subject": indicator.subject_id,
                        "department": indicator.department_id, "amount": str(amount)})
    return indicator


def commit_locked(indicator: BudgetIndicator, amount: Decimal, *, actor: User | None,
                  document_type: str, document_id: str) -> None:
    """Freeze `amount` on an indicator the caller has locked and checked."""
    BudgetIndicator.objects.filter(pk=indicator.pk).update(committed=F("committed") + amount)
    indicator.committed += amount
    _entry(indicator.pk, LedgerKind.COMMIT, actor=actor, committed=amount,
           document_type=document_type, document_id=document_id)


def committed_for(*, document_type: str, document_id: str) -> dict[int, Decimal]:
    """What a document still holds frozen, per indicator."""
    rows = (LedgerEntry.objects.filter(document_type=document_type, document_id=str(document_id))
            .values("indicator_id").annotate(held=Sum("committed_delta")))
    return {row["indicator_id"]: row["held"] for row in rows if row["held"]}


@transaction.atomic
def budget_release(*, actor: User | None, document_type: str, document_id: str) -> Decimal:
    """Release everything the document holds frozen (rejection, withdrawal, return)."""
    held = committed_for(document_type=document_type, document_id=document_id)
    lock_indicators(held)
    for indicator_id, amount in sorted(held.items()):
        BudgetIndicator.objects.filter(pk=indicator_id).update(committed=F("committed") - amount)
        _entry(indicator_id, LedgerKind.RELEASE, actor=actor, committed=-amount,
               document_type=document_type, document_id=document_id)
    return sum(held.values(), Decimal(0))


@transaction.atomic
def budget_execute(*, actor: User | None, indicator_id: int, amount: Decimal,
                   document_type: str, document_id: str) -> None:
    """Pay: turn `amount` of what the document holds frozen into executed."""
    lock_indicators([indicator_id])
    held = committed_for(document_type=document_type, document_id=document_id)
    if amount > held.get(indicator_id, Decimal(0)):
        raise DomainError("over_committed", "支付金额超过该单据已冻结的预算。", 422)
    BudgetIndicator.objects.filter(pk=indicator_id).update(
        committed=F("committed") - amount, executed=F("executed") + amount)
    _entry(indicator_id, LedgerKind.EXECUTE, actor=actor, committed=-amount, executed=amount,
           document_type=document_type, document_id=document_id)


@transaction.atomic
def indicator_adjust(*, actor: User | None, indicator_id: int, delta: Decimal,
                     document_type: str, document_id: str) -> BudgetIndicator:
    """Change an approved amount: only an approved budget adjustment document calls this."""
    indicator = lock_indicators([indicator_id])[indicator_id]
    if indicator.amount + delta < indicator.committed + indicator.executed:
        raise DomainError("below_used", "调减后金额低于已冻结与已支付之和。", 422)
    BudgetIndicator.objects.filter(pk=indicator_id).update(amount=F("amount") + delta)
    _entry(indicator_id, LedgerKind.ADJUST, actor=actor, amount=delta,
           document_type=document_type, document_id=document_id)
    indicator.refresh_from_db()
    return indicator
