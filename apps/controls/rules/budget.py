"""Budget rules (预算管理): execution pace, 三公, indicators and adjustments."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Abs, Coalesce
from django.utils import timezone

from apps.budget.models import (
    BudgetAdjustment,
    BudgetIndicator,
    DepartmentLimit,
    DocumentStatus,
    LedgerKind,
    SubjectTotal,
)
from apps.controls.rules.registry import Finding, Param, rule
from apps.expenditure.models import Payment

MONEY = DecimalField(max_digits=20, decimal_places=6)
ZERO = Value(Decimal(0), output_field=MONEY)
LIVE = (DocumentStatus.IN_APPROVAL, DocumentStatus.APPROVED)
# Capital expenditure classes (资本性支出): not to be paid from basic-expenditure indicators.
CAPITAL_CLASSES = ("309", "310")
# Wages and payments to individuals (301, 303) fall due on fixed days, often at month end.
PAYROLL = r"^30[13]"


def year_elapsed(today: date) -> Decimal:
    """The share of the calendar year gone by at the end of `today` (0–1)."""
    start = date(today.year, 1, 1)
    days = (date(today.year + 1, 1, 1) - start).days
    return Decimal((today - start).days + 1) / Decimal(days)


def _share(part: Decimal, whole: Decimal) -> Decimal:
    return part / whole * 100 if whole else Decimal(100)


def _scaled(field: str, factor: Decimal) -> ExpressionWrapper:
    return ExpressionWrapper(F(field) * Value(factor), output_field=MONEY)


def _moment(year: int, month: int, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=timezone.get_current_timezone())


def _closing_year(today: date) -> int | None:
    """The year whose end is being looked at: this year in December, last year in January."""
    return {12: today.year, 1: today.year - 1}.get(today.month)


def _label(indicator: BudgetIndicator) -> str:
    return f"{indicator.department.name} {indicator.subject.code} {indicator.subject.name}"


def _this_year(today: date, params) -> QuerySet[BudgetIndicator]:
    return (BudgetIndicator.objects
            .filter(year=today.year, amount__gte=params["min_amount"], amount__gt=0)
            .select_related("subject", "department"))


MIN_AMOUNT = Param("50000.00", "只看批复金额不低于（元）", kind="money", min="0", max="10000000")
AFTER_MONTH = Param(6, "从该月结束后开始检查（月）", kind="int", min=1, max=11)


@rule(code="execution_ahead_of_year", title="预算指标执行进度明显快于时间进度",
      area="budget", article="预算执行：按进度均衡支出（预算法第五十七条；内控规范第二十条）",
      severity="warn", trigger="schedule", responsible_post="budget_officer",
      params={"gap_percent": Param(30, "超出时间进度的百分点", kind="percent", min=5, max=80),
              "min_amount": MIN_AMOUNT})
def execution_ahead_of_year(params, *, today: date):
    allowed = year_elapsed(today) + Decimal(params["gap_percent"]) / 100
    rows = (_this_year(today, params).annotate(ceiling=_scaled("amount", allowed))
            .filter(executed__gt=F("ceiling")))
    for indicator in rows:
        rate = indicator.executed / indicator.amount * 100
        yield Finding(
            message=(f"{_label(indicator)} 指标已执行 {rate:.1f}%，"
                     f"而全年时间进度只有 {year_elapsed(today) * 100:.1f}%。"),
            object_type="budget_indicator", object_id=indicator.pk,
            key=f"{indicator.pk}:{today.year}")


@rule(code="execution_behind_schedule", title="预算执行进度明显滞后于时间进度",
      area="budget",
      article="预算执行进度分析与督促（预算法第五十七条；行政事业单位内部控制规范（试行）"
              "预算执行控制）",
      severity="warn", trigger="schedule", responsible_post="budget_officer",
      params={"gap_percent": Param(30, "落后时间进度的百分点", kind="percent", min=5, max=80),
              "after_month": AFTER_MONTH, "min_amount": MIN_AMOUNT})
def execution_behind_schedule(params, *, today: date):
    floor = year_elapsed(today) - Decimal(params["gap_percent"]) / 100
    if today.month <= params["after_month"] or floor <= 0:
        return
    rows = _this_year(today, params).annotate(floor=_scaled("amount", floor)).filter(
        executed__lt=F("floor"))
    for indicator in rows:
        rate = indicator.executed / indicator.amount * 100
        yield Finding(
            message=(f"{_label(indicator)} 指标批复 ¥{indicator.amount}，只执行了 {rate:.1f}%，"
                     f"而全年时间进度已过 {year_elapsed(today) * 100:.1f}%，落后超过 "
                     f"{params['gap_percent']} 个百分点。请加快执行，确实用不完的及时调整。"),
            object_type="budget_indicator", object_id=indicator.pk,
            key=f"{indicator.pk}:{today.year}")


@rule(code="indicator_nearly_exhausted", title="预算指标可用余额即将用完",
      area="budget", article="无预算不支出、超预算不支出（预算法第十三条）：余额不足前提前预警",
      severity="remind", trigger="schedule", responsible_post="budget_officer",
      params={"remaining_percent": Param(10, "可用余额低于批复金额的百分比", kind="percent",
                                         min=1, max=50),
              "min_amount": Param("10000.00", "只看批复金额不低于（元）", kind="money", min="0",
                                  max="10000000")})
def indicator_nearly_exhausted(params, *, today: date):
    ratio = Decimal(params["remaining_percent"]) / 100
    rows = (_this_year(today, params)
            .annotate(left=ExpressionWrapper(F("amount") - F("committed") - F("executed"),
                                             output_field=MONEY),
                      floor=_scaled("amount", ratio))
            .filter(left__lt=F("floor")))
    for indicator in rows:
        left = _share(indicator.available, indicator.amount)
        yield Finding(
            message=(f"{_label(indicator)} 指标批复 ¥{indicator.amount}，已冻结 "
                     f"¥{indicator.committed}、已支付 ¥{indicator.executed}，可用余额只剩 "
                     f"¥{indicator.available}（{left:.1f}%）。"
                     "如还需支出，请提前办理预算调整。"),
            object_type="budget_indicator", object_id=indicator.pk,
            key=f"{indicator.pk}:{today.year}")


@rule(code="idle_indicator", title="预算指标下达后长期未执行（资金沉淀）",
      area="budget",
      article="盘活财政存量资金，防止资金沉淀（国务院办公厅关于进一步做好盘活财政存量资金工作"
              "的通知；预算法第五十七条）",
      severity="remind", trigger="schedule", responsible_post="budget_officer",
      params={"after_month": AFTER_MONTH,
              "opened_days": Param(90, "指标下达已满（天）", kind="days", min=30, max=365),
              "min_amount": Param("10000.00", "只看批复金额不低于（元）", kind="money", min="0",
                                  max="10000000")})
def idle_indicator(params, *, today: date):
    if today.month <= params["after_month"]:
        return
    opened = today - timedelta(days=params["opened_days"])
    rows = _this_year(today, params).filter(
        committed=0, executed=0, created_at__lt=_moment(opened.year, opened.month, opened.day))
    for indicator in rows:
        yield Finding(
            message=(f"{_label(indicator)} 指标 ¥{indicator.amount} 到 {today:%Y年%m月%d日} "
                     "还没有任何冻结或支付，资金可能沉淀。请核实是否还要执行，"
                     "不再需要的按程序调整收回。"),
            object_type="budget_indicator", object_id=indicator.pk,
            key=f"{indicator.pk}:{today.year}")


@rule(code="sangong_above_last_year", title="三公经费支出超过上年",
      area="budget",
      article="三公经费只减不增（国务院“约法三章”；党政机关厉行节约反对浪费条例）",
      severity="warn", trigger="schedule", responsible_post="budget_officer",
      params={"tolerance_percent": Param(0, "允许超过上年全年支出的百分比", kind="percent",
                                         min=0, max=50)})
def sangong_above_last_year(params, *, today: date):
    year = today.year
    rows = (BudgetIndicator.objects.filter(subject__is_sangong=True, year__in=(year, year - 1))
            .values("subject_id", "subject__code", "subject__name")
            .annotate(this=Coalesce(Sum("executed", filter=Q(year=year)), ZERO),
                      last=Coalesce(Sum("executed", filter=Q(year=year - 1)), ZERO),
                      last_count=Count("id", filter=Q(year=year - 1)))
            .filter(last_count__gt=0))
    factor = 1 + Decimal(params["tolerance_percent"]) / 100
    for row in rows:
        if row["this"] <= row["last"] * factor:
            continue
        yield Finding(
            message=(f"三公经费 {row['subject__code']} {row['subject__name']} {year}年已支付 "
                     f"¥{row['this']:.2f}，超过{year - 1}年全年的 ¥{row['last']:.2f}。"
                     "三公经费应只减不增，请从严控制。"),
            object_type="economic_subject", object_id=row["subject_id"],
            key=f"{row['subject_id']}:{year}")


def _used_of(**match) -> Coalesce:
    """What the year's indicators matching the outer row have committed and executed."""
    used = (BudgetIndicator.objects.filter(year=OuterRef("year"), **match)
            .values("year").annotate(used=Sum(F("committed") + F("executed"))).values("used"))
    return Coalesce(Subquery(used, output_field=MONEY), ZERO)


