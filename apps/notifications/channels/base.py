"""What every channel is given (a Notice) and answers (a Delivered), and the interface."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db import connection
from django.utils.dateparse import parse_datetime

from apps.notifications.models import DeliveryStatus
from tenants.models import Tenant, User

NEWS_TODOS = (None, "create")  # finishing or cancelling a to-do is bookkeeping, not news


@dataclass(frozen=True)
class Notice:
    """One "notify" outbox payload (apps/approvals/events.py writes them)."""

    recipient_id: int
    kind: str
    title: str
    body: str = ""
    link: str = ""
    todo: str | None = None  # create / finish / cancel the approval task's to-do
    task_id: int | None = None
    due_at: datetime | None = None

    @classmethod
    def of(cls, payload: dict[str, Any]) -> "Notice":
        due = payload.get("due_at")
        return cls(
            recipient_id=payload["recipient_id"], kind=payload["kind"], title=payload["title"],
            body=payload.get("body") or "", link=payload.get("link") or "",
            todo=payload.get("todo"), task_id=payload.get("task_id"),
            due_at=parse_datetime(due) if due else None,
        )

    @property
    def is_news(self) -> bool:
        return self.todo in NEWS_TODOS


@dataclass(frozen=True)
class Delivered:
    status: str = DeliveryStatus.SENT
    external_id: str = ""
    detail: str = ""


def skipped(detail: str) -> Delivered:
    return Delivered(status=DeliveryStatus.SKIPPED, detail=detail)


class Channel(Protocol):
    name: str

    def wanted(self, notice: Notice, *, recipient: User) -> bool:
        """Whether this notice goes out by this channel (asked when the notice is fanned out)."""

    def deliver(self, notice: Notice, *, source_key: str) -> Delivered:
        """Send it; raise on any failure (the outbox retries). Must tolerate being called again
        for the same source_key after a failure whose outcome was unknown."""


def absolute_link(path: str) -> str:
    """The tenant's https address of `path` (a phone opens it from 浙政钉 or a mail)."""
    if not path or path.startswith(("http://", "https://")):
        return path
    tenant = Tenant.objects.filter(schema_name=connection.schema_name).first()
    domain = tenant.get_primary_domain() if tenant is not None else None
    return f"https://{domain.domain}{path}" if domain is not None else path
