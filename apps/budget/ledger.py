"""Every change to an indicator's counters: row-locked, checked by the database, and recorded
in the append-only ledger in the same transaction (the ledger's sums equal the counters)."""

from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from apps.audit.services import audit_record
from apps.budget.models import BudgetIndicator, LedgerEntry, LedgerKind
from apps.budget.reference import reference_in_force
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


def _opened(indicator: BudgetIndicator, *, actor: User | None) -> LedgerEntry:
    return LedgerEntry.objects.create(indicator=indicator, kind=LedgerKind.OPEN,
                                      amount_delta=indicator.amount, actor=actor)


# The counters and their ledger entry in one statement (one round trip on every submit): the
# entry is written only if the indicator's row was updated, and the CHECK constraints on the
# counters still refuse the whole statement.
_CHANGE = """
WITH changed AS (
    UPDATE budget_budgetindicator SET amount = amount + %(amount)s,
        committed = committed + %(committed)s, executed = executed + %(executed)s
    WHERE id = %(indicator)s RETURNING id)
INSERT INTO budget_ledgerentry (indicator_id, kind, amount_delta, committed_delta,
    executed_delta, document_type, document_id, actor_id, created_at)
SELECT id, %(kind)s, %(amount)s, %(committed)s, %(executed)s, %(document_type)s,
    %(document_id)s, %(actor)s, %(now)s FROM changed
RETURNING id
"""


def _change(indicator_id: int, kind: str, *, actor: User | None, document_type: str,
            document_id: str, amount=0, committed=0, executed=0) -> None:
    """Move an indicator's counters by the deltas and append the matching ledger entry."""
    with connection.cursor() as cursor:
        cursor.execute(_CHANGE, {
            "indicator": indicator_id, "kind": kind, "amount": Decimal(amount),
            "committed": Decimal(committed), "executed": Decimal(executed),
            "document_type": document_type, "document_id": str(document_id),
            "actor": getattr(actor, "pk", None), "now": timezone.now()})
        if cursor.fetchone() is None:
            raise BudgetIndicator.DoesNotExist(f"budget indicator {indicator_id}")


# Raw, not the ORM: every submission runs it, and the project and account come from the
# cached reference data rather than a join.
_LOCK = "SELECT * FROM budget_budgetindicator WHERE id = ANY(%s) ORDER BY id FOR UPDATE"


def lock_indicators(ids) -> dict[int, BudgetIndicator]:
    """Lock the given indicators in id order (the one fixed order every writer uses), each
    with its project (for the scope check) and its fund account (for the rules), from the
    cached reference data (apps/budget/reference.py)."""
    reference = reference_in_force()
    locked = {}
    for row in BudgetIndicator.objects.raw(_LOCK, [sorted({int(pk) for pk in ids})]):
        row.project = reference.projects.get(row.project_id)
        row.fund_account = reference.accounts[row.fund_account_id]
        locked[row.pk] = row
    return locked


@transaction.atomic
def indicator_open(*, actor: User | None, **fields) -> BudgetIndicator:
    """A new indicator with its approved amount (the ledger's first entry)."""
    amount = fields.pop("amount")
    indicator = BudgetIndicator.objects.create(amount=amount, **fields)
    _opened(indicator, actor=actor)
    audit_record(actor=actor, action="budget.indicator_opened", obj=indicator,
                 after={"year": indicator.year, "subject": indicator.subject_id,
                        "department": indicator.department_id, "amount": str(amount)})
    return indicator


def commit_locked(indicator: BudgetIndicator, amount: Decimal, *, actor: User | None,
                  document_type: str, document_id: str) -> None:
    """Freeze `amount` on an indicator the caller has locked and checked."""
    _change(indicator.pk, LedgerKind.COMMIT, actor=actor, committed=amount,
            document_type=document_type, document_id=document_id)
    indicator.committed += amount


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
        _change(indicator_id, LedgerKind.RELEASE, actor=actor, committed=-amount,
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
    _change(indicator_id, LedgerKind.EXECUTE, actor=actor, committed=-amount, executed=amount,
            document_type=document_type, document_id=document_id)


@transaction.atomic
def indicator_adjust(*, actor: User | None, indicator_id: int, delta: Decimal,
                     document_type: str, document_id: str) -> BudgetIndicator:
    """Change an approved amount: only an approved budget adjustment document calls this."""
    indicator = lock_indicators([indicator_id])[indicator_id]
    if indicator.amount + delta < indicator.committed + indicator.executed:
        raise DomainError("below_used", "调减后金额低于已冻结与已支付之和。", 422)
    _change(indicator_id, LedgerKind.ADJUST, actor=actor, amount=delta,
            document_type=document_type, document_id=document_id)
    indicator.refresh_from_db()
    return indicator
