"""Writing to the outbox and delivering from it: the only code that changes OutboxMessage rows."""

import json
import logging
import uuid
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.outbox.models import OutboxMessage
from apps.outbox.policy import DRAIN_ASKED_TTL, DRAIN_BATCH, LEASE, retry_delay
from apps.outbox.registry import handler_for
from apps.outbox.selectors import messages_due, messages_new
from county_platform.celery import app, require_tenant_schema, schema_headers
from county_platform.transactions import in_callers_transaction

logger = logging.getLogger(__name__)


class DeliveryFailedError(Exception):
    """A handler raised; the failure is recorded on the row and a retry is due in `retry_in` s."""

    def __init__(self, message: OutboxMessage, error: Exception) -> None:
        attempt = f"outbox {message.pk} ({message.topic}) attempt {message.attempts}"
        super().__init__(f"{attempt}: {error!r}")
        self.attempts = message.attempts
        self.retry_in = retry_delay(attempts=message.attempts)


@in_callers_transaction
def outbox_enqueue(
    *, topic: str, payload: dict[str, Any], idempotency_key: str | None = None
) -> OutboxMessage:
    """Write a message in the caller's transaction; its delivery is sent once that commits.

    A second call with the same idempotency key returns the first message and sends nothing.
    """
    schema_name = require_tenant_schema()
    handler_for(topic)  # an unknown topic fails here, in the caller, not later in a worker
    now = timezone.now()
    message_id = uuid.uuid4()
    fields = {
        "id": message_id,
        "topic": topic,
        "payload": payload,
        "created_at": now,
        "next_attempt_at": now + LEASE,
    }
    key = idempotency_key or str(message_id)
    if not _insert_unless_known(key=key, **fields):
        return OutboxMessage.objects.get(idempotency_key=key)
    _drain_on_commit(schema_name=schema_name)
    message = OutboxMessage(idempotency_key=key, attempts=0, last_error="", **fields)
    message._state.adding, message._state.db = False, connection.alias  # it is in the table
    return message


def _insert_unless_known(*, key: str, **fields: Any) -> bool:
    """One INSERT … ON CONFLICT DO NOTHING (the hot path writes several messages per
    decision); True when the row is new, False when the key was already used."""
    table = OutboxMessage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, topic, payload, idempotency_key, created_at,"  # noqa: S608
            " next_attempt_at, attempts, last_error) VALUES (%s, %s, %s::jsonb, %s, %s, %s, 0,"
            " '') ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
            [fields["id"], fields["topic"], json.dumps(fields["payload"], cls=DjangoJSONEncoder),
             key, fields["created_at"], fields["next_attempt_at"]],
        )
        return cursor.fetchone() is not None


def outbox_drain_start() -> list[uuid.UUID]:
    """The current schema's messages never tried yet, oldest first (at most DRAIN_BATCH), for a
    drain to deliver; clears the schema's drain request first, so that a message committed
    after this read asks for a drain of its own."""
    require_tenant_schema()
    cache.delete(_drain_key())
    return list(messages_new().values_list("id", flat=True)[:DRAIN_BATCH])


def outbox_sweep(*, limit: int = 500) -> list[uuid.UUID]:
    """Resend delivery of the current schema's due messages, each claimed for one more lease.

    Rows being delivered right now are locked and skipped; a resent delivery of a message that
    meanwhile got delivered finds nothing to do."""
    schema_name = require_tenant_schema()
    now = timezone.now()
    with transaction.atomic():
        due = messages_due(now=now).select_for_update(skip_locked=True)
        message_ids = list(due.values_list("id", flat=True)[:limit])
        OutboxMessage.objects.filter(pk__in=message_ids).update(next_attempt_at=now + LEASE)
        _send_on_commit(message_ids=message_ids, schema_name=schema_name)
    return message_ids


