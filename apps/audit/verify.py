"""Checking a tenant's audit chain: every link, every hash, and the last published head."""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.chain import GENESIS_HASH, event_hash
from apps.audit.models import AuditEvent
from apps.audit.selectors import events_in_order, head_published_last
from tenants.models import AuditHeadPublication, Tenant


class BreakReason(StrEnum):
    GAP = "gap"  # a seq is missing: a row was removed
    BROKEN_LINK = "broken_link"  # prev_hash is not the previous event's hash: reordered, removed
    ALTERED = "altered"  # the stored fields no longer give the stored hash
    TAIL_CUT = "tail_cut"  # fewer events than a published head counted
    REWRITTEN = "rewritten"  # the event at the published count has another hash


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: BreakReason
    message: str


@dataclass(frozen=True)
class ChainReport:
    count: int  # events walked before the first break (all of them when intact)
    head_hash: str
    published_count: int | None
    broken: ChainBreak | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _when(published: AuditHeadPublication) -> str:
    return f"{timezone.localtime(published.published_at):%Y-%m-%d %H:%M}"


def _stored_fields(event: AuditEvent) -> dict:
    return {
        "seq": event.seq,
        "created_at": event.created_at,
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "post": event.post,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
    }


def _event_break(event: AuditEvent, *, expected_seq: int, prev_hash: str) -> ChainBreak | None:
    """What is wrong with `event` as the successor of a sound chain ending in `prev_hash`."""
    if event.seq != expected_seq:
        return ChainBreak(
            expected_seq,
            BreakReason.GAP,
            f"序号不连续：应为第 {expected_seq} 条，实际为第 {event.seq} 条（事件被删除）。",
        )
    if event.prev_hash != prev_hash:
        return ChainBreak(
            event.seq,
            BreakReason.BROKEN_LINK,
            f"第 {event.seq} 条事件的前一哈希与上一条事件不符（事件被删除或调换顺序）。",
        )
    if event_hash(prev_hash=event.prev_hash, **_stored_fields(event)) != event.hash:
        return ChainBreak(
            event.seq, BreakReason.ALTERED, f"第 {event.seq} 条事件的内容与其哈希不符（被篡改）。"
        )
    return None


def _published_break(published: AuditHeadPublication, *, seq: int, hash_: str) -> ChainBreak | None:
    if seq != published.count or hash_ == published.head_hash:
        return None
    return ChainBreak(
        seq,
        BreakReason.REWRITTEN,
        f"第 {seq} 条事件的哈希与 {_when(published)} 发布的链头不符（链条被重写）。",
    )


def _tail_break(published: AuditHeadPublication | None, *, count: int) -> ChainBreak | None:
    if published is None or count >= published.count:
        return None
    return ChainBreak(
        count + 1,
        BreakReason.TAIL_CUT,
        f"链条只有 {count} 条事件，但 {_when(published)} 发布的链头"
        f"已有 {published.count} 条（链尾被截断）。",
    )


def chain_check(
    *, events: Iterable[AuditEvent], published: AuditHeadPublication | None
) -> ChainReport:
    """Walk `events` (in seq order) and report the first broken one, if any."""
    count, head = 0, GENESIS_HASH
    published_count = published.count if published else None
    for event in events:
        broken = _event_break(event, expected_seq=count + 1, prev_hash=head)
        if broken is None and published is not None:
            broken = _published_break(published, seq=event.seq, hash_=event.hash)
        if broken is not None:
            return ChainReport(
                count=count, head_hash=head, published_count=published_count, broken=broken
            )
        count, head = event.seq, event.hash
    return ChainReport(
        count=count,
        head_hash=head,
        published_count=published_count,
        broken=_tail_break(published, count=count),
    )


def verify_chain(*, tenant: Tenant, batch_size: int = 1000) -> ChainReport:
    """Verify `tenant`'s chain in its schema against the last head published for it."""
    published = head_published_last(tenant=tenant)
    with schema_context(tenant.schema_name):
        return chain_check(events=events_in_order(batch_size=batch_size), published=published)
