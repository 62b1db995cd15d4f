"""Reads of the approval engine: someone's tasks, one approval with its step timing, and step
time statistics (median and p90, computed by PostgreSQL)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Aggregate,
    Count,
    F,
    FloatField,
    Func,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from apps.approvals.models import (
    Approval,
    ApprovalComment,
    ApprovalStep,
    ApprovalTask,
    StepStatus,
    TaskStatus,
)
from apps.approvals.worktime import working_seconds_between
from county_platform.errors import DomainError
from permissions.access import Membership
from permissions.models import Post

# Posts that oversee every approval of their tenant (besides inspectors, who read everything).
OVERSEEING_POSTS = frozenset({"tenant_admin", "ic_lead", "supervisor"})
# A step is "finished" for the statistics once somebody decided it.
DECIDED_STEPS = (StepStatus.APPROVED, StepStatus.REJECTED, StepStatus.RETURNED)
TASK_FILTERS = ("pending", "overdue", "decided", "all")


# --- tasks --------------------------------------------------------------------------------------


def _mine(user) -> Q:
    """Assigned to `user`, or delegated to them and the delegation still runs."""
    return Q(assignee_id=user.pk) | Q(
        delegate_id=user.pk, delegate_until__gt=timezone.now()
    )


def _tasks_where(condition: Q) -> QuerySet[ApprovalTask]:
    return ApprovalTask.objects.filter(condition).select_related(
        "step__approval", "delegate", "assignee"
    )


def tasks_of(*, user, status: str = "pending") -> QuerySet[ApprovalTask]:
    """The caller's tasks: `pending`, `overdue` (pending past due), `decided` or `all`."""
    if status not in TASK_FILTERS:
        raise DomainError("invalid", "状态只能是 pending、overdue、decided 或 all。", 400)
    if status in ("pending", "overdue"):
        tasks = _tasks_where(_mine(user)).filter(status=TaskStatus.PENDING)
        if status == "overdue":
            tasks = tasks.filter(due_at__lt=timezone.now())
        return tasks.order_by("due_at", "id")  # the most urgent first
    # What the caller decided stays in their history after a delegation ran out.
    tasks = _tasks_where(_mine(user) | Q(decided_by_id=user.pk))
    if status == "decided":
        tasks = tasks.exclude(status__in=[TaskStatus.PENDING, TaskStatus.CANCELLED])
    return tasks.order_by("-created_at", "-id")


def task_detail(*, task_id: int) -> ApprovalTask:
    """One task with what its representation needs (after the caller acted on it)."""
    return _tasks_where(Q(pk=task_id)).get()


def task_counts(*, user) -> dict[str, int]:
    """How many of the caller's tasks are pending and how many of those are overdue."""
    pending = Q(status=TaskStatus.PENDING)
    return ApprovalTask.objects.filter(_mine(user)).aggregate(
        pending=Count("id", filter=pending),
        overdue=Count("id", filter=pending & Q(due_at__lt=timezone.now())),
    )


# --- one approval -------------------------------------------------------------------------------


def approval_loaded(*, approval_id: int) -> Approval | None:
    """The approval with its steps, tasks and comments fetched in a fixed number of queries
    (no access check: for callers that checked access to the document already)."""
    return (
        Approval.objects.filter(pk=approval_id)
        .select_related("applicant")
        .prefetch_related(
            Prefetch("steps", queryset=ApprovalStep.objects.order_by("order")),
            Prefetch(
                "steps__tasks",
                queryset=ApprovalTask.objects.select_related(
                    "assignee", "decided_by", "delegate"
                ).order_by("created_at", "id"),
            ),
            Prefetch(
                "comments",
                queryset=ApprovalComment.objects.select_related("author").order_by(
                    "created_at", "id"
                ),
            ),
        )
        .first()
    )


