"""A submitted approval, its steps and its first step's tasks: written by one statement, read
back exactly as the engine built them."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.approvals.models import Approval, ApprovalStep, ApprovalTask, StepStatus, TaskStatus
from apps.approvals.services import approval_submit, process_define
from apps.outbox.models import OutboxMessage
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

STEPS = [
    {"name": "部门负责人审核", "post_code": "dept_head", "mode": "any"},
    {"name": "大额须领导审批", "post_code": "leader", "mode": "any",
     "condition": {"amount_gte": "100000"}},
    {"name": "会计审核", "post_code": "accountant", "mode": "any"},
]
COLUMNS = ["document_type", "document_id", "applicant_id", "department_id", "facts", "status",
           "definition_version", "started_at", "finished_at"]


def _as_built(approval: Approval) -> dict:
    return {name: getattr(approval, name) for name in COLUMNS}


def _as_stored(approval: Approval) -> dict:
    return Approval.objects.filter(pk=approval.pk).values(*COLUMNS).get()


def test_the_approval_its_steps_and_first_tasks_are_one_insert_read_back_as_built(town_a):
    applicant = staff_make(town_a, posts=("handler",)).user
    heads = {staff_make(town_a, posts=("dept_head",)).user_id for _ in range(2)}
    staff_make(town_a, posts=("accountant",))
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=STEPS)
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            approval = approval_submit(actor=applicant, document_type="seal_use",
                                       document_id="41", facts={"amount": "800.00"})
        steps = list(ApprovalStep.objects.filter(approval=approval).order_by("order"))
        tasks = list(ApprovalTask.objects.filter(step__approval=approval))
        stored = _as_stored(approval)

    inserts = [q["sql"] for q in queries.captured_queries
               if "approvals_approval" in q["sql"] and "INSERT" in q["sql"]]
    assert len(inserts) == 1  # approval, steps and tasks together
    assert _as_built(approval) == stored  # every column holds what the engine built
    assert stored["facts"]["amount"] == "800.00" and stored["started_at"] is not None
    assert [s.status for s in steps] == [StepStatus.ACTIVE, StepStatus.SKIPPED,
                                         StepStatus.WAITING]
    assert [s.order for s in steps] == [1, 2, 3]
    assert {t.assignee_id for t in tasks} == heads
    assert {t.status for t in tasks} == {TaskStatus.PENDING}
    assert {t.step_id for t in tasks} == {steps[0].pk}
    assert steps[0].started_at is not None and steps[0].started_at <= timezone.now()
    assert all(t.due_at > steps[0].started_at for t in tasks)


def test_each_to_do_notice_links_to_its_own_recipients_task(town_a):
    applicant = staff_make(town_a, posts=("handler",)).user
    heads = [staff_make(town_a, posts=("dept_head",)).user_id for _ in range(3)]
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=STEPS[:1])
        with transaction.atomic():
            approval = approval_submit(actor=applicant, document_type="seal_use",
                                       document_id="42", facts={})
        tasks = dict(ApprovalTask.objects.filter(step__approval=approval)
                     .values_list("assignee_id", "pk"))
        notices = [m.payload for m in OutboxMessage.objects.filter(topic="notify")
                   if m.payload.get("kind") == "task_assigned"]

    assert sorted(tasks) == sorted(heads)
    assert sorted((n["recipient_id"], n["task_id"], n["link"]) for n in notices) == sorted(
        (user_id, pk, f"/approvals/tasks/{pk}/") for user_id, pk in tasks.items())
