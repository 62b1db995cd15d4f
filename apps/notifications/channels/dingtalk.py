"""浙政钉: a work notification for news, and the approval task's to-do kept in step with it
(created on assignment, finished on decision, cancelled on withdrawal or reassignment)."""

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from apps.notifications.channels.base import Delivered, Notice, absolute_link, skipped
from apps.notifications.dingtalk import Credentials, DingTalkClient
from apps.notifications.models import DingTalkConfig, DingTalkTodo, TodoStatus
from apps.notifications.selectors import dingtalk_config_get
from apps.outbox.models import OutboxMessage
from apps.outbox.policy import MAX_ATTEMPTS
from tenants.models import User


class TodoNotCreatedYetError(Exception):
    """The to-do to close is still being created: retry once its creation is delivered."""


def biz_task_id(task_id: int) -> str:
    """The platform's key of an approval task's to-do: one per task and tenant, ever."""
    return f"neikong-{connection.schema_name}-{task_id}"


def _usable() -> DingTalkConfig | None:
    config = dingtalk_config_get()
    return config if config.enabled and config.complete else None


def _client(config: DingTalkConfig) -> DingTalkClient:
    return DingTalkClient(Credentials.of(config))


class DingTalkMessageChannel:
    name = "dingtalk_message"

    def wanted(self, notice: Notice, *, recipient: User) -> bool:
        return notice.is_news and bool(recipient.dingtalk_user_id) and _usable() is not None

    def deliver(self, notice: Notice, *, source_key: str) -> Delivered:
        config = _usable()
        recipient = User.objects.get(pk=notice.recipient_id)
        if config is None or not recipient.dingtalk_user_id:
            return skipped("浙政钉未启用或收件人没有浙政钉账号")
        link = absolute_link(notice.link)
        msg = {"msgtype": "link", "link": {"title": notice.title, "text": notice.body or
                                           notice.title, "messageUrl": link, "picUrl": ""}}
        data = _client(config).work_notification(
            receiver_ids=[recipient.dingtalk_user_id], msg=msg,
            biz_msg_id=f"neikong-{connection.schema_name}-{source_key}",
        )
        message_id = data.get("msgId", "") if isinstance(data, dict) else ""
        return Delivered(external_id=str(message_id or ""))


class DingTalkTodoChannel:
    name = "dingtalk_todo"

    def wanted(self, notice: Notice, *, recipient: User) -> bool:
        if notice.todo not in ("create", "finish", "cancel") or notice.task_id is None:
            return False
        if notice.todo == "create" and not recipient.dingtalk_user_id:
            return False
        return _usable() is not None

    def deliver(self, notice: Notice, *, source_key: str) -> Delivered:
        config = _usable()
        if config is None:
            return skipped("浙政钉未启用")
        if notice.todo == "create":
            return _create(config, notice)
        return _close(config, notice)


def _create(config: DingTalkConfig, notice: Notice) -> Delivered:
    key = biz_task_id(notice.task_id)
    existing = DingTalkTodo.objects.filter(biz_task_id=key).first()
    if existing is not None:
        return Delivered(external_id=existing.task_uuid, detail="待办已存在")
    account = User.objects.get(pk=notice.recipient_id).dingtalk_user_id
    if not account:
        return skipped("承办人没有浙政钉账号")
    link = absolute_link(notice.link)
    # Safe to repeat after a timeout: the platform keeps one to-do per bizTaskId.
    task_uuid = _client(config).todo_create(
        biz_task_id=key, subject=notice.title, assignee_id=account, url=link, mobile_url=link,
        due_at=notice.due_at,
    )
    DingTalkTodo.objects.create(biz_task_id=key, approval_task_id=notice.task_id,
                                task_uuid=task_uuid, assignee_account=account)
    return Delivered(external_id=task_uuid)


def _close(config: DingTalkConfig, notice: Notice) -> Delivered:
    todo = DingTalkTodo.objects.filter(biz_task_id=biz_task_id(notice.task_id)).first()
    if todo is None:
        if _creation_pending(notice.task_id):
            raise TodoNotCreatedYetError(f"to-do of approval task {notice.task_id}")
        return skipped("该待办未在浙政钉创建")
    if todo.status != TodoStatus.OPEN:
        return Delivered(external_id=todo.task_uuid, detail=f"待办已{todo.get_status_display()}")
    client = _client(config)
    if notice.todo == "finish":
        client.todo_finish(task_uuid=todo.task_uuid, user_id=todo.assignee_account)
        todo.status = TodoStatus.FINISHED
    else:
        client.todo_cancel(task_uuid=todo.task_uuid, user_id=todo.assignee_account)
        todo.status = TodoStatus.CANCELLED
    todo.closed_at = timezone.now()
    todo.save(update_fields=["status", "closed_at"])
    return Delivered(external_id=todo.task_uuid)


def _creation_pending(task_id: int) -> bool:
    """Whether the task's to-do creation is still on its way through the outbox (its "notify"
    message, or its channel message, undelivered and not a dead letter)."""
    pending = OutboxMessage.objects.filter(delivered_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    return pending.filter(
        Q(topic="notify", payload__todo="create", payload__task_id=task_id)
        | Q(topic="notify_channel", payload__channel=DingTalkTodoChannel.name,
            payload__notice__todo="create", payload__notice__task_id=task_id)
    ).exists()