def approval_get_for(*, user, membership: Membership, approval_id: int) -> Approval:
    """The approval, if the caller may see it: its applicant, anyone with a task on it, the
    tenant's admin, internal-control lead and supervisor, and inspectors. The same 404
    otherwise as for an approval that does not exist."""
    approval = approval_loaded(approval_id=approval_id)
    if approval is None or not _may_see(user, membership, approval):
        raise DomainError("not_found", "未找到该审批。", 404)
    return approval


def oversees_approvals(membership: Membership) -> bool:
    """Sees every approval of the tenant: an overseeing post, or an inspector."""
    return membership.is_inspector or bool(OVERSEEING_POSTS & set(membership.posts))


def takes_part(*, user) -> Q:
    """Approvals `user` has (or had) a task on, as assignee or delegate."""
    return Q(steps__tasks__assignee_id=user.pk) | Q(steps__tasks__delegate_id=user.pk)


def _may_see(user, membership: Membership, approval: Approval) -> bool:
    if approval.applicant_id == user.pk or oversees_approvals(membership):
        return True
    return Approval.objects.filter(pk=approval.pk).filter(takes_part(user=user)).exists()


@dataclass(frozen=True)
class StepTiming:
    """When a step started and ended, and how long it took in wall and working seconds.

    A step still open is measured up to now; one cancelled while open (the document was
    withdrawn) up to the end of its approval."""

    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: int | None
    working_seconds: int | None


def step_timing(step: ApprovalStep, *, approval: Approval,
                now: datetime | None = None) -> StepTiming:
    if step.started_at is None:
        return StepTiming(None, step.finished_at, None, None)
    end = step.finished_at
    if end is None:
        still_open = step.status in (StepStatus.ACTIVE, StepStatus.BLOCKED)
        end = (now or timezone.now()) if still_open else approval.finished_at
    if end is None:
        return StepTiming(step.started_at, None, None, None)
    wall = max(0, int((end - step.started_at).total_seconds()))
    return StepTiming(step.started_at, step.finished_at, wall,
                      working_seconds_between(step.started_at, end))


# --- statistics ---------------------------------------------------------------------------------


class Percentile(Aggregate):
    """PostgreSQL's ordered-set aggregate percentile_cont(fraction) WITHIN GROUP (ORDER BY x)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, *, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must lie in [0, 1]")
        super().__init__(expression, fraction=float(fraction), **extra)


class EpochSeconds(Func):
    """Seconds in an interval: EXTRACT(EPOCH FROM interval)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _finished_steps(*, start: date, end: date) -> QuerySet[ApprovalStep]:
    """Steps decided between `start` and `end` (inclusive, local dates); a range on the
    timestamp rather than a cast to date, so that an index on finished_at can serve it."""
    return ApprovalStep.objects.filter(
        status__in=DECIDED_STEPS,
        started_at__isnull=False,
        finished_at__gte=_local_midnight(start),
        finished_at__lt=_local_midnight(end + timedelta(days=1)),
    ).annotate(seconds=EpochSeconds(F("finished_at") - F("started_at")))


def _summary() -> dict:
    return {
        "count": Count("id"),
        "median_seconds": Percentile("seconds", fraction=0.5),
        "p90_seconds": Percentile("seconds", fraction=0.9),
    }


def step_stats_by_post(*, start: date, end: date) -> list[dict]:
    """Per post: how many steps were decided in the period, median and p90 wall seconds."""
    rows = (
        _finished_steps(start=start, end=end)
        .values("post_code")
        .annotate(**_summary())
        .order_by("post_code")
    )
    names = dict(Post.objects.values_list("code", "name"))
    return [
        {"post": row["post_code"], "post_name": names.get(row["post_code"], row["post_code"]),
         "count": row["count"], "median_seconds": row["median_seconds"],
         "p90_seconds": row["p90_seconds"]}
        for row in rows
    ]


def step_stats_tenant(*, start: date, end: date) -> dict:
    """The same over every decided step of the tenant."""
    return _finished_steps(start=start, end=end).aggregate(**_summary())
