"""The audit table is append-only in the database: UPDATE, DELETE and TRUNCATE are refused."""

import pytest
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

REFUSED = {
    "UPDATE": "UPDATE audit_auditevent SET action = 'forged' WHERE seq = 1",
    "DELETE": "DELETE FROM audit_auditevent WHERE seq = 1",
    "TRUNCATE": "TRUNCATE audit_auditevent",
}


def _events(tenant) -> list[tuple]:
    with schema_context(tenant.schema_name):
        return list(AuditEvent.objects.order_by("seq").values_list("seq", "action", "hash"))


@pytest.mark.parametrize("operation", sorted(REFUSED))
def test_changing_an_event_is_refused_by_the_database(town_a, operation):
    before = _events(town_a)

    with (
        schema_context(town_a.schema_name),
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(REFUSED[operation])

    assert _events(town_a) == before
    assert before[0][1] == "tenant.created"


def test_the_orm_cannot_change_an_event_either(town_a):
    with schema_context(town_a.schema_name):
        event = AuditEvent.objects.get(seq=1)
        event.action = "forged"
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            event.save(update_fields=["action"])
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(seq=1).delete()

        assert AuditEvent.objects.get(seq=1).action == "tenant.created"


def test_every_tenant_schema_has_the_triggers(county):
    tenants = Tenant.objects.exclude(schema_name="public")
    schemas = list(tenants.values_list("schema_name", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, t.tgname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'audit_auditevent' AND NOT t.tgisinternal AND t.tgenabled = 'O'"
        )
        found = set(cursor.fetchall())

    expected = {
        (schema, trigger)
        for schema in schemas
        for trigger in ("audit_event_no_update_delete", "audit_event_no_truncate")
    }
    assert expected <= found
    assert len(schemas) >= 3
