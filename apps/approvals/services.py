"""Running approvals: submit, decide (approve / reject / return), withdraw.

Every decision locks the step's row first, so two people deciding the same all-of step at
once are serialized: no step is skipped or doubled, and a task is decided at most once.
"""

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.approvals import events
from apps.approvals.conditions import step_applies
from apps.approvals.definitions import process_in_force, submission_prepare
from apps.approvals.inserts import approval_insert
from apps.approvals.models import (
    Approval,
    ApprovalComment,
    ApprovalStatus,
    ApprovalStep,
    ApprovalTask,
    Mode,
    ProcessDefinition,
    StepStatus,
    TaskStatus,
)
from apps.approvals.registry import document_type_get
from apps.approvals.routing import history_of, refusal_for, step_candidates
from apps.approvals.worktime import add_working_hours
from apps.audit.services import audit_record
from apps.controls.rules.engine import rules_check
from apps.controls.services import alert_raise
from apps.county.services import stats_refresh_soon
from county_platform.errors import DomainError
from county_platform.transactions import in_callers_transaction
from permissions.duties import document_rules
from permissions.selectors import staff_get_for_user
from tenants.models import User

MAX_DELEGATION = timedelta(days=30)
DECISIONS = {"approve": TaskStatus.APPROVED, "reject": TaskStatus.REJECTED,
             "return": TaskStatus.RETURNED}


@in_callers_transaction
def approval_submit(*, actor: User, document_type: str, document_id: str | int,
                    facts: dict, department_id: int | None = None,
                    record: Callable[[Approval], None] | None = None) -> Approval:
    """Start the approval of a document: freeze its applicable steps and open the first.

    `record(approval)`, if given, is how the document records its new approval: called before
    the audit event, whose lock (one writer per tenant) is then held only for that event and
    the commit."""
    definition = process_in_force(document_type=document_type)
    if definition is None:
        raise DomainError("no_process", f"本单位尚未配置“{document_type}”的审批流程。", 422)
    facts = submission_prepare(definition=definition, document_type=document_type,
                               document_id=document_id, facts=facts)
    approval = Approval(
        document_type=document_type, document_id=str(document_id), applicant=actor,
        department_id=department_id, facts=facts, definition_version=definition.version,
    )
    steps = [
        ApprovalStep(
            approval=approval, order=step.order, name=step.name, post_code=step.post_code,
            same_department=step.same_department, mode=step.mode, sla_hours=step.sla_hours,
            status=StepStatus.WAITING if step_applies(step.condition, facts)
            else StepStatus.SKIPPED,
        )
        for step in definition.steps.all()
    ]
    first = next((step for step in steps if step.status == StepStatus.WAITING), None)
    candidates = _start(first, approval, just_submitted=True) if first is not None else []
    tasks = _tasks_for(first, candidates) if candidates else []
    # The approval, its steps (the first applicable one already started) and that step's
    # tasks: one statement.
    approval_insert(approval, steps, tasks)
    if record is not None:
        record(approval)
    submitted = {"document_type": document_type, "document_id": str(document_id)}
    if first is None:
        audit_record(actor=actor, action="approval.submitted", obj=approval, after=submitted)
        _finish(approval, status=ApprovalStatus.APPROVED, actor=actor)
        return approval
    if tasks:
        events.tasks_assigned(tasks, approval)
    else:
        _nobody_may_act(first, approval)
    # Written after routing: the audit chain's lock (one writer per tenant) is then held for
    # the shortest time, which is what bounds concurrent submissions.
    audit_record(actor=actor, action="approval.submitted", obj=approval, after=submitted)
    return approval


def _start(step: ApprovalStep, approval: Approval, *, just_submitted: bool = False) -> list[int]:
    """Start `step` (not saved here): active with the users who may decide it, or blocked
    when nobody may. An approval `just_submitted` has no decision to read back."""
    step.started_at = timezone.now()
    candidates = step_candidates(step=step, approval=approval, just_submitted=just_submitted)
    step.status = StepStatus.ACTIVE if candidates else StepStatus.BLOCKED
    return candidates


