"""The demo budget: a year of realistic indicators and requests in every state."""

import random
from decimal import Decimal

import pytest
from django.db.models import Sum
from django_tenants.utils import schema_context

from apps.budget.demo import budget_seed, spending_seed
from apps.budget.models import BudgetIndicator
from apps.expenditure.models import SpendingRequest
from tests.apps.budget.helpers import ledger_matches_counters
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

OFFICE = ("handler", "dept_head", "finance_reviewer", "leader", "principal", "accountant",
          "cashier")


def test_a_year_of_budget_and_requests_in_every_state(town_a):
    for post in OFFICE:
        staff_make(town_a, posts=(post,))
    with schema_context(town_a.schema_name):
        made = budget_seed(year=2026)
        again = budget_seed(year=2026)
        requests = spending_seed(year=2026, rng=random.Random(1))
        requests_again = spending_seed(year=2026, rng=random.Random(1))
        total = BudgetIndicator.objects.filter(year=2026).aggregate(t=Sum("amount"))["t"]
        states = set(SpendingRequest.objects.values_list("status", flat=True))
        consistent = ledger_matches_counters()

    assert made > 90 and again == 0 and requests == 10 and requests_again == 0
    assert Decimal("8000000") < total < Decimal("20000000")
    assert states == {"draft", "in_approval", "approved", "rejected", "returned", "withdrawn",
                      "partly_paid", "paid"}
    assert consistent
