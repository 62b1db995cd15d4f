"""Expenditure rules (支出管理): payment methods, payees, splitting, standards."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Max, Sum
from django.db.models.functions import ExtractIsoWeekDay
from django.utils import timezone

from apps.approvals.models import Approval, ApprovalStatus
from apps.approvals.worktime import SHANGHAI
from apps.controls.rules.registry import Finding, Param, rule
from apps.expenditure.models import Payment, PaymentMethod, RequestStatus, SpendingRequest

DOCUMENT = "spending_request"
# Requests whose money has been approved (and perhaps paid): what splitting is judged on.
SPENT = (RequestStatus.APPROVED, RequestStatus.PARTLY_PAID, RequestStatus.PAID)
LIVE = (RequestStatus.IN_APPROVAL, *SPENT)
# 公务卡强制结算目录 (财库〔2011〕160号), as items of the economic classification.
OFFICIAL_CARD_ITEMS = {
    "30201": "办公费", "30202": "印刷费", "30203": "咨询费", "30204": "手续费", "30205": "水费",
    "30206": "电费", "30207": "邮电费", "30209": "物业管理费", "30211": "差旅费",
    "30213": "维修（护）费", "30214": "租赁费", "30215": "会议费", "30216": "培训费",
    "30217": "公务接待费", "30218": "专用材料费", "30231": "公务用车运行维护费",
    "30239": "其他交通费用",
}
VEHICLE_PURCHASE = ("30913", "31013")
# 国家发改委令第16号: works (施工) and goods (重要设备、材料) that must be tendered.
WORKS = ("30901", "30905", "30906", "31001", "31005", "31006")
GOODS = ("30902", "30903", "31002", "31003")


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _short(text: str, size: int = 20) -> str:
    return text if len(text) <= size else f"{text[:size]}…"


def _code(request: SpendingRequest) -> str:
    return getattr(request.subject, "code", "") or ""


@rule(code="cash_over_limit", title="超过现金结算起点使用现金支付", area="expenditure",
      article="现金管理暂行条例第五条：结算起点以上应转账或使用公务卡",
      severity="block", trigger="payment.create", responsible_post="cashier",
      params={"limit": Param("1000.00", "现金结算起点（元）", kind="money", min="0",
                             max="1000")})
def cash_over_limit(event, params):
    amount = event.facts["amount"]
    if event.facts["method"] == PaymentMethod.CASH and amount > params["limit"]:
        return Finding(f"现金支付 ¥{amount} 超过结算起点 ¥{params['limit']}，"
                       "请改用转账或公务卡支付。")
    return None


@rule(code="official_card_items_paid_in_cash", title="公务卡强制结算目录内的支出用现金支付",
      area="expenditure",
      article="财库〔2011〕160号 公务卡强制结算目录：目录内支出原则上使用公务卡结算",
      severity="warn", trigger="payment.create", responsible_post="cashier")
def official_card_items_paid_in_cash(event, params):
    code = _code(event.document)
    if event.facts["method"] == PaymentMethod.CASH and code in OFFICIAL_CARD_ITEMS:
        return Finding(f"{code} {OFFICIAL_CARD_ITEMS[code]} 属于公务卡强制结算目录，"
                       f"本次却以现金支付 ¥{event.facts['amount']}，请说明原因或改用公务卡。")
    return None


@rule(code="cashier_pays_self", title="出纳向本人支付", area="expenditure",
      article="行政事业单位内部控制规范（试行）货币资金控制：不得由一人办理货币资金业务的全过程",
      severity="warn", trigger="payment.create", responsible_post="accountant")
def cashier_pays_self(event, params):
    payee, cashier = event.document.payee_name, event.actor
    if payee and payee in {cashier.display_name, cashier.username}:
        return Finding(f"出纳 {cashier} 正在向收款人“{payee}”（即出纳本人）支付 "
                       f"¥{event.facts['amount']}，请由会计复核后再付。")
    return None


@rule(code="applicant_is_payee", title="申请人与收款人为同一人", area="expenditure",
      article="行政事业单位内部控制规范（试行）支出控制：审核支出的真实性，个人垫付须附凭证",
      severity="warn", trigger="spending.submit", responsible_post="accountant")
def applicant_is_payee(event, params):
    request = event.document
    if not request.payee_name:
        return None
    applicant = request.applicant
    if request.payee_name in {applicant.display_name, applicant.username}:
        return Finding(f"支出申请 ¥{request.amount} 的收款人“{request.payee_name}”就是申请人"
                       "本人，请核实是否为个人垫付，并附上原始发票和付款凭证。")
    return None


@rule(code="duplicate_request", title="疑似重复申请", area="expenditure",
      article="行政事业单位内部控制规范（试行）支出控制：防止重复报销、重复支付",
      severity="warn", trigger="spending.submit", responsible_post="accountant",
      params={"days": Param(30, "在多少天内算重复", kind="days", min=1, max=365),
              "min_amount": Param("1000.00", "只看金额不低于（元）", kind="money", min="0",
                                  max="100000")})
def duplicate_request(event, params):
    request = event.document
    if request.amount < params["min_amount"]:
        return None
    since = event.now - timedelta(days=params["days"])
    twin = (SpendingRequest.objects
            .filter(applicant_id=request.applicant_id, amount=request.amount,
                    indicator_id=request.indicator_id, status__in=LIVE,
                    submitted_at__gte=since)
            .exclude(pk=request.pk).order_by("-submitted_at").first())
    if twin is None:
        return None
    return Finding(f"同一申请人在 {params['days']} 天内已就同一预算指标提交过金额相同"
                   f"（¥{request.amount}）的支出申请 #{twin.pk}（{_short(twin.purpose)}），"
                   "请确认不是重复申请。")


@rule(code="purpose_too_short", title="支出事由过于简单", area="expenditure",
      article="行政事业单位内部控制规范（试行）支出控制：支出事由应真实、明确",
      severity="remind", trigger="spending.submit", responsible_post="accountant",
      params={"min_chars": Param(5, "事由至少字数", kind="int", min=2, max=50)})
def purpose_too_short(event, params):
    purpose = event.document.purpose.strip()
    if len(purpose) < params["min_chars"]:
        return Finding(f"支出事由“{purpose}”只有 {len(purpose)} 个字，少于 "
                       f"{params['min_chars']} 个字，请写明买什么、为什么、用于哪项工作。")
    return None


@rule(code="round_large_amount", title="大额整万元申请", area="expenditure",
      article="行政事业单位内部控制规范（试行）支出控制：按真实票据据实列支（大额整数支出为审计疑点）",
      severity="remind", trigger="spending.submit", responsible_post="accountant",
      params={"min_amount": Param("50000.00", "只看金额不低于（元）", kind="money",
                                  min="10000", max="10000000")})
def round_large_amount(event, params):
    amount = event.document.amount
    if amount >= params["min_amount"] and amount % Decimal(10000) == 0:
        return Finding(f"申请金额 ¥{amount} 为整万元，请核对是否按合同或发票的实际金额申请，"
                       "而不是估算或预付。")
    return None


@rule(code="vehicle_purchase_over_cap", title="公务用车购置超过价格上限", area="expenditure",
      article="中办发〔2017〕71号《党政机关公务用车管理办法》：一般公务用车购置价不超过18万元",
      severity="block", trigger="spending.submit", responsible_post="leader",
      params={"cap": Param("180000.00", "单车购置价上限（元）", kind="money", min="0",
                           max="180000")})
def vehicle_purchase_over_cap(event, params):
    request = event.document
    if _code(request) in VEHICLE_PURCHASE and request.amount > params["cap"]:
        return Finding(f"公务用车购置申请 ¥{request.amount} 超过单车价格上限 ¥{params['cap']}，"
                       "不能提交。")
    return None


@rule(code="tender_threshold", title="达到依法必须招标规模", area="expenditure",
      article="国家发改委令第16号《必须招标的工程项目规定》第五条：施工400万元、货物200万元以上",
      severity="warn", trigger="spending.submit", responsible_post="leader",
      params={"works": Param("4000000.00", "施工类招标限额（元）", kind="money", min="0",
                             max="4000000"),
              "goods": Param("2000000.00", "设备材料类招标限额（元）", kind="money", min="0",
                             max="2000000")})
def tender_threshold(event, params):
    request, code = event.document, _code(event.document)
    limit = (params["works"] if code in WORKS else params["goods"] if code in GOODS else None)
    if limit is not None and request.amount >= limit:
        return Finding(f"{code} {request.subject.name} 申请 ¥{request.amount}，达到依法必须招标"
                       f"的限额 ¥{limit}，请附招标文件和中标通知书。")
    return None


@rule(code="major_matter_not_flagged", title="大额支出未按“三重一大”集体决策",
      area="expenditure",
      article="行政事业单位内部控制规范（试行）第十四条：重大经济事项由单位领导班子集体研究决定",
      severity="warn", trigger="spending.submit", responsible_post="principal",
      params={"threshold": Param("1000000.00", "“三重一大”大额资金标准（元）", kind="money",
                                 min="10000", max="100000000")})
def major_matter_not_flagged(event, params):
    request = event.document
    if request.amount >= params["threshold"] and not request.major_matter:
        return Finding(f"支出 ¥{request.amount} 达到“三重一大”大额资金标准 ¥{params['threshold']}，"
                       "却没有标记为“三重一大”事项，请附领导班子集体决策纪要。")
    return None


def _payee_groups(since: date, today: date, **amount):
    return (SpendingRequest.objects
            .filter(status__in=SPENT, submitted_at__gte=_start_of(since),
                    submitted_at__lt=_start_of(today + timedelta(days=1)), **amount)
            .exclude(payee_name="")
            .values("payee_name")
            .annotate(n=Count("id"), total=Sum("amount"), last=Max("id")))


@rule(code="split_payments", title="疑似拆分支付规避审批", area="expenditure",
      article="行政事业单位内部控制规范（试行）支出控制：按金额分级审批，不得拆分规避",
      severity="warn", trigger="schedule", responsible_post="accountant",
      params={"threshold": Param("50000.00", "需上一级审批的金额（元）", kind="money",
                                 min="1000", max="1000000"),
              "count": Param(2, "笔数不少于", kind="int", min=2, max=20),
              "days": Param(30, "统计天数", kind="days", min=1, max=180)})
def split_payments(params, *, today: date):
    threshold = params["threshold"]
    rows = (_payee_groups(today - timedelta(days=params["days"]), today, amount__lt=threshold)
            .filter(n__gte=params["count"], total__gte=threshold))
    for row in rows:
        yield Finding(
            message=(f"{params['days']} 天内向“{row['payee_name']}”批准了 {row['n']} 笔支出，"
                     f"每笔都低于 ¥{threshold}，合计 ¥{row['total']}，疑似拆分以规避上一级审批。"),
            object_type=DOCUMENT, object_id=row["last"], key=f"{row['payee_name']}:{row['last']}")


@rule(code="repeated_just_under_threshold", title="多次略低于审批限额", area="expenditure",
      article="行政事业单位内部控制规范（试行）支出控制：按金额分级审批，不得拆分规避",
      severity="warn", trigger="schedule", responsible_post="accountant",
      params={"threshold": Param("50000.00", "审批限额（元）", kind="money", min="1000",
                                 max="1000000"),
              "band": Param(10, "低于限额的幅度（%）", kind="percent", min=1, max=30),
              "count": Param(3, "次数不少于", kind="int", min=2, max=20),
              "days": Param(90, "统计天数", kind="days", min=7, max=365)})
def repeated_just_under_threshold(params, *, today: date):
    threshold = params["threshold"]
    floor = threshold * (100 - Decimal(params["band"])) / 100
    rows = (_payee_groups(today - timedelta(days=params["days"]), today,
                          amount__gte=floor, amount__lt=threshold)
            .filter(n__gte=params["count"]))
    for row in rows:
        yield Finding(
            message=(f"{params['days']} 天内向“{row['payee_name']}”支出 {row['n']} 笔，"
                     f"每笔都在 ¥{floor:.2f} 至 ¥{threshold} 之间，刚好低于审批限额。"),
            object_type=DOCUMENT, object_id=row["last"], key=f"{row['payee_name']}:{row['last']}")


@rule(code="payee_account_many_names", title="同一收款账号对应多个收款人", area="expenditure",
      article="行政事业单位内部控制规范（试行）货币资金控制：支付前核对收款人户名与账号",
      severity="warn", trigger="schedule", responsible_post="cashier")
def payee_account_many_names(params, *, today: date):
    rows = (SpendingRequest.objects
            .filter(status__in=SPENT, submitted_at__year=today.year)
            .exclude(payee_account="").exclude(payee_name="")
            .values("payee_account")
            .annotate(names=ArrayAgg("payee_name", distinct=True, order_by="payee_name"),
                      n=Count("payee_name", distinct=True), last=Max("id"))
            .filter(n__gte=2))
    for row in rows:
        yield Finding(
            message=(f"收款账号 {row['payee_account']} 在 {today.year} 年对应了 "
                     f"{row['n']} 个不同的收款人：{'、'.join(row['names'])}，"
                     "请核实账号是否真实属于收款人。"),
            object_type=DOCUMENT, object_id=row["last"],
            key=f"{row['payee_account']}:{today.year}")


@rule(code="approved_unpaid_long", title="已批准长期未支付", area="expenditure",
      article="行政事业单位内部控制规范（试行）支出控制：已批准支出应及时办理支付、清理",
      severity="remind", trigger="schedule", responsible_post="cashier",
      params={"days": Param(30, "批准后多少天未支付", kind="days", min=7, max=365)})
def approved_unpaid_long(params, *, today: date):
    rows = (SpendingRequest.objects
            .filter(status=RequestStatus.APPROVED,
                    approval__finished_at__lt=_start_of(today - timedelta(days=params["days"])))
            .select_related("approval"))
    for request in rows:
        waited = (today - timezone.localdate(request.approval.finished_at)).days
        yield Finding(
            message=(f"支出申请 #{request.pk}（{_short(request.purpose)}，¥{request.amount}）"
                     f"已批准 {waited} 天仍未支付，请支付或撤销并释放预算。"),
            object_type=DOCUMENT, object_id=request.pk)


@rule(code="partly_paid_stale", title="部分支付后长期无后续支付", area="expenditure",
      article="行政事业单位内部控制规范（试行）支出控制：已批准支出应及时办理支付、清理",
      severity="remind", trigger="schedule", responsible_post="cashier",
      params={"days": Param(60, "上次支付后多少天", kind="days", min=7, max=365)})
def partly_paid_stale(params, *, today: date):
    rows = (SpendingRequest.objects
            .filter(status=RequestStatus.PARTLY_PAID)
            .annotate(last_paid=Max("payments__paid_at"))
            .filter(last_paid__lt=_start_of(today - timedelta(days=params["days"]))))
    for request in rows:
        yield Finding(
            message=(f"支出申请 #{request.pk}（{_short(request.purpose)}）已支付 "
                     f"¥{request.paid_amount}/¥{request.amount}，最近一次支付在 "
                     f"{timezone.localdate(request.last_paid)}，此后再无支付，请结清或说明。"),
            object_type=DOCUMENT, object_id=request.pk)


@rule(code="returned_many_times", title="支出申请多次被退回", area="expenditure",
      article="行政事业单位内部控制规范（试行）支出控制：支出申请应要素齐全、依据充分",
      severity="warn", trigger="schedule", responsible_post="accountant",
      params={"count": Param(3, "退回次数不少于", kind="int", min=2, max=20)})
def returned_many_times(params, *, today: date):
    rows = (Approval.objects
            .filter(document_type=DOCUMENT, status=ApprovalStatus.RETURNED,
                    started_at__year=today.year)
            .values("document_id").annotate(n=Count("id")).filter(n__gte=params["count"]))
    counts = {int(row["document_id"]): row["n"] for row in rows}
    for request in SpendingRequest.objects.filter(pk__in=list(counts)):
        yield Finding(
            message=(f"支出申请 #{request.pk}（{_short(request.purpose)}，¥{request.amount}）"
                     f"今年已被退回 {counts[request.pk]} 次，请会计与经办人当面核对要件。"),
            object_type=DOCUMENT, object_id=request.pk, key=f"{request.pk}:{today.year}")


@rule(code="payment_on_non_working_day", title="非工作日办理支付", area="expenditure",
      article="行政事业单位内部控制规范（试行）货币资金控制：异常时间的资金支付应复核",
      severity="remind", trigger="schedule", responsible_post="accountant",
      params={"days": Param(7, "检查最近多少天的支付", kind="days", min=1, max=60)})
def payment_on_non_working_day(params, *, today: date):
    since = _start_of(today - timedelta(days=params["days"]))
    rows = (Payment.objects
            .filter(paid_at__gte=since, paid_at__lt=_start_of(today + timedelta(days=1)))
            .annotate(weekday=ExtractIsoWeekDay("paid_at", tzinfo=SHANGHAI))
            .filter(weekday__gte=6))
    for payment in rows:
        paid = timezone.localtime(payment.paid_at, SHANGHAI)
        yield Finding(
            message=(f"支付 ¥{payment.amount}（支出申请 #{payment.request_id}）在"
                     f"{'周六' if paid.isoweekday() == 6 else '周日'} {paid:%Y-%m-%d %H:%M} "
                     "办理，请会计复核支付依据。"),
            object_type=DOCUMENT, object_id=payment.request_id, key=f"payment:{payment.pk}")