def _tasks_for(step: ApprovalStep, candidates: list[int]) -> list[ApprovalTask]:
    """The started step's tasks, one per candidate, due after the step's SLA (unsaved)."""
    due = add_working_hours(step.started_at, step.sla_hours)
    return [ApprovalTask(step=step, assignee_id=user_id, post_code=step.post_code, due_at=due)
            for user_id in candidates]


def _nobody_may_act(step: ApprovalStep, approval: Approval) -> None:
    alert_raise(
        rule="approval_no_actor", severity="warn", dedupe_key=f"approval_no_actor:{step.pk}",
        object_type="approvals.approval", object_id=approval.pk,
        responsible_post="tenant_admin",
        message=f"审批环节“{step.name}”没有可以办理的人员（岗位 {step.post_code}），"
                "请调整岗位设置。",
    )


def _open(step: ApprovalStep, approval: Approval, candidates: list[int]) -> None:
    """A started step's tasks and their to-dos, or the alert that nobody may decide it."""
    if not candidates:
        _nobody_may_act(step, approval)
        return
    tasks = ApprovalTask.objects.bulk_create(_tasks_for(step, candidates))
    events.tasks_assigned(tasks, approval)


def _advance(approval: Approval, *, actor: User) -> None:
    """Open the next waiting step, or finish the approval when none is left."""
    step = approval.steps.filter(status=StepStatus.WAITING).order_by("order").first()
    if step is None:
        _finish(approval, status=ApprovalStatus.APPROVED, actor=actor)
        return
    candidates = _start(step, approval)
    step.save(update_fields=["status", "started_at"])
    _open(step, approval, candidates)


def _finish(approval: Approval, *, status: str, actor: User) -> None:
    approval.status = status
    approval.finished_at = timezone.now()
    approval.save(update_fields=["status", "finished_at"])
    audit_record(actor=actor, action=f"approval.{status}", obj=approval,
                 after={"status": status})
    events.approval_finished(approval)
    hooks = document_type_get(approval.document_type)
    hook = {ApprovalStatus.APPROVED: hooks.on_approved, ApprovalStatus.REJECTED: hooks.on_rejected,
            ApprovalStatus.RETURNED: hooks.on_returned,
            ApprovalStatus.WITHDRAWN: hooks.on_withdrawn}[status]
    hook(document_id=approval.document_id, actor=actor)
    stats_refresh_soon()


def _close_others(step: ApprovalStep) -> None:
    """Cancel the step's still-pending tasks (their to-dos are cancelled too)."""
    pending = list(step.tasks.filter(status=TaskStatus.PENDING).select_related("step"))
    ApprovalTask.objects.filter(pk__in=[t.pk for t in pending]).update(
        status=TaskStatus.CANCELLED, decided_at=timezone.now()
    )
    for task in pending:
        events.task_closed(task, todo="cancel")


def _task_for_actor(*, actor: User, task_id: int) -> ApprovalTask:
    """The task `actor` may act on: theirs, or delegated to them and still in time."""
    task = ApprovalTask.objects.select_related("step").filter(pk=task_id).first()
    delegated = (task is not None and task.delegate_id == actor.pk
                 and task.delegate_until is not None and task.delegate_until > timezone.now())
    if task is None or not (task.assignee_id == actor.pk or delegated):
        raise DomainError("not_found", "未找到该待办。", 404)
    return task


def _lock_open(task: ApprovalTask) -> ApprovalStep:
    """Lock the task's step (serializing every decision on it) and check both are open."""
    step = ApprovalStep.objects.select_for_update().select_related("approval").get(pk=task.step_id)
    task.refresh_from_db()
    if task.status != TaskStatus.PENDING or step.status != StepStatus.ACTIVE:
        raise DomainError("already_decided", "该待办已处理。", 409)
    return step


