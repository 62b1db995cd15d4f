"""Outbox handlers of the notification topics."""

from typing import Any

from apps.notifications.models import Notification
from apps.outbox.registry import outbox_handler


@outbox_handler("notify")
def notify_deliver(*, payload: dict[str, Any], idempotency_key: str) -> None:
    """One notification to one user: the in-app row (idempotent on the outbox key)."""
    Notification.objects.get_or_create(
        source_key=idempotency_key,
        defaults={
            "recipient_id": payload["recipient_id"],
            "kind": payload["kind"],
            "title": payload["title"],
            "body": payload.get("body", ""),
            "link": payload.get("link", ""),
        },
    )
