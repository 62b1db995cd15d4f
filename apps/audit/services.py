"""Writing the audit chain (the only way an AuditEvent row comes to exist) and its heads."""

from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.chain import GENESIS_HASH, event_hash, normalize
from apps.audit.models import AuditEvent
from apps.audit.selectors import chain_head, event_hash_at, head_published_last
from county_platform.errors import DomainError
from tenants.models import AuditHeadPublication, Tenant

# First key of the advisory lock that serializes writers within one tenant schema.
_AUDIT_LOCK_CLASS = 7001


def _lock_chain() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", [_AUDIT_LOCK_CLASS]
        )


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
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    _lock_chain()
    last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    seq = (last["seq"] if last else 0) + 1
    prev_hash = last["hash"] if last else GENESIS_HASH
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
    return AuditEvent.objects.create(
        prev_hash=prev_hash, hash=event_hash(prev_hash=prev_hash, **fields), **fields
    )


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