def _check_duties(*, user: User, post_code: str, approval: Approval) -> None:
    refusal = refusal_for(user_id=user.pk, post_code=post_code, approval=approval,
                          history=history_of(approval), rules=document_rules())
    if refusal is not None:
        raise DomainError(refusal.code, refusal.detail, 403, rule=refusal.rule)


@transaction.atomic
def task_decide(*, actor: User, task_id: int, decision: str, comment: str = "") -> ApprovalTask:
    """Approve, reject or return one task. 409 when it is already decided; 403 when a duty
    rule forbids the actor (self-approval, incompatible steps of one document)."""
    if decision not in DECISIONS:
        raise DomainError("invalid_decision", "未知的审批操作。", 400)
    task = _task_for_actor(actor=actor, task_id=task_id)
    step = _lock_open(task)
    _check_duties(user=actor, post_code=task.post_code, approval=step.approval)
    _record(task, actor=actor, status=DECISIONS[decision], comment=comment)
    rules_check("task.decided", document=task, actor=actor, step=step, approval=step.approval,
                object_type=step.approval.document_type, object_id=step.approval.document_id)
    _settle(step, step.approval, task, actor=actor)
    return task


def _record(task: ApprovalTask, *, actor: User, status: str, comment: str) -> None:
    task.status, task.decided_by, task.comment = status, actor, comment
    task.decided_at = timezone.now()
    task.save(update_fields=["status", "decided_by", "comment", "decided_at"])
    events.task_closed(task, todo="finish")
    on_behalf = task.assignee_id if actor.pk != task.assignee_id else None
    audit_record(actor=actor, action=f"approval.task_{status}", obj=task, post=task.post_code,
                 after={"approval": task.step.approval_id, "step": task.step.order,
                        "comment": comment, "on_behalf_of": on_behalf})


def _step_complete(step: ApprovalStep) -> bool:
    pending = step.tasks.filter(status=TaskStatus.PENDING)
    if pending.filter(is_added=True).exists():
        return False
    if step.mode == Mode.ALL:
        return not pending.exists()
    return step.tasks.filter(status=TaskStatus.APPROVED, is_added=False).exists()


def _settle(step: ApprovalStep, approval: Approval, task: ApprovalTask, *, actor: User) -> None:
    """What the decision means for the step and the document."""
    if task.status == TaskStatus.APPROVED:
        if not _step_complete(step):
            return
        _close_others(step)
        _step_done(step, StepStatus.APPROVED)
        _advance(approval, actor=actor)
        return
    _close_others(step)
    rejected = task.status == TaskStatus.REJECTED
    _step_done(step, StepStatus.REJECTED if rejected else StepStatus.RETURNED)
    approval.steps.filter(status=StepStatus.WAITING).update(status=StepStatus.CANCELLED)
    _finish(approval, status=ApprovalStatus.REJECTED if rejected else ApprovalStatus.RETURNED,
            actor=actor)


