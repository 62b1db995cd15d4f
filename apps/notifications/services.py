"""Changes to notifications: delivering them by channel, marking them read, and the tenant's
浙政钉 configuration (audited, never with the secret's value)."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.notifications.channels import EXTERNAL, IN_APP, Notice
from apps.notifications.models import DingTalkConfig, Notification, NotificationDelivery
from apps.notifications.selectors import dingtalk_config_get, notification_get_for
from apps.outbox.services import outbox_enqueue
from county_platform.errors import DomainError
from tenants.models import User

CHANNEL_TOPIC = "notify_channel"


def notify_fan_out(*, payload: dict[str, Any], source_key: str) -> None:
    """Deliver a "notify" message: the in-app row now, and one outbox message per external
    channel that wants it (each retried on its own). Runs in the outbox's transaction."""
    notice = Notice.of(payload)
    IN_APP.deliver(notice, source_key=source_key)
    recipient = User.objects.get(pk=notice.recipient_id)
    for channel in EXTERNAL.values():
        if channel.wanted(notice, recipient=recipient):
            outbox_enqueue(
                topic=CHANNEL_TOPIC, idempotency_key=f"{source_key}#{channel.name}",
                payload={"channel": channel.name, "source_key": source_key, "notice": payload},
            )


def channel_deliver(*, channel: str, payload: dict[str, Any],
                    source_key: str) -> NotificationDelivery:
    """Deliver one notice by one external channel, once: the delivery row is written after a
    definite answer, and a delivery that finds it sends nothing. Raises on failure."""
    done = NotificationDelivery.objects.filter(source_key=source_key, channel=channel).first()
    if done is not None:
        return done
    delivered = EXTERNAL[channel].deliver(Notice.of(payload), source_key=source_key)
    return NotificationDelivery.objects.create(
        source_key=source_key, channel=channel, status=delivered.status,
        external_id=delivered.external_id[:128], detail=delivered.detail[:300],
    )


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    row = notification_get_for(user=user, notification_id=notification_id)
    if row.read_at is None:
        row.read_at = timezone.now()
        row.save(update_fields=["read_at"])
    return row


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of `user` read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


CONFIG_FIELDS = ("enabled", "api_base_url", "app_key", "tenant_id", "agent_id", "client_ip")


def _public(config: DingTalkConfig) -> dict[str, Any]:
    """What may be shown and audited of the configuration: everything but the secret."""
    return {**{name: getattr(config, name) for name in CONFIG_FIELDS},
            "app_secret_set": bool(config.app_secret)}


@transaction.atomic
def dingtalk_config_update(*, actor: User, app_secret: str | None = None,
                           **fields: Any) -> DingTalkConfig:
    """Change the tenant's 浙政钉 configuration. `app_secret` None keeps the stored secret.
    Enabling needs a complete configuration (address, AppKey, AppSecret, tenantId)."""
    unknown = set(fields) - set(CONFIG_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    config = DingTalkConfig.objects.select_for_update().filter(pk=1).first() \
        or dingtalk_config_get()
    before = _public(config)
    for name, value in fields.items():
        setattr(config, name, value)
    secret_changed = app_secret is not None and app_secret != config.app_secret
    if app_secret is not None:
        config.app_secret = app_secret
    if config.enabled and not config.complete:
        raise DomainError("incomplete_config",
                          "启用浙政钉须填写开放平台地址、AppKey、AppSecret 和租户ID。", 400)
    config.save()
    audit_record(actor=actor, action="notifications.dingtalk_config_updated", obj=config,
                 before=before, after={**_public(config), "app_secret_changed": secret_changed})
    return config
