"""Budget test data, made through the real services."""

import itertools
from decimal import Decimal

from django.db.models import Sum

from apps.budget.ledger import indicator_open
from apps.budget.models import BudgetIndicator, EconomicSubject, FundAccount, LedgerEntry
from permissions.models import Department

_n = itertools.count(1)
YEAR = 2026


def department_make() -> Department:
    n = next(_n)
    return Department.objects.create(name=f"部门{n}", code=f"D{n:04d}")


def indicator_make(*, amount="100.00", subject="30201", department=None, project=None,
                   year=YEAR) -> BudgetIndicator:
    account = FundAccount.objects.create(name=f"财政账户{next(_n)}", kind="fiscal")
    return indicator_open(
        actor=None, year=year, department=department or department_make(), project=project,
        subject=EconomicSubject.objects.get(code=subject), fund_account=account,
        amount=Decimal(amount),
    )


def ledger_matches_counters() -> bool:
    """The invariant: for every indicator, the ledger's sums equal its counters."""
    sums = {
        row["indicator_id"]: row
        for row in LedgerEntry.objects.values("indicator_id").annotate(
            a=Sum("amount_delta"), c=Sum("committed_delta"), e=Sum("executed_delta"))
    }
    for indicator in BudgetIndicator.objects.all():
        row = sums.get(indicator.pk, {"a": 0, "c": 0, "e": 0})
        if (row["a"], row["c"], row["e"]) != (indicator.amount, indicator.committed,
                                              indicator.executed):
            return False
    return True
