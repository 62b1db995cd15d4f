"""Writing the audit chain: the only way an AuditEvent row comes to exist."""

from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from apps.audit.chain import GENESIS_HASH, event_hash, normalize
from apps.audit.models import AuditEvent

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
