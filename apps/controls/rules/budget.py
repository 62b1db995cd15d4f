"""Budget rules (预算管理): execution pace, 三公, indicators and adjustments."""

from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Value

from apps.budget.models import BudgetIndicator
from apps.controls.rules.registry import Finding, Param, rule


def year_elapsed(today: date) -> Decimal:
    """The share of the calendar year gone by at the end of `today` (0–1)."""
    start = date(today.year, 1, 1)
    days = (date(today.year + 1, 1, 1) - start).days
    return Decimal((today - start).days + 1) / Decimal(days)


@rule(code="execution_ahead_of_year", title="预算指标执行进度明显快于时间进度",
      area="budget", article="预算执行：按进度均衡支出（预算法第五十七条；内控规范第二十条）",
      severity="warn", trigger="schedule", responsible_post="budget_officer",
      params={"gap_percent": Param(30, "超出时间进度的百分点", kind="percent", min=5, max=80),
              "min_amount": Param("50000.00", "只看批复金额不低于（元）", kind="money",
                                  min="0", max="10000000")})
def execution_ahead_of_year(params, *, today: date):
    allowed = year_elapsed(today) + Decimal(params["gap_percent"]) / 100
    money = DecimalField(max_digits=20, decimal_places=6)
    rows = (BudgetIndicator.objects
            .filter(year=today.year, amount__gte=params["min_amount"], amount__gt=0)
            .annotate(ceiling=ExpressionWrapper(F("amount") * Value(allowed), output_field=money))
            .filter(executed__gt=F("ceiling"))
            .select_related("subject", "department"))
    for indicator in rows:
        rate = indicator.executed / indicator.amount * 100
        yield Finding(
            message=(f"{indicator.department.name} {indicator.subject.code} "
                     f"{indicator.subject.name} 指标已执行 {rate:.1f}%，"
                     f"而全年时间进度只有 {year_elapsed(today) * 100:.1f}%。"),
            object_type="budget_indicator", object_id=indicator.pk,
            key=f"{indicator.pk}:{today.year}")
