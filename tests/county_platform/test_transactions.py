"""Services that are one step of their caller's transaction: no savepoint of their own, refused
outside a transaction, and a refusal leaves the caller's transaction as it was."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.approvals.services import approval_submit
from apps.budget.controls import Draw, budget_commit
from apps.budget.models import LedgerEntry
from county_platform.errors import DomainError
from tests.apps.budget.helpers import YEAR, indicator_make, ledger_matches_counters


@pytest.mark.parametrize("service, kwargs", [
    (budget_commit, {"actor": None, "draws": [], "document_type": "test", "document_id": "1",
                     "year": YEAR}),
    (approval_submit, {"actor": None, "document_type": "test", "document_id": "1",
                       "facts": {}}),
])
def test_a_step_of_a_submit_refuses_to_run_outside_a_transaction(service, kwargs):
    assert not connection.in_atomic_block

    with pytest.raises(RuntimeError, match="inside the transaction of the change"):
        service(**kwargs)


@pytest.mark.django_db
def test_a_commitment_makes_no_savepoint_of_its_own(town_a):
    with schema_context(town_a.schema_name):
        indicator = indicator_make(amount="100.00")
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            budget_commit(actor=None, draws=[Draw(indicator.pk, Decimal("30.00"))],
                          document_type="test", document_id="1", year=YEAR)
        indicator.refresh_from_db()

    # the caller's block (a savepoint inside the test's transaction) and its release; none more
    assert sum("SAVEPOINT" in q["sql"] for q in queries.captured_queries) == 2
    assert indicator.committed == Decimal("30.00")


@pytest.mark.django_db
def test_a_refused_commitment_leaves_the_callers_transaction_usable_and_unchanged(town_a):
    with schema_context(town_a.schema_name):
        indicator = indicator_make(amount="100.00")
        with transaction.atomic():
            budget_commit(actor=None, draws=[Draw(indicator.pk, Decimal("60.00"))],
                          document_type="test", document_id="1", year=YEAR)
            with pytest.raises(DomainError) as refused:
                budget_commit(actor=None, draws=[Draw(indicator.pk, Decimal("50.00"))],
                              document_type="test", document_id="2", year=YEAR)
            entries = LedgerEntry.objects.filter(indicator=indicator).count()
        indicator.refresh_from_db()
        consistent = ledger_matches_counters()

    assert refused.value.code == "over_budget"
    assert indicator.committed == Decimal("60.00")
    assert entries == 2  # the opening and the first commitment
    assert consistent
