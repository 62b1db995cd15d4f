"""The budget reference data a submission reads is cached per tenant, and never stale: the
controls and rules see a change to a project's scope or an account at once."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.budget.controls import Draw, budget_commit
from apps.budget.ledger import lock_indicators
from apps.budget.models import BudgetProject, EconomicSubject, FundAccount
from apps.budget.reference import reference_in_force
from county_platform.errors import DomainError
from tests.apps.budget.helpers import YEAR, indicator_make

pytestmark = pytest.mark.django_db


def _commit(indicator, subject, doc):
    budget_commit(actor=None, draws=[Draw(indicator.pk, Decimal("1.00"), subject.pk)],
                  document_type="spending_request", document_id=doc, year=YEAR)


def test_a_change_to_a_projects_scope_applies_to_the_next_submission(town_a):
    with schema_context(town_a.schema_name):
        roads = EconomicSubject.objects.get(code="30213")
        project = BudgetProject.objects.create(code="P9", name="村道维修",
                                               department=indicator_make().department)
        project.allowed_subjects.set([roads])
        indicator = indicator_make(subject="30213", project=project)
        _commit(indicator, roads, "1")  # the reference data is now cached

        project.allowed_subjects.remove(roads)
        with pytest.raises(DomainError) as refused:
            _commit(indicator, roads, "2")
        project.allowed_subjects.add(roads)
        _commit(indicator, roads, "3")

    assert refused.value.code == "out_of_scope"


def test_an_account_closed_by_any_means_is_seen_closed_at_once(town_a):
    with schema_context(town_a.schema_name):
        indicator = indicator_make()
        open_before = lock_indicators([indicator.pk])[indicator.pk].fund_account.is_active
        FundAccount.objects.filter(pk=indicator.fund_account_id).update(is_active=False)
        open_after = lock_indicators([indicator.pk])[indicator.pk].fund_account.is_active
        cached = reference_in_force()

    assert (open_before, open_after) == (True, False)
    assert cached.accounts[indicator.fund_account_id].is_active is False


def test_each_tenant_has_its_own_reference_data(town_a, town_b):
    with schema_context(town_b.schema_name):
        before_in_b = {a.name for a in reference_in_force().accounts.values()}
    with schema_context(town_a.schema_name):
        FundAccount.objects.create(name="甲镇零余额账户", kind="fiscal")
        in_a = {a.name for a in reference_in_force().accounts.values()}
    with schema_context(town_b.schema_name):
        in_b = {a.name for a in reference_in_force().accounts.values()}

    assert "甲镇零余额账户" in in_a
    assert "甲镇零余额账户" not in in_b and in_b == before_in_b
