"""Writing the audit chain (the only way an AuditEvent row comes to exist) and its heads."""

from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.chain import GENESIS_HASH, event_hash, normalize
from apps.audit.models import AuditEvent
from apps.audit.selectors import chain_head, event_hash_at, head_published_last
from county_platform.db import row_insert
from county_platform.errors import DomainError
from county_platform.transactions import in_callers_transaction
from tenants.models import AuditHeadPublication, Tenant

# The advisory lock that serializes writers within one tenant schema: (7001, the schema).


# Two statements, one round trip: the lock, then the chain's last event. In READ COMMITTED
# each statement takes its own snapshot, so the second sees every event committed by the
# writer that held the lock before us.
_LOCK_AND_LAST = (
    "SELECT pg_advisory_xact_lock(7001, hashtext(current_schema()));"
    " SELECT seq, hash FROM audit_auditevent ORDER BY seq DESC LIMIT 1"
)


def _lock_chain() -> tuple[int, str] | None:
    """Take the tenant's chain lock (held to the end of the transaction) and read its last
    event (seq, hash), None for an empty chain."""
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_AND_LAST)
        cursor.nextset()
        return cursor.fetchone()


@in_callers_transaction
def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    before: Any = None,
    after: Any = None,
    post: str = "",
) -> AuditEvent:
    """Append one event to the current tenant's chain, inside the caller's transaction.

    Must be called inside `transaction.atomic` together with the change it records, so the
    change and its trail commit or roll back as one.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    last = _lock_chain()
    seq = (last[0] if last else 0) + 1
    prev_hash = last[1] if last else GENESIS_HASH
    fields = {
        "seq": seq,
        "created_at": timezone.now(),
        "actor_id": getattr(actor, "pk", None),
        "actor_username": getattr(actor, "username", "") or "",
        "post": post,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "before": normalize(before),
        "after": normalize(after),
    }
    # Written on every change of every document: a lean INSERT (the table is append-only).
    return row_insert(AuditEvent(prev_hash=prev_hash,
                                 hash=event_hash(prev_hash=prev_hash, **fields), **fields))


def _extends_published(*, published: AuditHeadPublication | None) -> bool:
    """Whether the current chain still holds the last published head at its place."""
    return published is None or event_hash_at(seq=published.count) == published.head_hash


@transaction.atomic
def audit_head_publish(*, tenant: Tenant) -> AuditHeadPublication:
    """Publish `tenant`'s chain head (count and hash) to the public schema.

    Refuses a head that does not extend the last one published: publishing over a cut or
    rewritten chain would make the cut invisible to `verify_audit`."""
    published = head_published_last(tenant=tenant)
    with schema_context(tenant.schema_name):
        if not _extends_published(published=published):
            raise DomainError(
                "audit_chain_diverged",
                f"{tenant.name}（{tenant.slug}）的审计链与上次发布的链头不一致，拒绝发布；"
                "请运行 verify_audit 检查。",
                409,
            )
        head = chain_head()
    return AuditHeadPublication.objects.create(
        tenant=tenant, count=head.count, head_hash=head.head_hash
    )