def outbox_deliver_message(*, message_id: uuid.UUID | str) -> bool:
    """Hand one pending message of the current schema to its topic's handler.

    The row stays locked while the handler runs and is marked delivered in the same
    transaction, so concurrent or repeated deliveries of one id call the handler once. (Only
    a process dying between the handler's return and the commit can repeat it: handlers get
    the idempotency key for that case.) Returns False when there is nothing to do (delivered,
    being delivered, or not in this schema); raises DeliveryFailedError after recording a
    handler's failure."""
    require_tenant_schema()
    with transaction.atomic():
        message = _pending_locked(message_id)
        if message is None:
            return False
        failure = _run_handler(message)
        _record_attempt(message, failure=failure)
    if failure is not None:
        raise DeliveryFailedError(message, failure)
    return True


def _pending_locked(message_id: uuid.UUID | str) -> OutboxMessage | None:
    pending = OutboxMessage.objects.select_for_update(skip_locked=True)
    return pending.filter(pk=message_id, delivered_at__isnull=True).first()


def _run_handler(message: OutboxMessage) -> Exception | None:
    """Run the handler in a savepoint, so its own writes roll back if it fails."""
    try:
        with transaction.atomic():
            handler_for(message.topic)(
                payload=message.payload, idempotency_key=message.idempotency_key
            )
    except Exception as error:  # any failure of any channel is recorded and retried
        logger.warning("outbox %s (%s) failed: %r", message.pk, message.topic, error)
        return error
    return None


def _record_attempt(message: OutboxMessage, *, failure: Exception | None) -> None:
    now = timezone.now()
    message.attempts += 1
    if failure is None:
        message.delivered_at, message.last_error = now, ""
    else:
        message.last_error = repr(failure)[:2000]
        # The task's own retry comes first; the sweep only if that retry is lost too.
        delay = timedelta(seconds=retry_delay(attempts=message.attempts))
        message.next_attempt_at = now + delay + LEASE
    message.save(update_fields=["attempts", "delivered_at", "last_error", "next_attempt_at"])


def _drain_key() -> str:
    # The queue is part of the key: a drain sent to another queue is not one this queue's
    # workers will run. The cache key function adds the tenant's schema.
    return f"outbox:drain-asked:{app.conf.task_default_queue}"


def _drain_on_commit(*, schema_name: str) -> None:
    """Once the current transaction commits, ask for a drain of the schema's new messages,
    unless one is asked for and has not started yet: that one will read this message too,
    because it clears the request before it reads (`outbox_drain_start`). Under load, one
    drain delivers many messages for one task sent. The request expires after DRAIN_ASKED_TTL,
    so a drain lost on its way holds up new messages at most that long (the sweep resends
    anything older than its lease anyway). robust: a broker or cache that is down must not
    fail the committed change."""

    def ask() -> None:
        from apps.outbox.tasks import outbox_drain  # the tasks module imports this one

        elsewhere = connection.schema_name != schema_name  # an on_commit may run after it left
        with schema_context(schema_name) if elsewhere else nullcontext():
            if not cache.add(_drain_key(), schema_name, timeout=DRAIN_ASKED_TTL):
                return
        outbox_drain.apply_async(headers=schema_headers(schema_name))

    transaction.on_commit(ask, robust=True)


def outbox_drain_again() -> None:
    """A drain that found a full batch asks for another for the rest."""
    _drain_on_commit(schema_name=require_tenant_schema())


def _send_on_commit(*, message_ids: list[uuid.UUID], schema_name: str) -> None:
    """Send one delivery task per message once the current transaction commits.

    robust: a broker that is down must not fail the committed change; the row stays pending
    and the sweep sends it after its lease."""
    if not message_ids:
        return

    def send() -> None:
        from apps.outbox.tasks import outbox_deliver  # the tasks module imports this one

        for message_id in message_ids:
            outbox_deliver.apply_async(args=[str(message_id)], headers=schema_headers(schema_name))

    transaction.on_commit(send, robust=True)
