"""Overdue tasks: reminded once past due, escalated to the next post one SLA window later,
an alert when nobody may take them; running the job again does nothing more."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.approvals import tasks
from apps.approvals.escalation import approvals_escalate, escalation_target
from apps.approvals.models import Approval, ApprovalTask, StepStatus, TaskStatus
from apps.approvals.services import process_define, task_decide
from apps.audit.models import AuditEvent
from apps.controls.models import Alert
from apps.outbox.models import OutboxMessage
from apps.seals.models import SealStatus
from county_platform.celery import SCHEMA_HEADER, PublicSchemaTaskError
from tests.apps.approvals.test_services import _submit
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

JUST_DUE = timedelta(minutes=1)
LONG_AGO = timedelta(days=14)  # well past one more 16-working-hour window


def one_step(post: str, mode: str = "any") -> list[dict]:
    return [{"name": "审核", "post_code": post, "mode": mode, "sla_hours": 16}]


def define(post: str, mode: str = "any") -> None:
    process_define(actor=None, document_type="seal_use", name="用印", steps=one_step(post, mode))


def pending(application) -> list[ApprovalTask]:
    return list(ApprovalTask.objects.filter(step__approval_id=application.approval_id,
                                            status=TaskStatus.PENDING).order_by("assignee_id"))


def make_overdue(task: ApprovalTask, by: timedelta) -> None:
    """Move the task's due time into the past (the clock cannot be moved in these tests)."""
    ApprovalTask.objects.filter(pk=task.pk).update(due_at=timezone.now() - by)


def notices(kind: str) -> list[tuple[int, int]]:
    return sorted((m.payload["recipient_id"], m.payload["task_id"])
                  for m in OutboxMessage.objects.filter(topic="notify")
                  if m.payload["kind"] == kind)


def snapshot() -> tuple:
    return (
        sorted(ApprovalTask.objects.values_list("id", "status", "reminded_at", "escalated_at")),
        OutboxMessage.objects.count(), AuditEvent.objects.count(), Alert.objects.count(),
    )


@pytest.fixture
def people(town_a):
    made = {
        "applicant": staff_make(town_a, posts=("handler",)),
        "head": staff_make(town_a, posts=("dept_head",)),
        "leader": staff_make(town_a, posts=("leader",)),
        "principal": staff_make(town_a, posts=("principal",)),
    }
    return {key: staff.user for key, staff in made.items()}


def test_the_escalation_table():
    assert escalation_target("dept_head") == "leader"
    assert escalation_target("leader") == "principal"
    assert escalation_target("cashier") == "leader"
    assert escalation_target("seal_keeper") == "leader"
    assert escalation_target("principal") is None


def test_a_task_not_yet_due_is_left_alone(town_a, people):
    with schema_context(town_a.schema_name):
        define("dept_head")
        _submit(people["applicant"])
        before = snapshot()
        run = approvals_escalate()

        assert snapshot() == before
    assert (run.reminded, run.escalated, run.unassignable) == ([], [], [])


def test_an_overdue_task_is_reminded_once(town_a, people):
    with schema_context(town_a.schema_name):
        define("dept_head")
        application = _submit(people["applicant"])
        [task] = pending(application)
        make_overdue(task, JUST_DUE)

        first = approvals_escalate()
        task.refresh_from_db()
        after_first = snapshot()
        second = approvals_escalate()

        assert snapshot() == after_first
        reminded = notices("task_overdue")
    assert first.reminded == [task.pk]
    assert (second.reminded, second.escalated) == ([], [])
    assert task.status == TaskStatus.PENDING and task.reminded_at is not None
    assert reminded == [(people["head"].pk, task.pk)]


def test_one_window_past_due_the_task_goes_up_to_the_next_post(town_a, people):
    with schema_context(town_a.schema_name):
        define("dept_head")
        application = _submit(people["applicant"])
        [task] = pending(application)
        make_overdue(task, LONG_AGO)

        reminding = approvals_escalate()  # reminded first, even when long overdue
        escalating = approvals_escalate()
        task.refresh_from_db()
        [new] = pending(application)
        event = AuditEvent.objects.get(action="approval.task_escalated")
        after = snapshot()
        again = approvals_escalate()

        assert snapshot() == after
        assigned = notices("task_assigned")
        cancelled = notices("task_cancel")
    assert (reminding.reminded, reminding.escalated) == ([task.pk], [])
    assert escalating.escalated == [task.pk]
    assert (again.reminded, again.escalated, again.unassignable) == ([], [], [])
    assert (task.status, task.escalated_at is not None) == (TaskStatus.CANCELLED, True)
    assert (new.assignee_id, new.post_code, new.escalated_from_id, new.step_id) == (
        people["leader"].pk, "leader", task.pk, task.step_id)
    assert new.due_at > timezone.now()
    assert (people["leader"].pk, new.pk) in assigned
    assert cancelled == [(people["head"].pk, task.pk)]
    assert event.after["from_post"] == "dept_head" and event.after["to"] == [people["leader"].pk]


def test_the_escalated_task_decides_the_step(town_a, people):
    with schema_context(town_a.schema_name):
        define("dept_head")
        application = _submit(people["applicant"])
        [task] = pending(application)
        make_overdue(task, LONG_AGO)
        approvals_escalate()
        approvals_escalate()
        [new] = pending(application)
        task_decide(actor=people["leader"], task_id=new.pk, decision="approve")
        application.refresh_from_db()

    assert application.status == SealStatus.APPROVED


