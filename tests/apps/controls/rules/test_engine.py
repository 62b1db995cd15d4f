"""The engine: the county's library switches and bounds a rule, the township tunes it inside
those bounds and cannot switch off a block rule; a failing rule does not silence the others."""

from datetime import date

import pytest
from django_tenants.utils import schema_context

from apps.controls.library.models import CountyRule
from apps.controls.library.services import county_rule_update, library_sync
from apps.controls.models import RuleTuning
from apps.controls.rules.engine import rules_in_force
from apps.controls.rules.registry import all_rules
from county_platform.errors import DomainError
from tests.apps.controls.rules.helpers import office_make, request_paid, scan
from tests.factories import user_make

pytestmark = pytest.mark.django_db


def _params(code: str, trigger: str) -> dict | None:
    found = [r.params for r in rules_in_force(trigger=trigger) if r.spec.code == code]
    return found[0] if found else None


def test_every_county_gets_the_whole_library(county):
    assert set(CountyRule.objects.filter(county=county).values_list("code", flat=True)) == set(
        all_rules())


def test_sync_keeps_what_the_county_decided(county):
    with schema_context(county.schema_name):
        county_rule_update(actor=user_make(), county=county, code="cash_over_limit",
                           parameters={"limit": {"value": "500.00"}})

    library_sync(county=county)

    row = CountyRule.objects.get(county=county, code="cash_over_limit")
    assert row.parameters["limit"]["value"] == "500.00"
    assert row.title == all_rules()["cash_over_limit"].title


def test_a_county_value_outside_the_rules_hard_bounds_is_refused(county):
    with schema_context(county.schema_name), pytest.raises(DomainError) as refused:
        county_rule_update(actor=user_make(), county=county, code="cash_over_limit",
                           parameters={"limit": {"value": "5000.00"}})

    assert refused.value.code == "out_of_bounds"
    row = CountyRule.objects.get(county=county, code="cash_over_limit")
    assert row.parameters["limit"]["value"] == "1000.00"


def test_a_township_tunes_inside_the_county_bounds_only(county, town_a):
    with schema_context(county.schema_name):
        county_rule_update(actor=user_make(), county=county, code="execution_ahead_of_year",
                           parameters={"gap_percent": {"min": 10, "max": 40}})
    with schema_context(town_a.schema_name):
        RuleTuning.objects.create(code="execution_ahead_of_year",
                                  parameters={"gap_percent": 20})
        inside = _params("execution_ahead_of_year", "schedule")["gap_percent"]
        RuleTuning.objects.filter(code="execution_ahead_of_year").update(
            parameters={"gap_percent": 60})
        outside = _params("execution_ahead_of_year", "schedule")["gap_percent"]

    assert (inside, outside) == (20, 30)


def test_a_township_cannot_switch_off_a_block_rule_but_the_county_can(county, town_a):
    with schema_context(town_a.schema_name):
        RuleTuning.objects.create(code="cash_over_limit", enabled=False)
        still_on = _params("cash_over_limit", "payment.create")
    with schema_context(county.schema_name):
        county_rule_update(actor=user_make(), county=county, code="cash_over_limit",
                           enabled=False)
    with schema_context(town_a.schema_name):
        off = _params("cash_over_limit", "payment.create")

    assert still_on is not None
    assert off is None


def test_a_township_may_switch_off_a_warning_rule(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        request_paid(people, indicator, amount="90000.00")
        RuleTuning.objects.create(code="execution_ahead_of_year", enabled=False)

        assert scan("execution_ahead_of_year", today=date(2026, 3, 1)) == []


def test_a_situation_the_county_closed_is_not_raised_again_by_the_next_scan(town_a):
    from apps.controls.models import Alert
    from apps.controls.services import alert_close_by_key

    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        request_paid(people, indicator, amount="90000.00")
        [first] = scan("execution_ahead_of_year", today=date(2026, 3, 1))
        alert_close_by_key(dedupe_key=first.dedupe_key, note="已核实")

        again = scan("execution_ahead_of_year", today=date(2026, 3, 2))

        assert again == []
        assert Alert.objects.filter(rule="execution_ahead_of_year").count() == 1
