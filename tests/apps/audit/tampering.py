"""What an attacker with a superuser's connection does to a tenant's audit table."""

from contextlib import contextmanager

from django.db import connection, transaction

from apps.audit.services import audit_record

# Every column of an event but its identity (id) and its place (seq).
_CONTENT = (
    "created_at", "actor_id", "actor_username", "post", "action", "object_type", "object_id",
    "before", "after", "prev_hash", "hash",
)  # fmt: skip


@contextmanager
def triggers_bypassed():
    """Run as a superuser who switches row triggers off, for the rest of the block only."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")


def _execute(sql: str, params: list) -> int:
    with triggers_bypassed(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def event_alter(*, seq: int) -> None:
    """Change what event `seq` says, leaving its hash as it was."""
    changed = _execute(
        """UPDATE audit_auditevent SET after = '{"amount": "999999.00"}' WHERE seq = %s""", [seq]
    )
    assert changed == 1


def event_remove(*, seq: int) -> None:
    assert _execute("DELETE FROM audit_auditevent WHERE seq = %s", [seq]) == 1


def events_swap(*, seq_a: int, seq_b: int) -> None:
    """Swap the content (hashes included) of two events, so they appear in the other order."""
    assignments = ", ".join(f"{column} = other.{column}" for column in _CONTENT)
    sql = (
        f"UPDATE audit_auditevent AS event SET {assignments} "  # noqa: S608 - fixed column names
        "FROM audit_auditevent AS other WHERE (event.seq, other.seq) IN ((%s, %s), (%s, %s))"
    )
    assert _execute(sql, [seq_a, seq_b, seq_b, seq_a]) == 2


def tail_cut(*, keep: int) -> None:
    """Remove every event after `keep`: the chain that is left is internally sound."""
    assert _execute("DELETE FROM audit_auditevent WHERE seq > %s", [keep]) > 0


def chain_rewrite(*, keep: int, count: int) -> None:
    """Cut the chain after `keep` and write a sound, forged continuation up to `count`."""
    tail_cut(keep=keep)
    with transaction.atomic():
        for n in range(keep + 1, count + 1):
            audit_record(actor=None, action="forged", after={"n": n})