def test_a_leader_goes_up_to_the_principal_who_is_only_ever_reminded(town_a, people):
    with schema_context(town_a.schema_name):
        define("leader")
        application = _submit(people["applicant"])
        [task] = pending(application)
        make_overdue(task, LONG_AGO)
        approvals_escalate()
        approvals_escalate()
        [top] = pending(application)
        make_overdue(top, LONG_AGO)
        reminded = approvals_escalate()
        later = [approvals_escalate() for _ in range(2)]
        top.refresh_from_db()

    assert (top.assignee_id, top.post_code) == (people["principal"].pk, "principal")
    assert reminded.reminded == [top.pk]
    assert [(r.escalated, r.unassignable) for r in later] == [([], []), ([], [])]
    assert top.status == TaskStatus.PENDING


def test_nobody_to_escalate_to_raises_one_alert_and_leaves_the_task(town_a):
    applicant = staff_make(town_a, posts=("handler",)).user
    staff_make(town_a, posts=("finance_reviewer",))
    with schema_context(town_a.schema_name):
        define("finance_reviewer")
        application = _submit(applicant)
        [task] = pending(application)
        make_overdue(task, LONG_AGO)
        approvals_escalate()
        run = approvals_escalate()
        after = snapshot()
        again = approvals_escalate()

        assert snapshot() == after
        alert = Alert.objects.get(rule="approval_escalation_no_actor")
        task.refresh_from_db()
    assert run.unassignable == again.unassignable == [task.pk]
    assert (task.status, task.escalated_at) == (TaskStatus.PENDING, None)
    assert alert.dedupe_key == f"approval_escalation_no_actor:{task.pk}"
    assert alert.object_id == str(application.approval_id)
    assert "分管领导" in alert.message


def test_duty_checks_apply_to_whom_a_task_is_escalated(town_a, people):
    # The applicant also holds "leader": they never get a task on their own document.
    boss = staff_make(town_a, posts=("handler", "leader")).user
    with schema_context(town_a.schema_name):
        define("dept_head")
        application = _submit(boss)
        [task] = pending(application)
        make_overdue(task, LONG_AGO)
        approvals_escalate()
        approvals_escalate()
        assignees = [t.assignee_id for t in pending(application)]

    assert assignees == [people["leader"].pk]


def test_the_only_leader_being_the_applicant_means_nobody_may_take_it(town_a):
    boss = staff_make(town_a, posts=("handler", "leader")).user
    staff_make(town_a, posts=("dept_head",))
    with schema_context(town_a.schema_name):
        define("dept_head")
        application = _submit(boss)
        [task] = pending(application)
        make_overdue(task, LONG_AGO)
        approvals_escalate()
        run = approvals_escalate()

    assert run.unassignable == [task.pk]


def test_an_all_of_step_hands_each_missing_signature_to_one_person(town_a):
    applicant = staff_make(town_a, posts=("handler",)).user
    heads = [staff_make(town_a, posts=("dept_head",)).user for _ in range(2)]
    leaders = sorted((staff_make(town_a, posts=("leader",)).user for _ in range(2)),
                     key=lambda u: u.pk)
    with schema_context(town_a.schema_name):
        define("dept_head", mode="all")
        application = _submit(applicant)
        first, second = pending(application)
        make_overdue(first, LONG_AGO)
        make_overdue(second, LONG_AGO)
        approvals_escalate()
        run = approvals_escalate()
        [stand_in] = pending(application)
        task_decide(actor=stand_in.assignee, task_id=stand_in.pk, decision="approve")
        application.refresh_from_db()
        step = Approval.objects.get(pk=application.approval_id).steps.get()

    assert sorted(run.escalated) == sorted([first.pk, second.pk])
    assert stand_in.assignee_id == leaders[0].pk
    assert {first.assignee_id, second.assignee_id} == {u.pk for u in heads}
    assert (application.status, step.status) == (SealStatus.APPROVED, StepStatus.APPROVED)


def test_a_task_decided_meanwhile_is_not_escalated(town_a, people):
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="用印", steps=[
            *one_step("dept_head"), {"name": "领导", "post_code": "leader", "mode": "any"}])
        application = _submit(people["applicant"])
        [task] = pending(application)
        make_overdue(task, LONG_AGO)
        approvals_escalate()
        task_decide(actor=people["head"], task_id=task.pk, decision="approve")
        run = approvals_escalate()
        task.refresh_from_db()

    assert run.escalated == []
    assert task.status == TaskStatus.APPROVED and task.escalated_at is None


def test_the_beat_job_fans_out_to_every_active_tenant(monkeypatch, county, town_a, town_b):
    sent = []
    monkeypatch.setattr(tasks.approvals_escalate, "apply_async",
                        lambda *args, **kwargs: sent.append(kwargs["headers"][SCHEMA_HEADER]))
    town_b.is_active = False
    town_b.save(update_fields=["is_active"])

    count = tasks.approvals_escalate_all()

    assert {county.schema_name, town_a.schema_name} <= set(sent)
    assert town_b.schema_name not in sent and "public" not in sent
    assert count == len(sent) == len(set(sent))


def test_the_tenant_task_runs_in_its_schema_and_refuses_the_public_one(town_a, people):
    with schema_context(town_a.schema_name):
        define("dept_head")
        application = _submit(people["applicant"])
        [task] = pending(application)
        make_overdue(task, JUST_DUE)
        result = tasks.approvals_escalate()

    with pytest.raises(PublicSchemaTaskError):
        tasks.approvals_escalate()
    assert result == {"reminded": 1, "escalated": 0, "unassignable": 0}


def test_the_beat_schedule_runs_escalation_every_15_minutes():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["approvals-escalate"]
    assert (entry["task"], entry["schedule"]) == (
        "apps.approvals.tasks.approvals_escalate_all", 900.0)