def _capped_rows(queryset, today: date, percent: int, **match):
    return (queryset.filter(year=today.year, amount__gt=0)
            .annotate(used=_used_of(**match), floor=_scaled("amount", Decimal(percent) / 100))
            .filter(used__gte=F("floor")).select_related("subject"))


@rule(code="sangong_near_subject_total", title="三公经费接近本年科目总额",
      area="budget",
      article="三公经费总额控制（党政机关厉行节约反对浪费条例；行政事业单位内部控制规范（试行）"
              "支出业务控制）",
      severity="warn", trigger="schedule", responsible_post="budget_officer",
      params={"percent": Param(90, "已用占科目总额的百分比", kind="percent", min=50, max=100)})
def sangong_near_subject_total(params, *, today: date):
    totals = SubjectTotal.objects.filter(subject__is_sangong=True)
    for total in _capped_rows(totals, today, params["percent"], subject=OuterRef("subject")):
        yield Finding(
            message=(f"三公经费 {total.subject.code} {total.subject.name} {today.year}年科目总额 "
                     f"¥{total.amount}，已冻结和支付合计 ¥{total.used:.2f}"
                     f"（{_share(total.used, total.amount):.1f}%），即将用完，请从严控制。"),
            object_type="subject_total", object_id=total.pk, key=f"{total.pk}:{today.year}")


