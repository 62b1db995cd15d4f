"""The lean INSERT of the hot path writes a row exactly as the ORM's create would."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.outbox.models import OutboxMessage
from county_platform.db import row_insert
from permissions.models import Department

pytestmark = pytest.mark.django_db

COLUMNS = ("name", "code", "created_at")


def test_a_row_inserted_reads_back_as_the_orm_would_have_written_it(town_a):
    before = timezone.now()
    with schema_context(town_a.schema_name):
        lean = row_insert(Department(name="财政所", code="CZS"))
        orm = Department.objects.create(name="财政所二", code="CZS2")
        stored = Department.objects.filter(pk=lean.pk).values(*COLUMNS).get()
        orm_stored = Department.objects.filter(pk=orm.pk).values(*COLUMNS).get()

    assert lean.pk is not None and not lean._state.adding
    assert stored == {name: getattr(lean, name) for name in COLUMNS}  # auto_now_add filled
    assert stored["created_at"] >= before
    # every column of the same kind as the ORM writes (none left NULL, no text for a date)
    assert {k: type(v) for k, v in stored.items()} == {k: type(v) for k, v in orm_stored.items()}


def test_the_database_still_refuses_what_it_refuses(town_a):
    with schema_context(town_a.schema_name):
        row_insert(Department(name="财政所", code="CZS"))
        with pytest.raises(IntegrityError), transaction.atomic():
            row_insert(Department(name="另一个", code="CZS"))  # the code is unique
        count = Department.objects.filter(code="CZS").count()

    assert count == 1


def test_a_model_whose_id_is_not_generated_by_the_database_is_refused():
    with pytest.raises(TypeError, match="id the database generates"):
        row_insert(OutboxMessage(topic="email"))
