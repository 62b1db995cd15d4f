"""In-app (站内通知): one Notification row per outbox message."""

from apps.notifications.channels.base import Delivered, Notice
from apps.notifications.models import Notification
from tenants.models import User


class InAppChannel:
    name = "inapp"

    def wanted(self, notice: Notice, *, recipient: User) -> bool:
        return True

    def deliver(self, notice: Notice, *, source_key: str) -> Delivered:
        row, _ = Notification.objects.get_or_create(
            source_key=source_key,
            defaults={"recipient_id": notice.recipient_id, "kind": notice.kind,
                      "title": notice.title, "body": notice.body, "link": notice.link},
        )
        return Delivered(external_id=str(row.pk))
