"""Reads of the outbox: what is due, and which schemas keep one."""

from datetime import datetime

from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name

from apps.outbox.models import OutboxMessage
from apps.outbox.policy import MAX_ATTEMPTS
from tenants.models import Tenant


def messages_due(*, now: datetime) -> QuerySet[OutboxMessage]:
    """Undelivered messages of the current schema whose next attempt is due, oldest first;
    dead letters (MAX_ATTEMPTS failures) excluded."""
    return OutboxMessage.objects.filter(
        delivered_at__isnull=True, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS
    ).order_by("next_attempt_at")


def messages_new() -> QuerySet[OutboxMessage]:
    """Messages of the current schema never tried yet, oldest first (a new message's first
    attempt is due a lease after it was written, so this order is the order of writing)."""
    return OutboxMessage.objects.filter(delivered_at__isnull=True, attempts=0).order_by(
        "next_attempt_at")


def tenants_with_outbox() -> QuerySet[Tenant]:
    """Every active tenant: each schema but public has an outbox."""
    return (
        Tenant.objects.filter(is_active=True)
        .exclude(schema_name=get_public_schema_name())
        .order_by("schema_name")
    )