@rule(code="department_limit_nearly_used", title="部门费用限额即将用完",
      area="budget", article="部门费用限额控制（行政事业单位内部控制规范（试行）预算执行控制）",
      severity="remind", trigger="schedule", responsible_post="budget_officer",
      params={"percent": Param(90, "已用占限额的百分比", kind="percent", min=50, max=100)})
def department_limit_nearly_used(params, *, today: date):
    limits = DepartmentLimit.objects.select_related("department")
    for limit in _capped_rows(limits, today, params["percent"], subject=OuterRef("subject"),
                              department=OuterRef("department")):
        yield Finding(
            message=(f"{limit.department.name} {limit.subject.code} {limit.subject.name} "
                     f"{today.year}年限额 ¥{limit.amount}，已冻结和支付合计 ¥{limit.used:.2f}"
                     f"（{_share(limit.used, limit.amount):.1f}%），即将用完。"),
            object_type="department_limit", object_id=limit.pk, key=f"{limit.pk}:{today.year}")


@rule(code="year_end_surge", title="年底集中支付（突击花钱）",
      area="budget",
      article="预算均衡执行，防止年底突击花钱（预算法第五十七条；党政机关厉行节约反对浪费条例）",
      severity="warn", trigger="schedule", responsible_post="budget_officer",
      params={"share_percent": Param(25, "12月支付占全年支付的百分比", kind="percent", min=10,
                                     max=80),
              "min_amount": Param("100000.00", "只看全年支付不低于（元）", kind="money",
                                  min="0", max="100000000")})
