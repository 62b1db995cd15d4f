"""Reads of the budget: reference lists, indicators, documents, and execution — every figure
summed by PostgreSQL (GROUP BY), never in a Python loop over indicators."""

from datetime import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round

from apps.budget.models import (
    BudgetAdjustment,
    BudgetIndicator,
    BudgetProject,
    DepartmentLimit,
    EconomicSubject,
    FundAccount,
    LedgerEntry,
    RevenueRegistration,
    SubjectTotal,
)
from county_platform.errors import DomainError
from permissions.visibility import BudgetScope, budget_scope

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=16, decimal_places=2))
RATE = DecimalField(max_digits=9, decimal_places=4)
EXECUTION_KEYS = ("indicator", "department", "subject", "project", "fund_account")


# --- reference data and indicators ---------------------------------------------------------


def fund_accounts_list(*, kind: str | None = None) -> QuerySet[FundAccount]:
    accounts = FundAccount.objects.all()
    return accounts.filter(kind=kind) if kind else accounts


def fund_account_get(*, pk: int) -> FundAccount | None:
    return FundAccount.objects.filter(pk=pk).first()


def subjects_list(*, class_code: str | None = None, q: str | None = None,
                  sangong: bool | None = None) -> QuerySet[EconomicSubject]:
    subjects = EconomicSubject.objects.select_related("parent")
    if class_code:
        subjects = subjects.filter(Q(code=class_code) | Q(parent__code=class_code))
    if q:
        subjects = subjects.filter(Q(code__startswith=q) | Q(name__contains=q))
    if sangong is not None:
        subjects = subjects.filter(is_sangong=sangong)
    return subjects.order_by("code")


def subject_get(*, code: str) -> EconomicSubject | None:
    return EconomicSubject.objects.filter(code=code).first()


def _scope(user) -> BudgetScope:
    """What `user` sees (permissions.visibility); None is the system itself: everything."""
    if user is None:
        return BudgetScope(everything=True)
    return budget_scope(user=user, projects=BudgetProject.objects.all())


def projects_list(*, user=None, department: int | None = None) -> QuerySet[BudgetProject]:
    """The projects `user` sees: all of them for the whole-budget posts, else those of their
    departments and those they are the officer of."""
    projects = BudgetProject.objects.filter(_scope(user).projects_q()).select_related(
        "department").prefetch_related("allowed_subjects")
    return projects.filter(department_id=department) if department else projects


def project_get(*, pk: int, user=None) -> BudgetProject | None:
    """One project from `projects_list`: None alike for "missing" and "not yours"."""
    return projects_list(user=user).filter(pk=pk).first()


def indicators_list(*, user=None, year: int | None = None, department: int | None = None,
                    subject: str | None = None, project: int | None = None,
                    fund_account: int | None = None) -> QuerySet[BudgetIndicator]:
    """The lines `user` sees (all, or those of their departments and projects), filtered."""
    indicators = BudgetIndicator.objects.filter(_scope(user).indicators()).select_related(
        "department", "subject", "project", "fund_account")
    filters = {"year": year, "department_id": department, "subject__code": subject,
               "project_id": project, "fund_account_id": fund_account}
    return indicators.filter(**{k: v for k, v in filters.items() if v is not None}) \
        .order_by("year", "department_id", "subject__code", "id")


def indicator_get(*, pk: int, user=None) -> BudgetIndicator:
    """One line from `indicators_list`: the same 404 for "missing" and "not yours"."""
    indicator = indicators_list(user=user).filter(pk=pk).first()
    if indicator is None:
        raise DomainError("not_found", "未找到该预算指标。", 404)
    return indicator


def department_limits_list(*, year: int | None = None) -> QuerySet[DepartmentLimit]:
    limits = DepartmentLimit.objects.select_related("department", "subject")
    return (limits.filter(year=year) if year else limits).order_by("year", "department_id",
                                                                   "subject__code")


def subject_totals_list(*, year: int | None = None) -> QuerySet[SubjectTotal]:
    totals = SubjectTotal.objects.select_related("subject")
    return (totals.filter(year=year) if year else totals).order_by("year", "subject__code")


def adjustments_list(*, indicator: int | None = None, status: str | None = None
                     ) -> QuerySet[BudgetAdjustment]:
    adjustments = BudgetAdjustment.objects.select_related(
        "indicator__subject", "indicator__department", "requested_by")
    if indicator:
        adjustments = adjustments.filter(indicator_id=indicator)
    if status:
        adjustments = adjustments.filter(status=status)
    return adjustments.order_by("-created_at", "-id")


