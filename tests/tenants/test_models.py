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