def year_end_surge(params, *, today: date):
    year = _closing_year(today)
    if year is None:
        return
    december = _moment(year, 12)
    rows = (Payment.objects.filter(paid_at__gte=_moment(year, 1), paid_at__lt=_moment(year + 1, 1))
            .values("request__indicator__department_id", "request__indicator__department__name")
            .annotate(total=Sum("amount"), december=Coalesce(
                Sum("amount", filter=Q(paid_at__gte=december)), ZERO))
            .filter(total__gte=params["min_amount"]))
    for row in rows:
        share = _share(row["december"], row["total"])
        if share <= params["share_percent"]:
            continue
        yield Finding(
            message=(f"{row['request__indicator__department__name']} {year}年共支付 "
                     f"¥{row['total']:.2f}，其中12月支付 ¥{row['december']:.2f}，占 {share:.1f}%"
                     f"（超过 {params['share_percent']}%）。请核查是否存在年底突击花钱。"),
            object_type="department", object_id=row["request__indicator__department_id"],
            key=f"{row['request__indicator__department_id']}:{year}")


@rule(code="month_end_surge", title="月末集中支付",
      area="budget", article="预算均衡执行（预算法第五十七条）：支付集中在月末的提醒",
      severity="remind", trigger="schedule", responsible_post="budget_officer",
      params={"last_days": Param(5, "月末天数", kind="days", min=1, max=10),
              "share_percent": Param(60, "月末支付占当月支付的百分比", kind="percent", min=20,
                                     max=100),
              "min_amount": Param("50000.00", "只看当月支付不低于（元）", kind="money", min="0",
                                  max="100000000")})
def month_end_surge(params, *, today: date):
    last = today.replace(day=1) - timedelta(days=1)  # the last day of the month before
    start = _moment(last.year, last.month)
    tail = _moment(last.year, last.month, last.day - params["last_days"] + 1)
    end = _moment(today.year, today.month)
    payments = Payment.objects.filter(paid_at__gte=start, paid_at__lt=end).exclude(
        request__subject__code__regex=PAYROLL)
    sums = payments.aggregate(
        total=Coalesce(Sum("amount"), ZERO),
        tail=Coalesce(Sum("amount", filter=Q(paid_at__gte=tail)), ZERO))
    share = _share(sums["tail"], sums["total"])
    if sums["total"] < params["min_amount"] or share <= params["share_percent"]:
        return
    yield Finding(
        message=(f"{last:%Y年%m月}共支付 ¥{sums['total']:.2f}，其中最后 {params['last_days']} 天"
                 f"支付 ¥{sums['tail']:.2f}，占 {share:.1f}%。支付过于集中在月末，"
                 "请核查是否按进度均衡支出。"),
        object_type="payment_month", object_id=f"{last:%Y-%m}", key=f"{last:%Y-%m}")


@rule(code="adjustment_year_end", title="年末提交预算调整",
      area="budget",
      article="预算调整须有充分理由并按程序报批（预算法第七章 预算调整）：年末集中调整的提醒",
      severity="remind", trigger="schedule", responsible_post="budget_officer",
      params={"last_days": Param(15, "年末最后几天", kind="days", min=1, max=60)})
def adjustment_year_end(params, *, today: date):
    year = _closing_year(today)
    if year is None:
        return
    first = date(year, 12, 31) - timedelta(days=params["last_days"] - 1)
    rows = (BudgetAdjustment.objects
            .filter(created_at__gte=_moment(first.year, first.month, first.day),
                    created_at__lt=_moment(year + 1, 1), status__in=LIVE, indicator__year=year)
            .select_related("indicator__department", "indicator__subject"))
    for adjustment in rows:
        yield Finding(
            message=(f"预算调整 #{adjustment.pk}（{_label(adjustment.indicator)} "
                     f"{adjustment.delta:+}元）在 "
                     f"{timezone.localdate(adjustment.created_at):%m月%d日} 提交，离年度结束不足 "
                     f"{params['last_days']} 天。年末调整预算请核实理由是否充分。"),
            object_type="budget_adjustment", object_id=adjustment.pk, key=f"{adjustment.pk}")


