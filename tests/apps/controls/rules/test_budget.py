"""Budget rules: each fires on real data and stays quiet where there is nothing to say."""

from datetime import date

import pytest
from django_tenants.utils import schema_context

from tests.apps.controls.rules.helpers import office_make, request_paid, scan

pytestmark = pytest.mark.django_db


def test_execution_ahead_of_year_fires(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        request_paid(people, indicator, amount="90000.00")

        alerts = scan("execution_ahead_of_year", today=date(2026, 3, 1))

    assert [(a.object_type, a.object_id, a.severity) for a in alerts] == [
        ("budget_indicator", str(indicator.pk), "warn")]
    assert "已执行 90.0%" in alerts[0].message


def test_execution_ahead_of_year_quiet(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        request_paid(people, indicator, amount="40000.00")

        assert scan("execution_ahead_of_year", today=date(2026, 3, 1)) == []
