"""Overdue tasks (the beat job's work in one tenant): remind the assignee once when a task
passes its due time; one further SLA window later, hand the task up to the next post.

Idempotent: a reminded task is never reminded again, an escalated task is cancelled (so never
escalated again), and the "nobody may take it" alert is deduplicated per task."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.approvals import events
from apps.approvals.models import ApprovalStep, ApprovalTask, Mode, StepStatus, TaskStatus
from apps.approvals.routing import step_candidates
from apps.approvals.worktime import add_working_hours
from apps.audit.services import audit_record
from apps.controls.services import alert_raise
from apps.outbox.services import outbox_enqueue
from permissions.models import Post

# Who a post's overdue task goes up to; the principal is the top and is only reminded.
ESCALATE_TO = {
    "dept_head": "leader",
    "leader": "principal",
    "finance_reviewer": "leader",
    "accountant": "leader",
    "cashier": "leader",
}
DEFAULT_ESCALATION = "leader"
NEVER_ESCALATED = frozenset({"principal"})
NO_ACTOR_RULE = "approval_escalation_no_actor"


@dataclass
class EscalationRun:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    unassignable: list[int] = field(default_factory=list)


def escalation_target(post_code: str) -> str | None:
    """The post an overdue task of `post_code` goes up to, or None at the top."""
    if post_code in NEVER_ESCALATED:
        return None
    return ESCALATE_TO.get(post_code, DEFAULT_ESCALATION)


def approvals_escalate(*, now: datetime | None = None) -> EscalationRun:
    """Remind and escalate the current tenant's overdue tasks; safe to run any number of times."""
    now = now or timezone.now()
    run = EscalationRun()
    overdue = (
        ApprovalTask.objects.filter(
            status=TaskStatus.PENDING, due_at__lt=now, step__status=StepStatus.ACTIVE
        )
        .select_related("step")
        .order_by("due_at", "id")
    )
    for task in overdue:
        if task.reminded_at is None:
            if task_remind(task_id=task.pk, now=now):
                run.reminded.append(task.pk)
        elif _escalation_due(task, now=now) and escalation_target(task.post_code):
            outcome = task_escalate(task_id=task.pk, now=now)
            if outcome == "escalated":
                run.escalated.append(task.pk)
            elif outcome == "no_actor":
                run.unassignable.append(task.pk)
    return run


def _escalation_due(task: ApprovalTask, *, now: datetime) -> bool:
    """One further SLA window (in working hours) has passed since the task fell due."""
    return add_working_hours(task.due_at, task.step.sla_hours) <= now


@transaction.atomic
def task_remind(*, task_id: int, now: datetime) -> bool:
    """Tell the assignee their task is overdue, once (the conditional update is the guard)."""
    marked = ApprovalTask.objects.filter(
        pk=task_id, status=TaskStatus.PENDING, reminded_at__isnull=True
    ).update(reminded_at=now)
    if not marked:
        return False
    task = ApprovalTask.objects.select_related("step__approval").get(pk=task_id)
    approval = task.step.approval
    outbox_enqueue(
        topic="notify",
        idempotency_key=f"task_overdue:{task.pk}",
        payload={
            "recipient_id": task.assignee_id, "kind": "task_overdue",
            "title": f"催办：{task.step.name}",
            "body": f"{approval.document_type} #{approval.document_id} "
                    "已超过办理时限，请尽快处理。",
            "link": events.task_link(task), "task_id": task.pk,
        },
    )
    audit_record(actor=None, action="approval.task_reminded", obj=task, post=task.post_code,
                 after={"approval": approval.pk, "step": task.step.order,
                        "due_at": task.due_at.isoformat()})
    return True


@transaction.atomic
def task_escalate(*, task_id: int, now: datetime) -> str:
    """Hand a still-pending task up to the holders of the next post that may act on it.

    Returns "escalated", "no_actor" (an alert is raised instead) or "skipped" (decided or
    escalated meanwhile: the step's row lock serializes this with every decision)."""
    task = ApprovalTask.objects.select_related("step").get(pk=task_id)
    step = ApprovalStep.objects.select_for_update().select_related("approval").get(
        pk=task.step_id
    )
    task.refresh_from_db()
    target = escalation_target(task.post_code)
    if task.status != TaskStatus.PENDING or step.status != StepStatus.ACTIVE or not target:
        return "skipped"
    new_ids, covered = _takers(step, task, target)
    if not new_ids and not covered:
        _alert_no_actor(step, task, target)
        return "no_actor"
    ApprovalTask.objects.filter(pk=task.pk).update(
        status=TaskStatus.CANCELLED, escalated_at=now, decided_at=now
    )
    events.task_closed(task, todo="cancel")
    due = add_working_hours(now, step.sla_hours)
    created = ApprovalTask.objects.bulk_create(
        ApprovalTask(step=step, assignee_id=user_id, post_code=target, due_at=due,
                     escalated_from=task, is_added=task.is_added, added_by_id=task.added_by_id)
        for user_id in new_ids
    )
    events.tasks_assigned(created, step.approval)
    audit_record(actor=None, action="approval.task_escalated", obj=task, post=target,
                 after={"approval": step.approval_id, "step": step.order,
                        "from_post": task.post_code, "to_post": target,
                        "to": new_ids, "covered_by": covered})
    return "escalated"


def _takers(step: ApprovalStep, task: ApprovalTask, target: str) -> tuple[list[int], list[int]]:
    """Who gets a new task, and who of the target post already has one pending on this step.

    Routing and duty checks are those of a step of the target post (not tied to the
    applicant's department). A signature that must be given (all-of step, added signer) goes
    to one person, not to every holder of the post."""
    stand_in = ApprovalStep(approval=step.approval, post_code=target, same_department=False)
    candidates = step_candidates(step=stand_in, approval=step.approval)
    on_step = dict(step.tasks.values_list("assignee_id", "status"))
    covered = [uid for uid in candidates if on_step.get(uid) == TaskStatus.PENDING]
    new_ids = [uid for uid in candidates if uid not in on_step]
    if (step.mode == Mode.ALL or task.is_added) and (covered or new_ids):
        new_ids = [] if covered else new_ids[:1]
    return new_ids, covered


def _post_name(code: str) -> str:
    return Post.objects.filter(code=code).values_list("name", flat=True).first() or code


def _alert_no_actor(step: ApprovalStep, task: ApprovalTask, target: str) -> None:
    alert_raise(
        rule=NO_ACTOR_RULE, severity="warn", dedupe_key=f"{NO_ACTOR_RULE}:{task.pk}",
        object_type="approvals.approval", object_id=step.approval_id,
        responsible_post="tenant_admin",
        message=f"审批环节“{step.name}”的待办已超时，但没有可以接办的“{_post_name(target)}”，"
                "请调整岗位设置或督促办理。",
    )
