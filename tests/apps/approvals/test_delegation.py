"""Delegation (代理), added signers (加签) and comments on a running approval."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.approvals.models import ApprovalComment, TaskStatus
from apps.approvals.services import (
    approval_comment,
    process_define,
    task_add_signer,
    task_decide,
    task_delegate,
)
from apps.audit.models import AuditEvent
from apps.seals.models import SealStatus
from county_platform.errors import DomainError
from tests.apps.approvals.test_services import _submit, _tasks
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

ONE_STEP = [{"name": "分管领导审批", "post_code": "leader", "mode": "any"}]


@pytest.fixture
def setup(town_a):
    applicant = staff_make(town_a, posts=("handler",)).user
    leader = staff_make(town_a, posts=("leader",)).user
    deputy = staff_make(town_a).user
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=ONE_STEP)
        application = _submit(applicant)
        task = _tasks(application)[0]
    return applicant, leader, deputy, application, task


def test_a_delegate_decides_in_the_assignees_name_and_both_are_recorded(town_a, setup):
    applicant, leader, deputy, application, task = setup
    with schema_context(town_a.schema_name):
        task_delegate(actor=leader, task_id=task.pk, to_username=deputy.username,
                      until=timezone.now() + timedelta(days=2))
        task_decide(actor=deputy, task_id=task.pk, decision="approve", comment="代为审批")
        task.refresh_from_db()
        application.refresh_from_db()
        event = AuditEvent.objects.filter(action="approval.task_approved").last()

    assert application.status == SealStatus.APPROVED
    assert (task.assignee_id, task.decided_by_id) == (leader.pk, deputy.pk)
    assert event.actor_id == deputy.pk
    assert event.after["on_behalf_of"] == leader.pk


def test_an_expired_delegation_gives_nothing(town_a, setup):
    applicant, leader, deputy, application, task = setup
    with schema_context(town_a.schema_name):
        task_delegate(actor=leader, task_id=task.pk, to_username=deputy.username,
                      until=timezone.now() + timedelta(hours=1))
        task.delegate_until = timezone.now() - timedelta(minutes=1)
        task.save(update_fields=["delegate_until"])
        with pytest.raises(DomainError) as refused:
            task_decide(actor=deputy, task_id=task.pk, decision="approve")

    assert refused.value.status == 404


def test_the_applicant_cannot_be_made_delegate_of_their_own_document(town_a, setup):
    applicant, leader, deputy, application, task = setup
    with schema_context(town_a.schema_name), pytest.raises(DomainError) as refused:
        task_delegate(actor=leader, task_id=task.pk, to_username=applicant.username,
                      until=timezone.now() + timedelta(days=1))

    assert refused.value.code == "self_approval"


def test_an_added_signer_must_approve_before_an_any_of_step_completes(town_a, setup):
    applicant, leader, deputy, application, task = setup
    with schema_context(town_a.schema_name):
        added = task_add_signer(actor=leader, task_id=task.pk, username=deputy.username)
        task_decide(actor=leader, task_id=task.pk, decision="approve")
        application.refresh_from_db()
        waiting = application.status
        task_decide(actor=deputy, task_id=added.pk, decision="approve")
        application.refresh_from_db()

    assert waiting == SealStatus.IN_APPROVAL
    assert application.status == SealStatus.APPROVED


def test_comments_only_from_people_taking_part(town_a, setup):
    applicant, leader, deputy, application, task = setup
    with schema_context(town_a.schema_name):
        approval_comment(actor=applicant, approval_id=application.approval_id, text="请尽快")
        with pytest.raises(DomainError):
            approval_comment(actor=deputy, approval_id=application.approval_id, text="路过")
        texts = list(ApprovalComment.objects.values_list("text", flat=True))
        pending = task.__class__.objects.get(pk=task.pk).status

    assert texts == ["请尽快"]
    assert pending == TaskStatus.PENDING


def test_the_delegate_is_notified(town_a, setup):
    from apps.outbox.models import OutboxMessage

    applicant, leader, deputy, application, task = setup
    with schema_context(town_a.schema_name):
        task_delegate(actor=leader, task_id=task.pk, to_username=deputy.username,
                      until=timezone.now() + timedelta(days=1))
        told = [m.payload["recipient_id"] for m in OutboxMessage.objects.filter(topic="notify")
                if m.payload["kind"] == "task_delegated"]

    assert told == [deputy.pk]