def adjustment_get(*, pk: int) -> BudgetAdjustment:
    adjustment = adjustments_list().filter(pk=pk).first()
    if adjustment is None:
        raise DomainError("not_found", "未找到该预算调整。", 404)
    return adjustment


def revenues_list(*, year: int | None = None, kind: str | None = None,
                  fund_account: int | None = None, status: str | None = None
                  ) -> QuerySet[RevenueRegistration]:
    revenues = RevenueRegistration.objects.select_related("fund_account", "registered_by")
    filters = {"received_on__year": year, "kind": kind, "fund_account_id": fund_account,
               "status": status}
    return revenues.filter(**{k: v for k, v in filters.items() if v is not None}) \
        .order_by("-received_on", "-id")


def revenue_get(*, pk: int) -> RevenueRegistration:
    revenue = revenues_list().filter(pk=pk).first()
    if revenue is None:
        raise DomainError("not_found", "未找到该收入登记。", 404)
    return revenue


# --- execution ----------------------------------------------------------------------------

# For each grouping: the key column and the name column (on BudgetIndicator).
_GROUPS = {
    "indicator": ("id", None),
    "department": ("department_id", "department__name"),
    "subject": ("subject__code", "subject__name"),
    "project": ("project__code", "project__name"),
    "fund_account": ("fund_account_id", "fund_account__name"),
}


def _rate(numerator: str, denominator: str):
    """numerator / denominator with four places; 0 where nothing was budgeted."""
    return Case(When(**{f"{denominator}__gt": 0},
                       then=Round(F(numerator) * Decimal("1.0") / F(denominator), 4,
                                  output_field=RATE)),
                default=Value(Decimal("0"), output_field=RATE), output_field=RATE)


def _live(year: int, key: str, name: str | None, scope: BudgetScope) -> QuerySet:
    fields = [key] + ([name] if name else [])
    return (BudgetIndicator.objects.filter(scope.indicators(), year=year).values(*fields)
            .annotate(amount_sum=Sum("amount"), committed_sum=Sum("committed"),
                      executed_sum=Sum("executed")))


def _as_of(year: int, key: str, name: str | None, at: datetime,
           scope: BudgetScope) -> QuerySet:
    """The same sums from the ledger up to a moment (the ledger's sums equal the counters)."""
    fields = [f"indicator__{key}"] + ([f"indicator__{name}"] if name else [])
    entries = LedgerEntry.objects.filter(indicator__year=year, created_at__lte=at)
    if not scope.everything:
        entries = entries.filter(indicator__in=BudgetIndicator.objects.filter(scope.indicators()))
    return (entries.values(*fields)
            .annotate(amount_sum=Coalesce(Sum("amount_delta"), ZERO),
                      committed_sum=Coalesce(Sum("committed_delta"), ZERO),
                      executed_sum=Coalesce(Sum("executed_delta"), ZERO)))


def execution(*, year: int, by: str, at: datetime | None = None, user=None) -> list[dict]:
    """Execution grouped `by` indicator, department, subject, project or fund account, now or
    as it stood at the moment `at`: {key, name, amount, committed, executed, available,
    execution_rate} per row, execution_rate = executed / amount. Over the lines `user` sees
    (permissions.visibility): the whole budget for the finance posts, else their
    departments' and projects' lines, as in the indicator list."""
    if by not in _GROUPS:
        raise DomainError("invalid", f"by 只能是 {'、'.join(EXECUTION_KEYS)}。", 400)
    key, name = _GROUPS[by]
    scope = _scope(user)
    rows = _live(year, key, name, scope) if at is None else _as_of(year, key, name, at, scope)
    prefix = "" if at is None else "indicator__"
    rows = rows.annotate(
        available_sum=F("amount_sum") - F("committed_sum") - F("executed_sum"),
        rate=_rate("executed_sum", "amount_sum"),
    ).order_by(f"{prefix}{key}")
    names = _indicator_names(year) if by == "indicator" else {}
    return [{
        "key": row[f"{prefix}{key}"],
        "name": (row[f"{prefix}{name}"] if name else names.get(row[f"{prefix}{key}"]))
        or ("基本支出（未列项目）" if by == "project" else ""),
        "amount": row["amount_sum"], "committed": row["committed_sum"],
        "executed": row["executed_sum"], "available": row["available_sum"],
        "execution_rate": row["rate"],
    } for row in rows]


def _indicator_names(year: int) -> dict[int, str]:
    rows = BudgetIndicator.objects.filter(year=year).values_list(
        "id", "department__name", "subject__code", "subject__name", "project__name")
    return {pk: " / ".join(filter(None, (dept, f"{code} {subject}", project)))
            for pk, dept, code, subject, project in rows}


