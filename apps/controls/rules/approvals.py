"""Approval rules (审批管理): pace, SLA, hours, delegation and who decides."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import ExtractHour
from django.utils import timezone

from apps.approvals.models import (
    Approval,
    ApprovalStatus,
    ApprovalStep,
    ApprovalTask,
    StepStatus,
    TaskStatus,
)
from apps.approvals.registry import document_type_get
from apps.controls.rules.registry import Finding, Param, rule
from tenants.models import User

_IC = "《行政事业单位内部控制规范（试行）》（财会〔2012〕21号）"
REFUSED = (TaskStatus.REJECTED, TaskStatus.RETURNED)
DECIDED = (TaskStatus.APPROVED, *REFUSED)


class Median(Aggregate):
    """PostgreSQL's continuous median (works on intervals too)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def day_start(day: date) -> datetime:
    """Local midnight at the start of `day`: the moment a daily scan measures from."""
    return timezone.make_aware(datetime.combine(day, time.min))


def document_label(approval: Approval) -> str:
    try:
        name = document_type_get(approval.document_type).name
    except LookupError:
        name = approval.document_type
    return f"{name} #{approval.document_id}"


def person(user: User | None) -> str:
    return (user.display_name or user.username) if user else "（未知）"


def amount_of(approval: Approval) -> Decimal | None:
    try:
        return Decimal(str(approval.facts.get("amount")))
    except (InvalidOperation, TypeError, ValueError):
        return None


def _decision_time() -> ExpressionWrapper:
    return ExpressionWrapper(F("decided_at") - F("created_at"), output_field=DurationField())


@rule(code="fast_approval", title="审批环节用时过短", area="approvals",
      article=f"{_IC} 收支业务控制：审批人应当在授权范围内认真审核、审批，不得流于形式",
      severity="warn", trigger="task.decided", responsible_post="ic_lead",
      params={"seconds": Param(60, "审批用时少于（秒）", kind="int", min=5, max=3600)})
def fast_approval(event, params):
    task, step = event.document, event.facts["step"]
    if task.status != TaskStatus.APPROVED or step.started_at is None:
        return None
    opened = max(step.started_at, task.created_at)
    took = int(((task.decided_at or event.now) - opened).total_seconds())
    if took >= params["seconds"]:
        return None
    return Finding(f"“{step.name}”环节在待办送达后仅 {took} 秒即审批同意（少于 "
                   f"{params['seconds']} 秒），请关注是否经过认真审核。",
                   key=f"task:{task.pk}")


@rule(code="approval_sla_breach", title="审批待办严重超时", area="approvals",
      article=f"{_IC} 单位层面控制：明确审批时限，超时督办（本平台审批时限与催办规则）",
      severity="warn", trigger="schedule", responsible_post="leader",
      params={"hours": Param(24, "超过办理时限（小时）", kind="hours", min=1, max=720)})
