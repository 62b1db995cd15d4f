"""Outbox tasks: deliver one message, and sweep every tenant for messages whose task was lost."""

import logging

from django.db import DatabaseError
from django_tenants.utils import tenant_context

from apps.outbox.policy import DRAIN_BATCH, MAX_ATTEMPTS
from apps.outbox.selectors import tenants_with_outbox
from apps.outbox.services import (
    DeliveryFailedError,
    outbox_deliver_message,
    outbox_drain_again,
    outbox_drain_start,
    outbox_sweep,
)
from county_platform.celery import app, require_tenant_schema, schema_headers

logger = logging.getLogger(__name__)


@app.task(bind=True, name="apps.outbox.tasks.outbox_deliver", max_retries=MAX_ATTEMPTS)
def outbox_deliver(self, message_id: str) -> bool:
    """Deliver one message of the task's tenant schema; any number of runs deliver it once."""
    try:
        return outbox_deliver_message(message_id=message_id)
    except DeliveryFailedError as failure:
        if failure.attempts >= MAX_ATTEMPTS:
            logger.error("outbox %s is a dead letter after %s attempts", message_id, MAX_ATTEMPTS)
            return False
        # The retry is sent from inside this task, so it carries the same schema.
        raise self.retry(exc=failure, countdown=failure.retry_in) from failure


@app.task(name="apps.outbox.tasks.outbox_drain")
def outbox_drain() -> int:
    """Deliver the new messages of the task's schema, oldest first (asked for on commit; at
    most one drain per schema waits to start). One that fails goes on as its own
    `outbox_deliver` task with its retries. Returns how many were delivered."""
    message_ids = outbox_drain_start()
    delivered = 0
    for message_id in message_ids:
        try:
            delivered += outbox_deliver_message(message_id=message_id)
        except DeliveryFailedError as failure:
            outbox_deliver.apply_async(args=[str(message_id)], countdown=failure.retry_in,
                                       headers=schema_headers(require_tenant_schema()))
    if len(message_ids) == DRAIN_BATCH:
        outbox_drain_again()
    return delivered


@app.task(name="apps.outbox.tasks.outbox_sweep_all")
def outbox_sweep_all() -> int:
    """Resend the due messages of every active tenant (beat: every minute); returns how many."""
    sent = 0
    for tenant in tenants_with_outbox():
        try:
            with tenant_context(tenant):
                sent += len(outbox_sweep())
        except DatabaseError:  # one broken schema must not stop the others
            logger.exception("outbox sweep failed for tenant %s", tenant.schema_name)
    return sent
