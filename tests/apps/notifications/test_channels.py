"""The "notify" handler fanning out to in-app, e-mail and 浙政钉, through the outbox in this
process: each channel once, a failing channel retried alone, a timed-out to-do never doubled."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from apps.notifications import dingtalk
from apps.notifications.handlers import notify_channel_deliver, notify_deliver
from apps.notifications.models import (
    DeliveryStatus,
    DingTalkTodo,
    Notification,
    NotificationDelivery,
    TodoStatus,
)
from apps.notifications.services import dingtalk_config_update
from apps.outbox.models import OutboxMessage
from tests.apps.notifications.conftest import APP_SECRET, deliver_pending, notify, person

pytestmark = pytest.mark.django_db

DUE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 17:00 in Beijing
CREATE, FINISH, CANCEL = (dingtalk.TODO_CREATE, dingtalk.TODO_FINISH, dingtalk.TODO_CANCEL)


def assigned(user, task_id: int = 7) -> dict:
    return {"recipient_id": user.pk, "kind": "task_assigned", "title": "待办：部门负责人审核",
            "body": "seal_use #3 等待您审批。", "link": f"/approvals/tasks/{task_id}/",
            "todo": "create", "task_id": task_id, "due_at": "2026-12-01T17:00:00+08:00"}


def closed(user, todo: str, task_id: int = 7) -> dict:
    return {"recipient_id": user.pk, "kind": f"task_{todo}", "title": "已办结：部门负责人审核",
            "link": f"/approvals/tasks/{task_id}/", "todo": todo, "task_id": task_id}


@pytest.fixture
def head(town_a):
    return person(town_a, email="head@town-a.example.cn", dingtalk="acc-head")


def test_an_assignment_reaches_every_channel_once(town_a, dingtalk_on, head):
    with schema_context(town_a.schema_name):
        notify(assigned(head), "task_assigned:7")
        failed = deliver_pending()
        row = Notification.objects.get(source_key="task_assigned:7")
        deliveries = dict(NotificationDelivery.objects.values_list("channel", "status"))
        todo = DingTalkTodo.objects.get()
        biz = f"neikong-{town_a.schema_name}-7"
    link = f"https://{town_a.get_primary_domain().domain}/approvals/tasks/7/"
    platform = dingtalk_on.platform

    assert failed == []
    assert (row.recipient_id, row.title, row.link) == (head.pk, "待办：部门负责人审核",
                                                        "/approvals/tasks/7/")
    assert deliveries == {"email": "sent", "dingtalk_message": "sent", "dingtalk_todo": "sent"}
    assert [(m.to, m.subject) for m in mail.outbox] == [(["head@town-a.example.cn"],
                                                         "待办：部门负责人审核")]
    assert link in mail.outbox[0].body
    assert platform.todos[biz]["assigneeId"] == "acc-head"
    assert platform.todos[biz]["mobileUrl"] == link
    assert platform.todos[biz]["dueTime"] == str(int(DUE.timestamp() * 1000))
    assert (todo.biz_task_id, todo.task_uuid) == (biz, platform.todos[biz]["taskUuid"])
    assert [m["receiverIds"] for m in platform.messages.values()] == ["acc-head"]
    assert link in next(iter(platform.messages.values()))["msg"]


def test_a_repeated_delivery_sends_nothing_twice(town_a, dingtalk_on, head):
    with schema_context(town_a.schema_name):
        notify(assigned(head), "task_assigned:7")
        deliver_pending()
        for channel in OutboxMessage.objects.filter(topic="notify_channel"):
            notify_channel_deliver(payload=channel.payload,
                                   idempotency_key=channel.idempotency_key)
        notify_deliver(payload=assigned(head), idempotency_key="task_assigned:7")
        rows = Notification.objects.count()
        channel_messages = OutboxMessage.objects.filter(topic="notify_channel").count()

    assert (rows, channel_messages, len(mail.outbox)) == (1, 3, 1)
    assert len(dingtalk_on.platform.requests) == 2  # one work notification, one to-do


def test_a_failing_platform_retries_only_its_channel(town_a, dingtalk_on, head):
    dingtalk_on.platform.fail_next(CREATE, "5xx")
    with schema_context(town_a.schema_name):
        notify(assigned(head), "task_assigned:7")
        failed = deliver_pending()
        recorded = set(NotificationDelivery.objects.values_list("channel", flat=True))
        retried = deliver_pending()
        message = OutboxMessage.objects.get(idempotency_key="task_assigned:7#dingtalk_todo")
        todos = DingTalkTodo.objects.count()

    assert [m.idempotency_key for m in failed] == ["task_assigned:7#dingtalk_todo"]
    assert "502" in failed[0].last_error
    assert recorded == {"email", "dingtalk_message"}
    assert retried == []
    assert (message.attempts, message.delivered_at is not None, todos) == (2, True, 1)
    assert len(mail.outbox) == 1
    assert len(dingtalk_on.platform.accepted(dingtalk.WORK_NOTIFICATION)) == 1
    assert len(dingtalk_on.platform.todos) == 1


@pytest.mark.parametrize("fault", ["error", "inner_error"])
def test_an_error_answer_is_a_failure_the_outbox_retries(town_a, dingtalk_on, head, fault):
    dingtalk_on.platform.fail_next(CREATE, fault)
    with schema_context(town_a.schema_name):
        notify(assigned(head), "task_assigned:7")
        failed = deliver_pending()
        todo_rows = DingTalkTodo.objects.count()
        todo_deliveries = NotificationDelivery.objects.filter(channel="dingtalk_todo").count()

    assert [m.idempotency_key for m in failed] == ["task_assigned:7#dingtalk_todo"]
    assert (todo_rows, todo_deliveries) == (0, 0)
    assert APP_SECRET not in failed[0].last_error


def test_a_retry_after_a_timeout_makes_no_second_todo(town_a, dingtalk_on, head, monkeypatch):
    monkeypatch.setattr(dingtalk, "TIMEOUT_SECONDS", 0.3)
    dingtalk_on.platform.slow_seconds = 1.0
    dingtalk_on.platform.fail_next(CREATE, "slow")
    with schema_context(town_a.schema_name):
        notify(assigned(head), "task_assigned:7")
        failed = deliver_pending()
        after_timeout = DingTalkTodo.objects.count()
        retried = deliver_pending()
        todo = DingTalkTodo.objects.get()
    biz = f"neikong-{town_a.schema_name}-7"
    platform = dingtalk_on.platform

    assert [m.idempotency_key for m in failed] == ["task_assigned:7#dingtalk_todo"]
    assert "unavailable" in failed[0].last_error
    assert after_timeout == 0  # no definite answer, no success recorded
    assert retried == []
    assert platform.create_calls[biz] == 2
    assert len(platform.todos) == 1
    assert todo.task_uuid == platform.todos[biz]["taskUuid"]


@pytest.mark.parametrize(("todo", "uri", "status"), [
    ("finish", FINISH, TodoStatus.FINISHED), ("cancel", CANCEL, TodoStatus.CANCELLED),
])
def test_a_decision_closes_the_todo(town_a, dingtalk_on, head, todo, uri, status):
    with schema_context(town_a.schema_name):
        notify(assigned(head), "task_assigned:7")
        deliver_pending()
        notify(closed(head, todo), f"task_{todo}:7")
        failed = deliver_pending()
        row = DingTalkTodo.objects.get()
    platform = dingtalk_on.platform

    assert failed == []
    assert row.status == status
    assert platform.accepted(uri)[0].params == {"taskUuid": row.task_uuid, "userId": "acc-head"}
    assert next(iter(platform.todos.values()))["status"] == status.value
    assert len(mail.outbox) == 1  # closing a to-do is not news: no second mail
    assert len(platform.accepted(dingtalk.WORK_NOTIFICATION)) == 1


def test_closing_waits_until_the_todo_is_created(town_a, dingtalk_on, head):
    dingtalk_on.platform.fail_next(CREATE, "error")
    with schema_context(town_a.schema_name):
        notify(assigned(head), "task_assigned:7")
        notify(closed(head, "finish"), "task_finish:7")
        failed = deliver_pending()
        retried = deliver_pending()
        row = DingTalkTodo.objects.get()

    assert [m.idempotency_key for m in failed] == [
        "task_assigned:7#dingtalk_todo", "task_finish:7#dingtalk_todo"]
    assert "TodoNotCreatedYet" in failed[1].last_error
    assert retried == []
    assert row.status == TodoStatus.FINISHED


def test_closing_a_todo_that_was_never_created_is_skipped(town_a, dingtalk_on):
    no_account = person(town_a, email="")
    with schema_context(town_a.schema_name):
        notify(assigned(no_account), "task_assigned:7")
        notify(closed(no_account, "cancel"), "task_cancel:7")
        failed = deliver_pending()
        deliveries = list(NotificationDelivery.objects.values_list("channel", "status"))

    assert failed == []
    assert deliveries == [("dingtalk_todo", DeliveryStatus.SKIPPED)]
    assert dingtalk_on.platform.requests == []


def test_with_dingtalk_disabled_only_in_app_and_mail_go_out(town_a, dingtalk_on, head):
    with schema_context(town_a.schema_name):
        dingtalk_config_update(actor=None, enabled=False)
        notify(assigned(head), "task_assigned:7")
        failed = deliver_pending()
        channels = list(NotificationDelivery.objects.values_list("channel", flat=True))
        rows = Notification.objects.count()

    assert failed == []
    assert (rows, channels, len(mail.outbox)) == (1, ["email"], 1)
    assert dingtalk_on.platform.requests == []


def test_without_an_address_no_mail_is_sent(town_a):
    user = person(town_a)
    with schema_context(town_a.schema_name):
        notify(assigned(user), "task_assigned:7")
        failed = deliver_pending()
        rows = Notification.objects.filter(recipient=user).count()
        messages = OutboxMessage.objects.count()

    assert (failed, rows, messages, len(mail.outbox)) == ([], 1, 1, 0)
