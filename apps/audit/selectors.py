"""Reads of the audit chain and of its published heads."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name

from apps.audit.chain import GENESIS_HASH
from apps.audit.models import AuditEvent
from tenants.models import AuditHeadPublication, Tenant


@dataclass(frozen=True)
class ChainHead:
    count: int
    head_hash: str


def chain_head() -> ChainHead:
    """Count and hash of the newest event of the current tenant's chain."""
    last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    if last is None:
        return ChainHead(count=0, head_hash=GENESIS_HASH)
    return ChainHead(count=last["seq"], head_hash=last["hash"])


def event_hash_at(*, seq: int) -> str | None:
    """The stored hash of event `seq` in the current tenant's chain; GENESIS_HASH for 0."""
    if seq == 0:
        return GENESIS_HASH
    return AuditEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()


def events_in_order(*, batch_size: int = 1000) -> Iterator[AuditEvent]:
    """Every event of the current tenant's chain by seq, fetched `batch_size` rows at a time.

    Keyset pagination on seq: memory stays flat however long the chain is, and it needs no
    server-side cursor (so it works behind a transaction-pooling proxy)."""
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    after = None
    while True:
        batch = AuditEvent.objects.order_by("seq")
        if after is not None:
            batch = batch.filter(seq__gt=after)
        rows = list(batch[:batch_size])
        yield from rows
        if len(rows) < batch_size:
            return
        after = rows[-1].seq


def head_published_last(*, tenant: Tenant) -> AuditHeadPublication | None:
    """The newest head published for `tenant` (a public-schema table, readable from anywhere)."""
    publications = AuditHeadPublication.objects.filter(tenant=tenant)
    return publications.order_by("-published_at", "-id").first()


def tenants_audited(*, active_only: bool = False, slug: str | None = None) -> QuerySet[Tenant]:
    """Tenants that keep an audit chain: all but the public schema's own row."""
    tenants = Tenant.objects.exclude(schema_name=get_public_schema_name()).order_by("slug")
    if active_only:
        tenants = tenants.filter(is_active=True)
    return tenants if slug is None else tenants.filter(slug=slug)
