"""The approval engine's messages delivered in this process: an any-of step's to-dos are
created on assignment, then finished for the one who decided and cancelled for the other."""

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from apps.approvals.models import Approval, ApprovalTask
from apps.approvals.services import process_define, task_decide
from apps.notifications.models import DingTalkTodo, Notification
from apps.seals.services import seal_application_create, seal_application_submit
from tests.apps.notifications.conftest import deliver_pending, person

pytestmark = pytest.mark.django_db


def test_an_any_of_step_keeps_the_todos_in_step(town_a, dingtalk_on):
    applicant = person(town_a, email="applicant@town-a.example.cn", posts=("handler",))
    one = person(town_a, dingtalk="acc-one", posts=("leader",))
    two = person(town_a, dingtalk="acc-two", posts=("leader",))
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=[
            {"name": "分管领导审批", "post_code": "leader", "mode": "any"},
        ])
        application = seal_application_create(
            actor=applicant, seal_kind="official", document_title="关于申报项目的请示",
            purpose="报送县财政局")
        application = seal_application_submit(actor=applicant, application_id=application.pk)
        assigned_failures = deliver_pending()
        tasks = {t.assignee_id: t for t in ApprovalTask.objects.filter(
            step__approval=Approval.objects.get(pk=application.approval_id))}
        opened = {t.assignee_account: t.status for t in DingTalkTodo.objects.all()}
        task_decide(actor=one, task_id=tasks[one.pk].pk, decision="approve")
        decided_failures = deliver_pending()
        closed = {t.assignee_account: t.status for t in DingTalkTodo.objects.all()}
        told = list(Notification.objects.filter(recipient=applicant).values_list("kind",
                                                                                 flat=True))
    todos = dingtalk_on.platform.todos
    host = town_a.get_primary_domain().domain

    assert (assigned_failures, decided_failures) == ([], [])
    assert opened == {"acc-one": "open", "acc-two": "open"}
    assert closed == {"acc-one": "finished", "acc-two": "cancelled"}
    assert {t["mobileUrl"] for t in todos.values()} == {
        f"https://{host}/approvals/tasks/{tasks[one.pk].pk}/",
        f"https://{host}/approvals/tasks/{tasks[two.pk].pk}/",
    }
    assert {t["status"] for t in todos.values()} == {"finished", "cancelled"}
    assert sorted(dingtalk_on.platform.create_calls.values()) == [1, 1]
    assert told == ["approval_approved"]
    assert [m.to for m in mail.outbox] == [["applicant@town-a.example.cn"]]
