"""The engine tells people: a to-do per assignee, finished or cancelled as the step moves."""

import pytest
from django_tenants.utils import schema_context

from apps.approvals.services import process_define, task_decide
from apps.outbox.models import OutboxMessage
from tests.apps.approvals.test_services import _submit, _tasks
from tests.factories import staff_make

pytestmark = pytest.mark.django_db


def test_assigned_then_finished_and_cancelled_todos_and_the_applicant_is_told(town_a):
    applicant = staff_make(town_a, posts=("handler",)).user
    one, two = (staff_make(town_a, posts=("leader",)).user for _ in range(2))
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=[
            {"name": "分管领导审批", "post_code": "leader", "mode": "any"},
        ])
        application = _submit(applicant)
        mine = next(t for t in _tasks(application) if t.assignee_id == one.pk)
        task_decide(actor=one, task_id=mine.pk, decision="approve")
        sent = sorted(
            (m.payload["kind"], m.payload["recipient_id"])
            for m in OutboxMessage.objects.filter(topic="notify")
        )

    assert sent == sorted([
        ("task_assigned", one.pk), ("task_assigned", two.pk),
        ("task_finish", one.pk), ("task_cancel", two.pk),
        ("approval_approved", applicant.pk),
    ])
