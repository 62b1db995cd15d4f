"""Audit fixtures: a tenant whose chain holds events of several shapes."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.audit.selectors import chain_head
from apps.audit.services import audit_record
from tests.factories import staff_make


@pytest.fixture(autouse=True)
def _public_schema_after():
    """Leave the connection in the public schema: a request through the tenant middleware
    switches it to the host's schema and nothing switches it back."""
    yield
    connection.set_schema_to_public()


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """Database access that commits (no per-test transaction), to the test database only.

    pytest-django creates the test database only when a selected test has a django_db mark;
    a test without one, selected alone, would otherwise write to the development database."""
    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"] != settings.DATABASES["default"]["TEST"]["NAME"]:
            pytest.fail("No test database: select at least one django_db test with this one.")
        yield


def head_of(tenant):
    with schema_context(tenant.schema_name):
        return chain_head()


def last_event_of(tenant) -> tuple[int, str]:
    """Seq and hash of the newest row, read straight from the table."""
    with schema_context(tenant.schema_name):
        return AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()


@pytest.fixture
def chain(town_a):
    """town_a with at least eight events: its own, two staff added, and five varied records."""
    staff_make(town_a)
    staff_make(town_a)
    with schema_context(town_a.schema_name), transaction.atomic():
        for n in range(5):
            audit_record(
                actor=None,
                action="test.recorded",
                object_type="budget.line",
                object_id=n,
                before={"amount": Decimal("12.50"), "on": datetime.date(2026, 1, n + 1)},
                after={"amount": Decimal("13.75"), "备注": "乡镇支出", "tags": [n, None, True]},
            )
    assert head_of(town_a).count >= 8
    return town_a
