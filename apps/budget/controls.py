"""The submission controls (事前控制): a document that fails any of them cannot be submitted.

`budget_commit` checks every draw of a document against its indicator, the department's
limit for the subject and the tenant's subject total, with every row involved locked in one
fixed order (indicators, then department limits, then subject totals, each by id), and
freezes the amounts in the same transaction. Concurrent submissions can therefore never
commit more than an indicator, a limit or a total allows.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, Sum

from apps.budget.ledger import commit_locked, lock_indicators, money
from apps.budget.models import BudgetIndicator, DepartmentLimit, SubjectTotal
from apps.budget.reference import reference_in_force
from county_platform.errors import DomainError
from county_platform.transactions import in_callers_transaction
from tenants.config import tenant_config
from tenants.models import User


@dataclass(frozen=True)
class Draw:
    """What a document wants from one indicator."""

    indicator_id: int | None
    amount: Decimal
    subject_id: int | None = None  # the document's subject; the indicator's when None


def _used(indicators, **filters) -> Decimal:
    total = indicators.filter(**filters).aggregate(used=Sum(F("committed") + F("executed")))
    return total["used"] or Decimal(0)


def _check_scope(indicator: BudgetIndicator, subject_id: int) -> str | None:
    if subject_id != indicator.subject_id:
        return "out_of_scope"
    if indicator.project_id is not None and subject_id not in \
            reference_in_force().allowed.get(indicator.project_id, frozenset()):
        return "out_of_scope"
    return None


MESSAGES = {
    "no_budget": "没有可用的预算指标，不能提交（无预算不支出）。",
    "out_of_scope": "支出科目不在该预算指标（项目）的可用费用范围内。",
    "over_budget": "申请金额超过预算指标可用余额（超预算不支出）。",
    "over_department_limit": "超过本部门该费用科目的年度限额。",
    "over_subject_total": "超过本单位该科目的年度总额。",
}


def _refuse(code: str, draw: Draw, **extra) -> DomainError:
    return DomainError(code, MESSAGES[code], 422, field="indicator", indicator=draw.indicator_id,
                       **extra)


@in_callers_transaction
def budget_commit(*, actor: User | None, draws: list[Draw], document_type: str,
                  document_id: str, year: int) -> dict[int, BudgetIndicator]:
    """Run all five controls for every draw and freeze the amounts, or refuse with the code of
    the first control that fails (no_budget, out_of_scope, over_budget,
    over_department_limit, over_subject_total). Returns the indicators drawn on, as locked
    and updated, with their projects and fund accounts."""
    draws = [Draw(d.indicator_id, money(d.amount), d.subject_id) for d in draws]
    indicators = lock_indicators(d.indicator_id for d in draws if d.indicator_id)
    for draw in draws:
        indicator = indicators.get(draw.indicator_id)
        if indicator is None or indicator.year != year:
            raise _refuse("no_budget", draw)
    _check_all(draws, indicators, year=year)
    for draw in draws:
        commit_locked(indicators[draw.indicator_id], draw.amount, actor=actor,
                      document_type=document_type, document_id=str(document_id))
    return indicators


def _check_all(draws: list[Draw], indicators: dict[int, BudgetIndicator], *, year: int) -> None:
    wanted: dict[int, Decimal] = {}
    for draw in draws:
        indicator = indicators[draw.indicator_id]
        code = _check_scope(indicator, draw.subject_id or indicator.subject_id)
        wanted[indicator.pk] = wanted.get(indicator.pk, Decimal(0)) + draw.amount
        if code is None and wanted[indicator.pk] > indicator.available:
            code = "over_budget"
        if code:
            raise _refuse(code, draw, available=str(indicator.available))
    _check_caps(draws, indicators, year=year)


@dataclass(frozen=True)
class Caps:
    """Which caps exist: (year, department, subject) limits and (year, subject) totals."""

    limits: frozenset[tuple[int, int, int]]
    totals: frozenset[tuple[int, int]]


def caps_in_force() -> Caps:
    """The tenant's caps (cached until one changes: tenants/config.py), so that a submission
    reads and locks only the caps that apply to it, and none when there are none."""
    return tenant_config("budget_caps", lambda: Caps(
        limits=frozenset(DepartmentLimit.objects.values_list("year", "department_id",
                                                             "subject_id")),
        totals=frozenset(SubjectTotal.objects.values_list("year", "subject_id"))))


def _check_caps(draws: list[Draw], indicators: dict[int, BudgetIndicator], *, year: int) -> None:
    caps = caps_in_force()
    by_dept: dict[tuple[int, int], Decimal] = {}
    by_subject: dict[int, Decimal] = {}
    for draw in draws:
        indicator = indicators[draw.indicator_id]
        key = (indicator.department_id, indicator.subject_id)
        by_dept[key] = by_dept.get(key, Decimal(0)) + draw.amount
        by_subject[indicator.subject_id] = by_subject.get(indicator.subject_id, Decimal(0)) \
            + draw.amount
    limited = [key for key in by_dept if (year, *key) in caps.limits]
    subjects = [subject for subject in by_subject if (year, subject) in caps.totals]
    if not limited and not subjects:
        return  # no cap applies: nothing to read or lock
    same_year = BudgetIndicator.objects.filter(year=year)
    relevant = Q()
    for department_id, subject_id in limited:
        relevant |= Q(department_id=department_id, subject_id=subject_id)
    limits = DepartmentLimit.objects.select_for_update().filter(relevant, year=year) \
        if limited else DepartmentLimit.objects.none()
    for limit in limits.order_by("pk"):
        want = by_dept[(limit.department_id, limit.subject_id)]
        used = _used(same_year, department_id=limit.department_id, subject_id=limit.subject_id)
        if used + want > limit.amount:
            raise _refuse("over_department_limit", draws[0], limit=str(limit.amount),
                          used=str(used))
    totals = SubjectTotal.objects.select_for_update().filter(year=year, subject_id__in=subjects) \
        if subjects else SubjectTotal.objects.none()
    for total in totals.order_by("pk"):
        used = _used(same_year, subject_id=total.subject_id)
        if used + by_subject[total.subject_id] > total.amount:
            raise _refuse("over_subject_total", draws[0], total=str(total.amount),
                          used=str(used))
