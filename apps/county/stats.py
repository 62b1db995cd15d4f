"""One township's comparative figures for one budget year, computed inside its schema.

A small, fixed number of set-based queries whatever the data size (about ten): the caller
(apps.county.services) stores the answer as a TenantStats snapshot in the public schema."""

from collections import defaultdict
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.approvals.selectors import step_stats_by_post, step_stats_tenant
from apps.budget.models import BudgetIndicator
from apps.controls.models import Alert, AlertStatus
from apps.expenditure.models import Payment
from tenants.models import Tenant

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def _money(field: str, condition: Q):
    return Coalesce(Sum(field, filter=condition), ZERO)


def budget_figures(*, year: int) -> dict:
    """Budget, paid and frozen this year; 三公经费 paid this year and last year (one query)."""
    this_year, sangong = Q(year=year), Q(subject__is_sangong=True)
    sums = BudgetIndicator.objects.filter(year__in=[year, year - 1]).aggregate(
        s_amount=_money("amount", this_year),
        s_executed=_money("executed", this_year),
        s_committed=_money("committed", this_year),
        s_sangong=_money("executed", this_year & sangong),
        s_sangong_last=_money("executed", Q(year=year - 1) & sangong),
    )  # aliases unlike the field names: Django refuses an aggregate named after its field
    totals = {"budget_amount": sums["s_amount"], "executed": sums["s_executed"],
              "committed": sums["s_committed"], "sangong_total": sums["s_sangong"],
              "sangong_last_year": sums["s_sangong_last"]}
    amount = totals["budget_amount"]
    rate = (totals["executed"] * 100 / amount).quantize(CENT) if amount else ZERO
    return {**totals, "execution_rate": rate}


def approval_figures(*, year: int) -> dict:
    """Wall-clock seconds of the approval steps decided in the year: median and p90 over all
    steps, and per post {post: {name, count, median_seconds, p90_seconds}}."""
    period = {"start": date(year, 1, 1), "end": date(year, 12, 31)}
    overall = step_stats_tenant(**period)
    steps = {
        row["post"]: {"name": row["post_name"], "count": row["count"],
                      "median_seconds": row["median_seconds"], "p90_seconds": row["p90_seconds"]}
        for row in step_stats_by_post(**period)
    }
    return {"approval_median_seconds": overall["median_seconds"],
            "approval_p90_seconds": overall["p90_seconds"], "approval_steps": steps}


def _year_range(year: int) -> tuple[datetime, datetime]:
    return (timezone.make_aware(datetime.combine(date(year, 1, 1), time.min)),
            timezone.make_aware(datetime.combine(date(year + 1, 1, 1), time.min)))


def alert_figures(*, year: int) -> dict:
    """Alerts raised in the year by severity × status, and every alert not yet closed now
    (whenever it was raised)."""
    start, end = _year_range(year)
    rows = (Alert.objects.filter(created_at__gte=start, created_at__lt=end)
            .values("severity", "status").annotate(n=Count("id")).order_by())
    matrix: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        matrix[row["severity"]][row["status"]] = row["n"]
    still_open = Alert.objects.exclude(status=AlertStatus.CLOSED).count()
    return {"alerts": dict(matrix), "alerts_open": still_open}


def payments_count(*, year: int) -> int:
    start, end = _year_range(year)
    return Payment.objects.filter(paid_at__gte=start, paid_at__lt=end).count()


def rotations_overdue(*, tenant: Tenant) -> int:
    """Key-post holders past their tenure limit today (the county's rotation parameters)."""
    # Imported here: permissions.rotation imports apps.controls.services, which calls this
    # app's services at the end of every alert change.
    from permissions.rotation import rotation_holders, rotation_parameters

    rows = rotation_holders(params=rotation_parameters(tenant=tenant),
                            today=timezone.localdate())
    return sum(1 for row in rows if row.tenure.overdue)


def stats_compute(*, tenant: Tenant, year: int) -> dict:
    """Every TenantStats field but tenant, year and refreshed_at; the connection must be in
    `tenant`'s schema."""
    return {
        **budget_figures(year=year),
        **approval_figures(year=year),
        **alert_figures(year=year),
        "payments_count": payments_count(year=year),
        "rotations_overdue": rotations_overdue(tenant=tenant),
    }
