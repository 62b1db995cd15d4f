"""The five submission controls, each with its code, and the ledger invariant after each."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from apps.budget.controls import Draw, budget_commit
from apps.budget.ledger import budget_execute, budget_release, indicator_adjust
from apps.budget.models import BudgetProject, DepartmentLimit, EconomicSubject, SubjectTotal
from county_platform.errors import DomainError
from tests.apps.budget.helpers import YEAR, indicator_make, ledger_matches_counters

pytestmark = pytest.mark.django_db


def _commit(indicator_id, amount, subject_id=None, doc="1"):
    budget_commit(actor=None, draws=[Draw(indicator_id, Decimal(amount), subject_id)],
                  document_type="spending_request", document_id=doc, year=YEAR)


def _refused(indicator_id, amount, subject_id=None) -> str:
    with pytest.raises(DomainError) as refused:
        _commit(indicator_id, amount, subject_id)
    assert refused.value.status == 422
    return refused.value.code


def test_commit_freezes_the_amount_and_the_ledger_agrees(town_a):
    with schema_context(town_a.schema_name):
        indicator = indicator_make(amount="100.00")
        _commit(indicator.pk, "40.00")
        indicator.refresh_from_db()

        assert (indicator.committed, indicator.available) == (Decimal("40.00"), Decimal("60.00"))
        assert ledger_matches_counters()


def test_no_indicator_or_another_years_is_no_budget(town_a):
    with schema_context(town_a.schema_name):
        old = indicator_make(year=YEAR - 1)

        assert _refused(None, "1.00") == "no_budget"
        assert _refused(old.pk, "1.00") == "no_budget"


def test_more_than_available_is_over_budget_and_nothing_is_frozen(town_a):
    with schema_context(town_a.schema_name):
        indicator = indicator_make(amount="100.00")
        _commit(indicator.pk, "90.00", doc="a")

        assert _refused(indicator.pk, "10.01") == "over_budget"
        indicator.refresh_from_db()
        assert indicator.committed == Decimal("90.00")
        assert ledger_matches_counters()


def test_subject_outside_the_projects_scope_is_out_of_scope(town_a):
    with schema_context(town_a.schema_name):
        first = indicator_make()
        project = BudgetProject.objects.create(code="P1", name="村道维修",
                                               department=first.department)
        project.allowed_subjects.set(EconomicSubject.objects.filter(code__in=["30213"]))
        indicator = indicator_make(subject="30213", project=project)
        meeting = EconomicSubject.objects.get(code="30215")

        assert _refused(indicator.pk, "1.00", subject_id=meeting.pk) == "out_of_scope"


def test_department_limit_across_indicators_is_over_department_limit(town_a):
    with schema_context(town_a.schema_name):
        one = indicator_make(amount="100.00", subject="30217")
        two = indicator_make(amount="100.00", subject="30217", department=one.department)
        DepartmentLimit.objects.create(year=YEAR, department=one.department,
                                       subject=one.subject, amount=Decimal("120.00"))
        _commit(one.pk, "100.00", doc="a")

        assert _refused(two.pk, "20.01") == "over_department_limit"
        _commit(two.pk, "20.00", doc="b")


def test_tenant_wide_subject_total_is_over_subject_total(town_a):
    with schema_context(town_a.schema_name):
        one = indicator_make(amount="100.00", subject="30231")
        two = indicator_make(amount="100.00", subject="30231")
        SubjectTotal.objects.create(year=YEAR, subject=one.subject, amount=Decimal("150.00"))
        _commit(one.pk, "100.00", doc="a")

        assert _refused(two.pk, "50.01") == "over_subject_total"


def test_release_and_execute_move_the_counters_and_keep_the_invariant(town_a):
    with schema_context(town_a.schema_name):
        indicator = indicator_make(amount="100.00")
        _commit(indicator.pk, "60.00", doc="x")
        budget_execute(actor=None, indicator_id=indicator.pk, amount=Decimal("25.00"),
                       document_type="spending_request", document_id="x")
        released = budget_release(actor=None, document_type="spending_request", document_id="x")
        indicator.refresh_from_db()

        assert released == Decimal("35.00")
        assert (indicator.committed, indicator.executed) == (Decimal("0.00"), Decimal("25.00"))
        assert ledger_matches_counters()


def test_paying_more_than_the_document_holds_is_refused(town_a):
    with schema_context(town_a.schema_name):
        indicator = indicator_make(amount="100.00")
        _commit(indicator.pk, "10.00", doc="x")

        with pytest.raises(DomainError) as refused:
            budget_execute(actor=None, indicator_id=indicator.pk, amount=Decimal("10.01"),
                           document_type="spending_request", document_id="x")
        assert refused.value.code == "over_committed"


def test_an_adjustment_cannot_go_below_what_is_used(town_a):
    with schema_context(town_a.schema_name):
        indicator = indicator_make(amount="100.00")
        _commit(indicator.pk, "70.00")

        with pytest.raises(DomainError):
            indicator_adjust(actor=None, indicator_id=indicator.pk, delta=Decimal("-30.01"),
                             document_type="budget_adjustment", document_id="1")
        indicator_adjust(actor=None, indicator_id=indicator.pk, delta=Decimal("50.00"),
                         document_type="budget_adjustment", document_id="1")
        assert ledger_matches_counters()


@pytest.mark.parametrize("amount", ["0", "-1", "1.001", "abc", "NaN", "Infinity"])
def test_malformed_amounts_are_a_400(town_a, amount):
    with schema_context(town_a.schema_name):
        indicator = indicator_make()
        with pytest.raises(DomainError) as refused:
            budget_commit(actor=None, draws=[Draw(indicator.pk, amount)],
                          document_type="spending_request", document_id="1", year=YEAR)

    assert refused.value.status == 400


def test_the_database_refuses_counters_beyond_the_amount(town_a):
    with schema_context(town_a.schema_name):
        indicator = indicator_make(amount="100.00")
        with pytest.raises(DatabaseError), transaction.atomic():
            connection.cursor().execute(
                "UPDATE budget_budgetindicator SET committed = 100.01 WHERE id = %s",
                [indicator.pk])


def test_the_ledger_is_append_only(town_a):
    with schema_context(town_a.schema_name):
        indicator_make()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute("UPDATE budget_ledgerentry SET committed_delta = 1")


def test_the_classification_is_loaded_with_sangong_flags(town_a):
    with schema_context(town_a.schema_name):
        sangong = set(EconomicSubject.objects.filter(is_sangong=True)
                      .values_list("code", flat=True))
        classes = set(EconomicSubject.objects.filter(parent=None).values_list("code", flat=True))

    assert sangong == {"30212", "30217", "30231", "31013"}
    assert {"301", "302", "303", "307", "309", "310", "312", "399"} <= classes
