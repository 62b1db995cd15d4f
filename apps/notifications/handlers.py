"""Outbox handlers of the notification topics."""

from typing import Any

from apps.notifications.services import CHANNEL_TOPIC, channel_deliver, notify_fan_out
from apps.outbox.registry import outbox_handler


@outbox_handler("notify")
def notify_deliver(*, payload: dict[str, Any], idempotency_key: str) -> None:
    """One notification to one user: the in-app row (idempotent on the outbox key), and a
    message per external channel enabled for the tenant and the recipient."""
    notify_fan_out(payload=payload, source_key=idempotency_key)


@outbox_handler(CHANNEL_TOPIC)
def notify_channel_deliver(*, payload: dict[str, Any], idempotency_key: str) -> None:
    """One notification by one external channel (e-mail, 浙政钉); raises so the outbox retries."""
    channel_deliver(channel=payload["channel"], payload=payload["notice"],
                    source_key=payload["source_key"])