@rule(code="indicator_adjusted_heavily", title="预算指标本年累计调整幅度过大",
      area="budget",
      article="预算编制应科学准确，调整从严（预算法第七章 预算调整；行政事业单位内部控制规范"
              "（试行）预算编制控制）",
      severity="warn", trigger="schedule", responsible_post="budget_officer",
      params={"percent": Param(30, "累计调整占年初批复的百分比", kind="percent", min=10,
                               max=200)})
def indicator_adjusted_heavily(params, *, today: date):
    rows = (BudgetIndicator.objects.filter(year=today.year)
            .annotate(opened=Coalesce(Sum("ledger__amount_delta",
                                          filter=Q(ledger__kind=LedgerKind.OPEN)), ZERO),
                      adjusted=Coalesce(Sum("ledger__amount_delta",
                                            filter=Q(ledger__kind=LedgerKind.ADJUST)), ZERO))
            .annotate(change=Abs("adjusted"))
            .filter(opened__gt=0, change__gt=F("opened") * Value(
                Decimal(params["percent"]) / 100, output_field=MONEY))
            .select_related("department", "subject"))
    for indicator in rows:
        way = "增加" if indicator.adjusted > 0 else "减少"
        rate = _share(indicator.change, indicator.opened)
        yield Finding(
            message=(f"{_label(indicator)} 指标年初批复 ¥{indicator.opened:.2f}，本年调整后净{way} "
                     f"¥{indicator.change:.2f}（{rate:.1f}%），"
                     "调整幅度较大，请核实预算编制是否准确。"),
            object_type="budget_indicator", object_id=indicator.pk,
            key=f"{indicator.pk}:{today.year}")


ADJUST_ARTICLE = "预算调整须按程序报批、从严控制（预算法第七章 预算调整）"


@rule(code="adjustment_large", title="单次预算调整金额较大", area="budget",
      article=ADJUST_ARTICLE, severity="warn", trigger="adjustment.submit",
      responsible_post="budget_officer",
      params={"percent": Param(20, "调整金额占指标批复金额的百分比", kind="percent", min=5,
                               max=100)})
def adjustment_large(event, params):
    adjustment = event.document
    amount = adjustment.indicator.amount
    if abs(adjustment.delta) * 100 <= amount * params["percent"]:
        return None
    return Finding(f"本次预算调整 {adjustment.delta:+}元，占该指标批复金额 ¥{amount} 的 "
                   f"{_share(abs(adjustment.delta), amount):.1f}%，超过 {params['percent']}%。"
                   "大额调整请写明理由并按程序报批。")


@rule(code="adjustment_frequent", title="同一指标频繁调整", area="budget",
      article=ADJUST_ARTICLE, severity="warn", trigger="adjustment.submit",
      responsible_post="budget_officer",
      params={"max_before": Param(2, "本年已有调整次数达到", kind="int", min=1, max=20)})
def adjustment_frequent(event, params):
    adjustment = event.document
    before = (BudgetAdjustment.objects.filter(indicator_id=adjustment.indicator_id,
                                              status__in=LIVE)
              .exclude(pk=adjustment.pk).count())
    if before < params["max_before"]:
        return None
    return Finding(f"该指标本年度已有 {before} 次预算调整（审批中或已批准），本次是第 "
                   f"{before + 1} 次。频繁调整预算，请核实预算编制是否准确。")


@rule(code="adjustment_increase_low_execution", title="原指标执行率低仍申请追加",
      area="budget",
      article="追加预算应以原预算执行情况为依据（预算法第七章 预算调整；盘活财政存量资金）",
      severity="warn", trigger="adjustment.submit", responsible_post="budget_officer",
      params={"percent": Param(50, "原指标已用（冻结加支付）低于（%）", kind="percent", min=10,
                               max=100)})
