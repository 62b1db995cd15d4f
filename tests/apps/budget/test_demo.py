"""The demo budget: a year of realistic indicators and requests in every state."""

import random
from decimal import Decimal

import pytest
from django.db.models import Sum
from django_tenants.utils import schema_context

from apps.approvals.models import ApprovalTask, TaskStatus
from apps.budget.demo import budget_seed, spending_seed
from apps.budget.models import BudgetIndicator
from apps.controls.models import Alert
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


def test_demo_approvals_take_realistic_time_so_fast_approval_stays_rare(town_a):
    for post in OFFICE:
        staff_make(town_a, posts=(post,))
    with schema_context(town_a.schema_name):
        budget_seed(year=2026)
        spending_seed(year=2026, rng=random.Random(1))
        approved = ApprovalTask.objects.filter(status=TaskStatus.APPROVED).count()
        fast = Alert.objects.filter(rule="fast_approval").count()

    assert approved >= 10
    assert fast <= approved // 5  # the odd quick one shows the rule; not every decision
