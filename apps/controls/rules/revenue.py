"""Revenue rules (收入管理): registration, accounts, timeliness."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from apps.budget.models import (
    BudgetIndicator,
    DocumentStatus,
    FundAccount,
    FundKind,
    RevenueKind,
    RevenueRegistration,
)
from apps.controls.rules.registry import Finding, Param, rule
from permissions.selectors import holds_post

_IC = "《行政事业单位内部控制规范（试行）》（财会〔2012〕21号）收支业务控制"
_BOOKED = (DocumentStatus.IN_APPROVAL, DocumentStatus.APPROVED)
_STALE = (DocumentStatus.DRAFT, DocumentStatus.RETURNED)


def _revenue_label(revenue: RevenueRegistration) -> str:
    return (f"收入登记 #{revenue.pk}（{revenue.get_kind_display()} ¥{revenue.amount}，"
            f"{revenue.payer}）")


@rule(code="revenue_registered_late", title="收入到账后未及时登记入账", area="revenue",
      article=f"{_IC}：确保各项收入应收尽收，及时入账",
      severity="warn", trigger="revenue.submit", responsible_post="accountant",
      params={"days": Param(10, "到账后应在几天内登记", kind="days", min=1, max=60)})
def revenue_registered_late(event, params):
    revenue = event.document
    late = (event.today - revenue.received_on).days
    if late > params["days"]:
        return Finding(f"{_revenue_label(revenue)}于 {revenue.received_on:%Y-%m-%d} 到账，"
                       f"{late} 天后才提交登记，超过 {params['days']} 天的入账时限。")
    return None


@rule(code="revenue_inactive_account", title="收入登记到已停用的资金账户", area="revenue",
      article=f"{_IC}：各项收入由财会部门归口管理并进行会计核算，严禁设立账外账",
      severity="block", trigger="revenue.submit", responsible_post="accountant")
def revenue_inactive_account(event, params):
    account = event.document.fund_account
    if not account.is_active:
        return Finding(f"资金账户“{account.name}”已停用，不能再登记收入；"
                       "请改选正在使用的账户后重新提交。")
    return None


@rule(code="land_transfer_not_government_account", title="土地出让收入未进入政府账户",
      area="revenue",
      article="国务院办公厅关于规范国有土地使用权出让收支管理的通知（国办发〔2006〕100号）："
              "土地出让收支全额纳入地方政府性基金预算管理",
      severity="warn", trigger="revenue.submit", responsible_post="accountant")
def land_transfer_not_government_account(event, params):
    revenue = event.document
    account = revenue.fund_account
    if revenue.kind == RevenueKind.LAND_TRANSFER and account.kind != FundKind.GOVERNMENT:
        return Finding(f"{_revenue_label(revenue)}登记到了{account.get_kind_display()}"
                       f"“{account.name}”；土地出让收入应进入政府账户，纳入政府性基金预算管理。")
    return None


@rule(code="revenue_into_company_account", title="收入进入公司账户（体外循环风险）",
      area="revenue", article=f"{_IC}：各项收入由财会部门归口管理并进行会计核算，严禁设立账外账",
      severity="warn", trigger="revenue.submit", responsible_post="principal")
def revenue_into_company_account(event, params):
    revenue = event.document
    account = revenue.fund_account
    if account.kind == FundKind.COMPANY:
        return Finding(f"{_revenue_label(revenue)}进入公司账户“{account.name}”。"
                       "单位收入应进入财政或政府账户，公司账户收款有体外循环风险，请说明原因。")
    return None


@rule(code="revenue_duplicate", title="同一笔收入重复登记", area="revenue",
      article=f"{_IC}：收入由财会部门归口管理并进行会计核算，确保收入真实、完整",
      severity="warn", trigger="revenue.submit", responsible_post="accountant")
def revenue_duplicate(event, params):
    revenue = event.document
    twins = list(RevenueRegistration.objects.filter(
        kind=revenue.kind, payer=revenue.payer, amount=revenue.amount,
        received_on=revenue.received_on, status__in=_BOOKED,
    ).exclude(pk=revenue.pk).values_list("pk", flat=True)[:3])
    if twins:
        numbers = "、".join(f"#{pk}" for pk in twins)
        return Finding(f"{_revenue_label(revenue)}与已登记的收入 {numbers} 的付款单位、金额、"
                       f"到账日期完全相同（{revenue.received_on:%Y-%m-%d}），请核实是否重复登记。")
    return None


@rule(code="revenue_collected_by_bookkeeper", title="会计自行登记收款（收款与记账未分离）",
      area="revenue", article=f"{_IC}：收款、会计核算等不相容岗位相互分离",
      severity="warn", trigger="revenue.submit", responsible_post="principal")
def revenue_collected_by_bookkeeper(event, params):
    if holds_post(user=event.actor, code="accountant"):
        return Finding(f"{_revenue_label(event.document)}由会计 {event.actor.username} 自行登记"
                       "收款；收款应由出纳办理，会计负责收入记账，两者不得由一人完成。")
    return None


@rule(code="revenue_pending_long", title="收入登记长期停留在审批中", area="revenue",
      article=f"{_IC}：确保各项收入应收尽收，及时入账",
      severity="remind", trigger="schedule", responsible_post="accountant",
      params={"days": Param(10, "审批超过几天提醒", kind="days", min=3, max=60)})
def revenue_pending_long(params, *, today: date):
    cutoff = today - timedelta(days=params["days"])
    rows = (RevenueRegistration.objects
            .filter(status=DocumentStatus.IN_APPROVAL, approval__started_at__date__lt=cutoff)
            .select_related("approval"))
    for revenue in rows:
        started = timezone.localtime(revenue.approval.started_at)  # days count in local dates
        yield Finding(
            message=(f"{_revenue_label(revenue)}自 {started:%Y-%m-%d} 提交后已审批 "
                     f"{(today - started.date()).days} 天，仍未办结，请督促审批人。"),
            object_type="revenue_registration", object_id=revenue.pk,
            key=f"{revenue.pk}:{revenue.approval_id}")


@rule(code="revenue_not_booked", title="已到账收入长期未提交登记", area="revenue",
      article=f"{_IC}：确保各项收入应收尽收，及时入账",
      severity="warn", trigger="schedule", responsible_post="accountant",
      params={"days": Param(10, "到账后超过几天未提交", kind="days", min=1, max=60)})
def revenue_not_booked(params, *, today: date):
    cutoff = today - timedelta(days=params["days"])
    rows = RevenueRegistration.objects.filter(status__in=_STALE, received_on__lt=cutoff)
    for revenue in rows:
        yield Finding(
            message=(f"{_revenue_label(revenue)}于 {revenue.received_on:%Y-%m-%d} 到账，"
                     f"已过 {(today - revenue.received_on).days} 天仍是"
                     f"{revenue.get_status_display()}状态，未提交审批入账。"),
            object_type="revenue_registration", object_id=revenue.pk,
            key=f"{revenue.pk}:{revenue.status}")


def _same_day_last_year(today: date) -> date:
    if (today.month, today.day) == (2, 29):
        return date(today.year - 1, 2, 28)
    return today.replace(year=today.year - 1)


@rule(code="revenue_drop_vs_last_year", title="某类收入明显少于上年同期", area="revenue",
      article=f"{_IC}：确保各项收入应收尽收，及时入账，不得截留、挪用或私分",
      severity="warn", trigger="schedule", responsible_post="accountant",
      params={"percent": Param(50, "低于上年同期的百分比", kind="percent", min=10, max=95),
              "min_amount": Param("100000.00", "只看上年同期不低于（元）", kind="money",
                                  min="0", max="100000000")})
def revenue_drop_vs_last_year(params, *, today: date):
    this_year = Q(received_on__range=(date(today.year, 1, 1), today))
    last_year = Q(received_on__range=(date(today.year - 1, 1, 1), _same_day_last_year(today)))
    rows = (RevenueRegistration.objects.filter(status=DocumentStatus.APPROVED)
            .values("kind")
            .annotate(now=Sum("amount", filter=this_year), before=Sum("amount", filter=last_year))
            .filter(before__gte=params["min_amount"]).order_by("kind"))
    names = dict(RevenueKind.choices)
    for row in rows:
        now = row["now"] or Decimal("0")
        if now * 100 >= row["before"] * params["percent"]:
            continue
        yield Finding(
            message=(f"{names[row['kind']]}今年截至 {today:%m月%d日} 入账 ¥{now}，"
                     f"上年同期 ¥{row['before']}，不到上年同期的 {params['percent']}%，"
                     "请核实是否有应收未收或未入账的收入。"),
            object_type="revenue_kind", object_id=row["kind"],
            key=f"{row['kind']}:{today:%Y-%m}")


@rule(code="revenue_account_unused", title="资金账户长期闲置未清理", area="revenue",
      article=f"{_IC}：严禁设立账外账；闲置账户应及时清理撤销",
      severity="remind", trigger="schedule", responsible_post="accountant",
      params={"months": Param(12, "无收支超过几个月", kind="int", min=3, max=36)})
def revenue_account_unused(params, *, today: date):
    cutoff = today - timedelta(days=params["months"] * 30)
    revenues = RevenueRegistration.objects.filter(
        fund_account=OuterRef("pk"), received_on__gte=cutoff,
    ).exclude(status__in=(DocumentStatus.REJECTED, DocumentStatus.WITHDRAWN))
    indicators = BudgetIndicator.objects.filter(fund_account=OuterRef("pk"),
                                                year__gte=cutoff.year)
    rows = FundAccount.objects.filter(is_active=True, created_at__date__lt=cutoff).exclude(
        Exists(revenues)).exclude(Exists(indicators))
    for account in rows:
        yield Finding(
            message=(f"{account.get_kind_display()}“{account.name}”已有 {params['months']} 个月"
                     "没有收入登记，也没有预算指标使用，请核实该账户是否仍需保留。"),
            object_type="fund_account", object_id=account.pk,
            key=f"{account.pk}:{today.year}")
