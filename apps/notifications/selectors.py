"""Reads of notifications: a user's own in-app rows, and the tenant's 浙政钉 configuration."""

from django.db.models import QuerySet

from apps.notifications.models import DingTalkConfig, Notification
from county_platform.errors import DomainError
from tenants.models import User


def notifications_for(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's notifications, newest first; `unread` True/False filters, None gives all."""
    rows = Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
    if unread is not None:
        rows = rows.filter(read_at__isnull=unread)
    return rows


def unread_count(*, user: User) -> int:
    return notifications_for(user=user, unread=True).count()


def notification_get_for(*, user: User, notification_id: int) -> Notification:
    """The user's own notification; the same 404 for another user's and for none at all."""
    row = notifications_for(user=user).filter(pk=notification_id).first()
    if row is None:
        raise DomainError("not_found", "未找到该通知。", 404)
    return row


def dingtalk_config_get() -> DingTalkConfig:
    """The tenant's 浙政钉 configuration (an unsaved, disabled one when none was ever saved)."""
    return DingTalkConfig.objects.filter(pk=1).first() or DingTalkConfig(pk=1)