def approval_sla_breach(params, *, today: date):
    start = day_start(today)
    late = (ApprovalTask.objects
            .filter(status=TaskStatus.PENDING, step__status=StepStatus.ACTIVE,
                    due_at__lt=start - timedelta(hours=params["hours"]))
            .select_related("step__approval", "assignee"))
    for task in late:
        hours = int((start - task.due_at).total_seconds() // 3600)
        approval = task.step.approval
        yield Finding(
            message=(f"{document_label(approval)} 的“{task.step.name}”待办"
                     f"（{person(task.assignee)}）已超过办理时限 {hours} 小时仍未处理，请督办。"),
            object_type=approval.document_type, object_id=approval.document_id,
            key=f"task:{task.pk}")


@rule(code="decision_outside_hours", title="深夜或凌晨作出审批决定", area="approvals",
      article=f"{_IC} 单位层面控制：审批操作留痕，异常时间操作应予关注",
      severity="remind", trigger="schedule", responsible_post="ic_lead",
      params={"night_from": Param(22, "夜间开始（时）", kind="int", min=18, max=23),
              "night_to": Param(6, "夜间结束（时）", kind="int", min=1, max=9),
              "days": Param(3, "回看天数", kind="days", min=1, max=31)})
def decision_outside_hours(params, *, today: date):
    until = day_start(today + timedelta(days=1))
    night = Q(hour__gte=params["night_from"]) | Q(hour__lt=params["night_to"])
    rows = (ApprovalTask.objects
            .filter(status__in=DECIDED, decided_by__isnull=False,
                    decided_at__gte=until - timedelta(days=params["days"]), decided_at__lt=until)
            .annotate(hour=ExtractHour("decided_at", tzinfo=timezone.get_current_timezone()))
            .filter(night)
            .select_related("step__approval", "decided_by"))
    for task in rows:
        approval = task.step.approval
        yield Finding(
            message=(f"{person(task.decided_by)} 于 "
                     f"{timezone.localtime(task.decided_at):%m-%d %H:%M} 对 "
                     f"{document_label(approval)} 的“{task.step.name}”作出审批决定，在 "
                     f"{params['night_from']}:00 至次日 {params['night_to']}:00 之间，"
                     "请核实是否本人操作。"),
            object_type=approval.document_type, object_id=approval.document_id,
            key=f"task:{task.pk}")


@rule(code="approval_stuck", title="单据长期停留在审批中", area="approvals",
      article=f"{_IC} 收支业务控制：审批应当及时办结（审批时限与督办）",
      severity="warn", trigger="schedule", responsible_post="leader",
      params={"days": Param(10, "审批中超过（天）", kind="days", min=1, max=180)})
def approval_stuck(params, *, today: date):
    start = day_start(today)
    rows = Approval.objects.filter(status=ApprovalStatus.IN_APPROVAL,
                                   started_at__lt=start - timedelta(days=params["days"]))
    for approval in rows:
        days = (today - timezone.localdate(approval.started_at)).days
        yield Finding(
            message=(f"{document_label(approval)} 提交审批已 {days} 天仍未办结"
                     f"（超过 {params['days']} 天），请查明卡在哪个环节并督办。"),
            object_type=approval.document_type, object_id=approval.document_id,
            key=f"approval:{approval.pk}")


@rule(code="approval_no_actor", title="审批环节无人可办", area="approvals",
      article=f"{_IC} 单位层面控制：合理设置岗位，明确审批权限，确保每个审批环节有人负责",
      severity="warn", trigger="schedule", responsible_post="tenant_admin")
def approval_no_actor(params, *, today: date):
    """The daily re-check of what approval routing raises when a step finds nobody: same code
    and the same dedupe key ("approval_no_actor:<step id>"), so it is one alert, raised again
    only if someone closed it while the step is still blocked."""
    rows = ApprovalStep.objects.filter(status=StepStatus.BLOCKED,
                                       approval__status=ApprovalStatus.IN_APPROVAL)
    for step in rows:
        yield Finding(
            message=(f"审批环节“{step.name}”没有可以办理的人员（岗位 {step.post_code}），"
                     "请调整岗位设置。"),
            object_type="approvals.approval", object_id=step.approval_id, key=str(step.pk),
            standing=True)


@rule(code="rubber_stamp", title="审批人长期快速全部同意", area="approvals",
      article=f"{_IC} 收支业务控制：审批人应当认真审核，不得流于形式",
      severity="remind", trigger="schedule", responsible_post="ic_lead",
      params={"count": Param(10, "期间内同意笔数不少于", kind="int", min=3, max=500),
              "days": Param(30, "统计天数", kind="days", min=7, max=180),
              "seconds": Param(120, "审批用时中位数少于（秒）", kind="int", min=10, max=3600)})
def rubber_stamp(params, *, today: date):
    until = day_start(today + timedelta(days=1))
    rows = (ApprovalTask.objects
            .filter(status__in=DECIDED, decided_by__isnull=False,
                    decided_at__gte=until - timedelta(days=params["days"]), decided_at__lt=until)
            .values("decided_by")
            .annotate(approved=Count("id", filter=Q(status=TaskStatus.APPROVED)),
                      refused=Count("id", filter=Q(status__in=REFUSED)),
                      median=Median(_decision_time()))
            .filter(approved__gte=params["count"], refused=0,
                    median__lt=timedelta(seconds=params["seconds"])))
    rows = list(rows)
    users = User.objects.in_bulk([row["decided_by"] for row in rows])
    for row in rows:
        yield Finding(
            message=(f"{person(users.get(row['decided_by']))} 近 {params['days']} 天审批同意 "
                     f"{row['approved']} 笔、没有一笔驳回或退回，用时中位数仅 "
                     f"{int(row['median'].total_seconds())} 秒，请关注是否认真审核。"),
            object_type="user", object_id=row["decided_by"],
            key=f"{row['decided_by']}:{today:%Y-%m}")


@rule(code="long_delegation", title="审批委托期限过长", area="approvals",
      article=f"{_IC} 单位层面控制：授权审批应当明确权限和期限，临时委托不得长期代行",
      severity="remind", trigger="schedule", responsible_post="principal",
      params={"days": Param(7, "委托期限超过（天）", kind="days", min=1, max=30)})
def long_delegation(params, *, today: date):
    start = day_start(today)
    rows = (ApprovalTask.objects
            .filter(status=TaskStatus.PENDING, delegate__isnull=False,
                    delegate_until__gt=start + timedelta(days=params["days"]))
            .select_related("step__approval", "assignee", "delegate"))
    for task in rows:
        approval = task.step.approval
        yield Finding(
            message=(f"{person(task.assignee)} 将 {document_label(approval)} 的“{task.step.name}”"
                     f"委托 {person(task.delegate)} 代为审批至 "
                     f"{timezone.localtime(task.delegate_until):%Y-%m-%d}，"
                     f"超过 {params['days']} 天，请确认是否必要。"),
            object_type=approval.document_type, object_id=approval.document_id,
            key=f"task:{task.pk}:{task.delegate_until:%Y%m%d}")


@rule(code="many_returns_by_one_approver", title="同一审批人频繁退回或驳回", area="approvals",
      article=f"{_IC} 收支业务控制：审批应当依据明确的标准，退回应当说明理由",
      severity="remind", trigger="schedule", responsible_post="ic_lead",
      params={"count": Param(5, "期间内退回或驳回笔数不少于", kind="int", min=2, max=200),
              "days": Param(30, "统计天数", kind="days", min=7, max=180)})
def many_returns_by_one_approver(params, *, today: date):
    until = day_start(today + timedelta(days=1))
    rows = list(ApprovalTask.objects
                .filter(status__in=REFUSED, decided_by__isnull=False,
                        decided_at__gte=until - timedelta(days=params["days"]),
                        decided_at__lt=until)
                .values("decided_by")
                .annotate(refused=Count("id"))
                .filter(refused__gte=params["count"]))
    users = User.objects.in_bulk([row["decided_by"] for row in rows])
    for row in rows:
        yield Finding(
            message=(f"{person(users.get(row['decided_by']))} 近 {params['days']} 天退回或驳回单据 "
                     f"{row['refused']} 笔（达到 {params['count']} 笔），请了解退回原因，"
                     "必要时明确报销和审批标准。"),
            object_type="user", object_id=row["decided_by"],
            key=f"{row['decided_by']}:{today:%Y-%m}")


@rule(code="approval_by_delegate_large", title="大额单据由代理人审批", area="approvals",
      article=f"{_IC} 收支业务控制：按金额明确审批权限，大额支出不宜由他人代行审批",
      severity="remind", trigger="task.decided", responsible_post="principal",
      params={"amount": Param("50000.00", "金额超过（元）", kind="money", min="0",
                              max="10000000")})
def approval_by_delegate_large(event, params):
    task, approval = event.document, event.facts["approval"]
    amount = amount_of(approval)
    if task.decided_by_id == task.assignee_id or amount is None or amount <= params["amount"]:
        return None
    return Finding(f"¥{amount} 的单据在“{event.facts['step'].name}”环节由代理人"
                   f"{person(event.actor)}代为审批（超过 ¥{params['amount']}），"
                   "请承办人事后确认。", key=f"task:{task.pk}")


@rule(code="major_matter_single_approver", title="“三重一大”事项审批人过少", area="approvals",
      article=f"{_IC} 单位层面控制：“三重一大”等重大经济事项应当由领导班子集体研究决定",
      severity="warn", trigger="schedule", responsible_post="principal",
      params={"deciders": Param(2, "审批人少于（人）", kind="int", min=2, max=9),
              "days": Param(7, "回看天数", kind="days", min=1, max=90)})
def major_matter_single_approver(params, *, today: date):
    until = day_start(today + timedelta(days=1))
    rows = (Approval.objects
            .filter(status=ApprovalStatus.APPROVED, facts__major_matter=True,
                    finished_at__gte=until - timedelta(days=params["days"]), finished_at__lt=until)
            .annotate(deciders=Count("steps__tasks__decided_by", distinct=True,
                                     filter=Q(steps__tasks__status=TaskStatus.APPROVED)))
            .filter(deciders__lt=params["deciders"]))
    for approval in rows:
        yield Finding(
            message=(f"“三重一大”事项 {document_label(approval)} 只经 {approval.deciders} 人审批"
                     f"即已通过（应不少于 {params['deciders']} 人），请补充集体决策程序。"),
            object_type=approval.document_type, object_id=approval.document_id,
            key=f"approval:{approval.pk}")


@rule(code="refusal_without_reason", title="驳回或退回未说明理由", area="approvals",
      article=f"{_IC} 收支业务控制：审批意见应当明确，驳回或退回应当说明理由并留痕",
      severity="remind", trigger="task.decided", responsible_post="ic_lead",
      params={"min_chars": Param(1, "意见至少（字）", kind="int", min=1, max=50)})
def refusal_without_reason(event, params):
    task = event.document
    if task.status not in REFUSED or len(task.comment.strip()) >= params["min_chars"]:
        return None
    verb = "驳回" if task.status == TaskStatus.REJECTED else "退回"
    return Finding(f"{person(event.actor)} 在“{event.facts['step'].name}”环节{verb}了单据，"
                   "但未写明理由，请补充说明，便于经办人整改。", key=f"task:{task.pk}")


@rule(code="approval_returned_repeatedly", title="同一单据多次被退回", area="approvals",
      article=f"{_IC} 收支业务控制：明确支出范围和标准，减少反复退回",
      severity="remind", trigger="schedule", responsible_post="accountant",
      params={"count": Param(3, "退回或驳回次数不少于", kind="int", min=2, max=20),
              "days": Param(90, "统计天数", kind="days", min=7, max=365)})
def approval_returned_repeatedly(params, *, today: date):
    until = day_start(today + timedelta(days=1))
    rows = (Approval.objects
            .filter(status__in=(ApprovalStatus.RETURNED, ApprovalStatus.REJECTED),
                    finished_at__gte=until - timedelta(days=params["days"]),
                    finished_at__lt=until)
            .values("document_type", "document_id")
            .annotate(times=Count("id"))
            .filter(times__gte=params["count"]))
    for row in rows:
        label = document_label(Approval(document_type=row["document_type"],
                                        document_id=row["document_id"]))
        yield Finding(
            message=(f"{label} 近 {params['days']} 天已被退回或驳回 {row['times']} 次，"
                     "请经办人与审批人沟通、明确要求后再提交。"),
            object_type=row["document_type"], object_id=row["document_id"],
            key=f"{row['document_type']}:{row['document_id']}")