def execution_totals(rows: list[dict]) -> dict:
    """The total row of an execution table (sums of a handful of grouped rows)."""
    total = {field: sum((row[field] for row in rows), Decimal("0.00"))
             for field in ("amount", "committed", "executed", "available")}
    rate = (total["executed"] / total["amount"]).quantize(Decimal("0.0001")) \
        if total["amount"] else Decimal("0.0000")
    return {"key": None, "name": "合计", **total, "execution_rate": rate}


def sangong_summary(*, year: int) -> list[dict]:
    """三公经费 per subject: this year's budget and execution against last year's execution."""
    def by_year(y):
        return Sum("executed", filter=Q(year=y))

    rows = (BudgetIndicator.objects.filter(subject__is_sangong=True, year__in=[year, year - 1])
            .values("subject__code")
            .annotate(s_amount=Coalesce(Sum("amount", filter=Q(year=year)), ZERO),
                      s_executed=Coalesce(by_year(year), ZERO),
                      s_last=Coalesce(by_year(year - 1), ZERO)))
    found = {row["subject__code"]: {"amount": row["s_amount"], "executed": row["s_executed"],
                                    "last_year_executed": row["s_last"]} for row in rows}
    answer = []
    for subject in EconomicSubject.objects.filter(is_sangong=True).order_by("code"):
        row = found.get(subject.code, {"amount": Decimal("0.00"), "executed": Decimal("0.00"),
                                       "last_year_executed": Decimal("0.00")})
        answer.append(_sangong_row(subject.code, subject.name, row))
    totals = {field: sum((r[field] for r in answer), Decimal("0.00"))
              for field in ("amount", "executed", "last_year_executed")}
    answer.append(_sangong_row(None, "三公经费合计", totals))
    return answer


def _sangong_row(code, name, row) -> dict:
    last, now = row["last_year_executed"], row["executed"]
    change = now - last
    return {"code": code, "name": name, "amount": row["amount"], "executed": now,
            "last_year_executed": last, "change": change,
            "change_rate": (change / last).quantize(Decimal("0.0001")) if last else None}


# --- annual budget and final-account tables -------------------------------------------------

_CLASS = Coalesce("subject__parent__code", "subject__code")
_CLASS_NAME = Coalesce("subject__parent__name", "subject__name")


def _class_rows(year: int) -> QuerySet:
    return (BudgetIndicator.objects.filter(year=year)
            .annotate(class_code=_CLASS, class_name=_CLASS_NAME)
            .values("class_code", "class_name"))


def _item_rows(year: int) -> QuerySet:
    return (BudgetIndicator.objects.filter(year=year)
            .annotate(class_code=_CLASS)
            .values("class_code", "subject__code", "subject__name"))


def _table(year: int, sums: dict, row_of) -> list[dict]:
    """Class rows (类) each followed by their item rows (款), then the total."""
    classes = list(_class_rows(year).annotate(**sums).order_by("class_code"))
    items = list(_item_rows(year).annotate(**sums).order_by("subject__code"))
    answer = []
    for cls in classes:
        answer.append(row_of("class", cls["class_code"], cls["class_name"], cls))
        answer.extend(row_of("item", item["subject__code"], item["subject__name"], item)
                      for item in items if item["class_code"] == cls["class_code"]
                      and item["subject__code"] != cls["class_code"])
    total = BudgetIndicator.objects.filter(year=year).aggregate(**sums)
    answer.append(row_of("total", None, "合计", {k: v or Decimal("0.00")
                                               for k, v in total.items()}))
    return answer


def budget_table(*, year: int) -> list[dict]:
    """年度预算表: approved amounts by class and item, split into basic and project spending."""
    basic = Q(project__isnull=True) | Q(project__is_basic=True)
    sums = {"s_amount": Sum("amount"),
            "s_basic": Coalesce(Sum("amount", filter=basic), ZERO),
            "s_project": Coalesce(Sum("amount", filter=~basic), ZERO)}

    def row_of(level, code, name, row):
        return {"level": level, "code": code, "name": name, "amount": row["s_amount"],
                "basic": row["s_basic"], "project": row["s_project"]}
    return _table(year, sums, row_of)


def final_account_table(*, year: int) -> list[dict]:
    """决算表: by class and item, the approved amount, what was executed and the rate."""
    sums = {"s_amount": Sum("amount"), "s_executed": Sum("executed")}

    def row_of(level, code, name, row):
        amount, executed = row["s_amount"], row["s_executed"]
        rate = (executed / amount).quantize(Decimal("0.0001")) if amount else Decimal("0.0000")
        return {"level": level, "code": code, "name": name, "amount": amount,
                "executed": executed, "execution_rate": rate}
    return _table(year, sums, row_of)
