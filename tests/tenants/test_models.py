"""Published audit heads cannot be changed or removed, even with raw SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from tenants.models import AuditHeadPublication

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE tenants_auditheadpublication SET count = 0",
        "DELETE FROM tenants_auditheadpublication",
        "TRUNCATE tenants_auditheadpublication CASCADE",
    ],
)
def test_published_heads_are_append_only(town_a, statement):
    AuditHeadPublication.objects.create(tenant=town_a, count=3, head_hash="a" * 64)
    connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(statement)

    assert AuditHeadPublication.objects.filter(tenant=town_a, count=3).exists()


def test_users_are_never_deleted(town_a):
    from tests.factories import user_make

    user = user_make()
    with pytest.raises(DatabaseError, match="never deleted"), transaction.atomic():
        connection.cursor().execute("DELETE FROM tenants_user WHERE id = %s", [user.pk])

    assert type(user).objects.filter(pk=user.pk).exists()


def test_a_new_tenant_adds_almost_no_triggers_to_the_shared_users_table(county):
    from tenants.services import tenant_create

    def triggers() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'tenants_user'::regclass")
            return cursor.fetchone()[0]

    before = triggers()
    tenant_create(actor=None, slug="fk-probe", name="探针镇", kind="town", parent=county)

    # Only django-guardian's own user reference (two RI triggers) remains.
    assert triggers() - before <= 2
