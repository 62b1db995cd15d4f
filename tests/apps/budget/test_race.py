"""Race test against real PostgreSQL with real concurrent connections: 60 submissions of ¥10
released together against ¥100 available commit exactly ¥100, five times over, and the same
with two document types drawing on one indicator."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, schema_context

from apps.budget.controls import Draw, budget_commit
from county_platform.errors import DomainError
from tenants.services import tenant_create
from tests.apps.budget.helpers import YEAR, indicator_make, ledger_matches_counters

SUBMISSIONS = 60
ROUNDS = 5


@pytest.fixture(scope="module")
def race_tenant(django_db_setup, django_db_blocker):
    """A tenant of its own with committed data (the threads see only committed rows)."""
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"] == settings.DATABASES["default"]["TEST"]["NAME"]
        with schema_context(get_public_schema_name()):
            county = tenant_create(actor=None, slug=f"race-{uuid.uuid4().hex[:8]}",
                                   name="并发县", kind="county")
        yield county


def _submit(schema, indicator_id, document_type, n, barrier, outcomes):
    try:
        with schema_context(schema):
            barrier.wait(timeout=60)
            with transaction.atomic():  # a document's submit holds the transaction
                budget_commit(actor=None, draws=[Draw(indicator_id, Decimal("10.00"))],
                              document_type=document_type, document_id=str(n), year=YEAR)
            outcomes.append("accepted")
    except DomainError as refused:
        outcomes.append(refused.code)
    except Exception as error:  # reported, and fails the test
        outcomes.append(repr(error))
    finally:
        connection.close()


def _race(schema: str, document_types: list[str]) -> tuple[list[str], object]:
    with schema_context(schema):
        indicator = indicator_make(amount="100.00")
    barrier, outcomes = threading.Barrier(SUBMISSIONS), []
    threads = [
        threading.Thread(target=_submit, args=(schema, indicator.pk,
                                               document_types[n % len(document_types)], n,
                                               barrier, outcomes))
        for n in range(SUBMISSIONS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with schema_context(schema):
        indicator.refresh_from_db()
    return outcomes, indicator


@pytest.mark.parametrize("round_", range(ROUNDS))
@pytest.mark.parametrize("document_types", [["spending_request"],
                                            ["spending_request", "travel_request"]])
def test_sixty_concurrent_submissions_commit_exactly_the_amount(race_tenant, django_db_blocker,
                                                                round_, document_types):
    with django_db_blocker.unblock():
        outcomes, indicator = _race(race_tenant.schema_name, document_types)
        with schema_context(race_tenant.schema_name):
            consistent = ledger_matches_counters()

    assert sorted(outcomes) == sorted(["accepted"] * 10 + ["over_budget"] * 50)
    assert indicator.committed == Decimal("100.00")
    assert indicator.available == Decimal("0.00")
    assert consistent
