"""Reads of the audit chain."""

from dataclasses import dataclass

from apps.audit.chain import GENESIS_HASH
from apps.audit.models import AuditEvent


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