def adjustment_increase_low_execution(event, params):
    adjustment = event.document
    indicator = adjustment.indicator
    used = indicator.committed + indicator.executed
    if adjustment.delta <= 0 or used * 100 >= indicator.amount * params["percent"]:
        return None
    return Finding(f"该指标批复 ¥{indicator.amount}，已冻结和支付只有 ¥{used}"
                   f"（{_share(used, indicator.amount):.1f}%），又申请追加 ¥{adjustment.delta}。"
                   f"原指标已用不到 {params['percent']}% 就追加预算，请说明必要性。")


@rule(code="basic_indicator_capital_spend", title="基本支出指标用于资本性支出",
      area="budget",
      article="基本支出与项目支出分类管理、不得相互挤占（行政事业单位内部控制规范（试行）"
              "预算执行控制）",
      severity="block", trigger="spending.submit", responsible_post="accountant")
def basic_indicator_capital_spend(event, params):
    request = event.document
    subject = request.subject
    if subject is None or subject.code[:3] not in CAPITAL_CLASSES:
        return None
    basic = BudgetIndicator.objects.filter(pk=request.indicator_id, project__is_basic=True)
    if not basic.exists():
        return None
    return Finding(f"{subject.code} {subject.name} 属于资本性支出，不能使用基本支出预算指标。"
                   "基本支出与项目支出不得相互挤占，请改用对应的项目支出指标。")


@rule(code="inactive_fund_account", title="使用已停用资金账户的指标支出", area="budget",
      article="全口径资金账户管理：已停用账户不得再发生支付（行政事业单位内部控制规范（试行）"
              "货币资金控制）",
      severity="block", trigger="spending.submit", responsible_post="accountant")
def inactive_fund_account(event, params):
    indicator = event.document.indicator  # loaded with its account by the submission
    if indicator is None or indicator.fund_account.is_active:
        return None
    name = indicator.fund_account.name
    return Finding(f"该预算指标所在的资金账户“{name}”已停用，不能再从该账户支出。"
                   "请改用其他账户的指标，或先由财务确认账户状态。")


@rule(code="large_share_single_request", title="单笔申请占用指标比例过大", area="budget",
      article="预算均衡执行、大额支出审慎审批（预算法第五十七条；行政事业单位内部控制规范（试行）"
              "支出业务控制）",
      severity="warn", trigger="spending.submit", responsible_post="accountant",
      params={"percent": Param(50, "单笔占指标批复金额的百分比", kind="percent", min=10,
                               max=100),
              "min_amount": Param("10000.00", "只看申请金额不低于（元）", kind="money",
                                  min="0", max="10000000")})
def large_share_single_request(event, params):
    request = event.document
    if request.amount < params["min_amount"]:
        return None
    amount = request.indicator.amount if request.indicator is not None else None
    if amount is None or request.amount * 100 <= amount * params["percent"]:
        return None
    return Finding(f"本次申请 ¥{request.amount}，占该预算指标批复金额 ¥{amount} 的 "
                   f"{_share(request.amount, amount):.1f}%，超过 {params['percent']}%。"
                   "请核实是否需要集体决策，是否提前集中使用指标。")


@rule(code="cross_department_indicator", title="使用其他部门的预算指标", area="budget",
      article="预算指标按部门分解下达、归口使用（行政事业单位内部控制规范（试行）预算执行控制）",
      severity="warn", trigger="spending.submit", responsible_post="accountant")
def cross_department_indicator(event, params):
    request, indicator = event.document, event.document.indicator
    if (request.department_id is None or indicator is None or indicator.department_id is None
            or indicator.department_id == request.department_id):
        return None
    owner = indicator.department.name
    return Finding(f"申请人所在部门（{request.department.name}）使用了“{owner}”的预算指标，"
                   "请确认已取得指标所属部门同意。")