def _member(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None or staff_get_for_user(user=user) is None:
        raise DomainError("not_a_member", f"{username} 不是本单位的工作人员。", 400)
    return user


@transaction.atomic
def task_delegate(*, actor: User, task_id: int, to_username: str, until) -> ApprovalTask:
    """Let `to_username` decide this task in the assignee's name until `until` (recorded)."""
    task = _task_for_actor(actor=actor, task_id=task_id)
    if task.assignee_id != actor.pk:
        raise DomainError("permission_denied", "只有待办的承办人可以委托他人。", 403)
    step = _lock_open(task)
    if until <= timezone.now() or until > timezone.now() + MAX_DELEGATION:
        raise DomainError("invalid_until", "委托截止时间须在当前时间之后、30 天以内。", 400)
    delegate = _member(to_username)
    _check_duties(user=delegate, post_code=task.post_code, approval=step.approval)
    task.delegate, task.delegate_until = delegate, until
    task.save(update_fields=["delegate", "delegate_until"])
    audit_record(actor=actor, action="approval.task_delegated", obj=task, post=task.post_code,
                 after={"to": to_username, "until": until.isoformat()})
    events.task_delegated(task)
    return task


@transaction.atomic
def task_add_signer(*, actor: User, task_id: int, username: str) -> ApprovalTask:
    """Add a signer (加签) to the task's step: they must approve before the step completes."""
    task = _task_for_actor(actor=actor, task_id=task_id)
    step = _lock_open(task)
    signer = _member(username)
    _check_duties(user=signer, post_code=task.post_code, approval=step.approval)
    if step.tasks.filter(assignee=signer).exists():
        raise DomainError("already_signer", f"{username} 已在本环节中。", 409)
    added = ApprovalTask.objects.create(
        step=step, assignee=signer, post_code=task.post_code, is_added=True, added_by=actor,
        due_at=add_working_hours(timezone.now(), step.sla_hours),
    )
    audit_record(actor=actor, action="approval.signer_added", obj=added, post=task.post_code,
                 after={"approval": step.approval_id, "step": step.order, "signer": username})
    events.tasks_assigned([added], step.approval)
    return added


@transaction.atomic
def approval_comment(*, actor: User, approval_id: int, text: str) -> ApprovalComment:
    """A comment by someone taking part in the approval (applicant or a task holder)."""
    approval = Approval.objects.filter(pk=approval_id).first()
    involved = approval is not None and (
        approval.applicant_id == actor.pk
        or ApprovalTask.objects.filter(step__approval=approval)
        .filter(Q(assignee=actor) | Q(delegate=actor)).exists()
    )
    if not involved:
        raise DomainError("not_found", "未找到该审批。", 404)
    if not text.strip():
        raise DomainError("invalid", "意见不能为空。", 400)
    comment = ApprovalComment.objects.create(approval=approval, author=actor, text=text.strip())
    audit_record(actor=actor, action="approval.commented", obj=comment,
                 after={"approval": approval_id, "text": comment.text})
    return comment


def _step_done(step: ApprovalStep, status: str) -> None:
    step.status = status
    step.finished_at = timezone.now()
    step.save(update_fields=["status", "finished_at"])


@transaction.atomic
def approval_withdraw(*, actor: User, approval_id: int) -> Approval:
    """The applicant takes the document back while nobody has decided anything on it."""
    approval = Approval.objects.select_for_update().filter(pk=approval_id).first()
    if approval is None or approval.applicant_id != actor.pk:
        raise DomainError("not_found", "未找到该审批。", 404)
    decided = ApprovalTask.objects.filter(step__approval=approval).exclude(
        status__in=[TaskStatus.PENDING, TaskStatus.CANCELLED]).exists()
    if approval.status != ApprovalStatus.IN_APPROVAL or decided:
        raise DomainError("cannot_withdraw", "已有人审批，不能撤回。", 409)
    for step in approval.steps.filter(status__in=[StepStatus.ACTIVE, StepStatus.BLOCKED]):
        _close_others(step)
    approval.steps.exclude(status__in=[StepStatus.SKIPPED]).update(status=StepStatus.CANCELLED)
    _finish(approval, status=ApprovalStatus.WITHDRAWN, actor=actor)
    return approval


@transaction.atomic
def process_define(*, actor: User | None, document_type: str, name: str,
                   steps: list[dict]) -> ProcessDefinition:
    """Create or replace the tenant's process for `document_type` (a new version)."""
    definition, created = ProcessDefinition.objects.get_or_create(
        document_type=document_type, defaults={"name": name}
    )
    if not created:
        definition.name = name
        definition.version += 1
        definition.save(update_fields=["name", "version", "updated_at"])
        definition.steps.all().delete()
    for order, step in enumerate(steps, start=1):
        definition.steps.create(order=order, **step)
    audit_record(actor=actor, action="approval.process_defined", obj=definition,
                 after={"document_type": document_type, "version": definition.version,
                        "steps": steps})
    return definition
