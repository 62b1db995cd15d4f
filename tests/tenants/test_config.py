"""The per-tenant configuration cache (tenants/config.py): a change to a duty rule, a process,
a rule tuning or a county parameter — by a service, a bulk write or a raw UPDATE — is seen
by the very next read, in the same transaction; a change rolled back is forgotten; an
unchanged configuration costs one small query."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.approvals.definitions import major_matter_amount, process_in_force
from apps.approvals.services import process_define
from apps.controls.rules.engine import rules_in_force
from apps.controls.tuning import rule_tune
from permissions.catalog.models import CountyParameter
from permissions.duties import document_rules
from permissions.models import Post, SodRule
from tenants.config import config_pinned, config_version, tenant_config
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

ROUTE = [{"name": "会计审核", "post_code": "accountant", "mode": "any"}]


def _pairs() -> set[frozenset]:
    return {frozenset((rule.post_a, rule.post_b)) for rule in document_rules()}


def _new_pair() -> tuple[Post, Post]:
    """Two posts no rule pairs yet."""
    taken = _pairs()
    posts = list(Post.objects.order_by("id"))
    return next((a, b) for a in posts for b in posts
                if a.pk < b.pk and frozenset((a.code, b.code)) not in taken)


def test_a_duty_rule_added_is_seen_by_the_next_read_in_the_same_transaction(town_a):
    with schema_context(town_a.schema_name):
        before = _pairs()
        a, b = _new_pair()
        SodRule.objects.create(code="new-pair", post_a=a, post_b=b, scope="document",
                               article="测试依据")
        after = _pairs()

    assert frozenset((a.code, b.code)) not in before
    assert after == before | {frozenset((a.code, b.code))}


def test_bulk_writes_and_raw_updates_are_seen_too(town_a):
    with schema_context(town_a.schema_name):
        a, b = _new_pair()
        SodRule.objects.bulk_create([SodRule(code="bulk-pair", post_a=a, post_b=b,
                                             scope="document", article="测试依据")])
        added = _pairs()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM permissions_sodrule WHERE code = 'bulk-pair'")
        removed = _pairs()

    assert frozenset((a.code, b.code)) in added
    assert frozenset((a.code, b.code)) not in removed


def test_a_change_rolled_back_is_forgotten(town_a):
    with schema_context(town_a.schema_name):
        before = _pairs()
        a, b = _new_pair()
        with pytest.raises(RuntimeError), transaction.atomic():
            SodRule.objects.create(code="rolled-back", post_a=a, post_b=b, scope="document",
                                   article="测试依据")
            inside = _pairs()
            raise RuntimeError("roll back")
        after = _pairs()

    assert frozenset((a.code, b.code)) in inside
    assert after == before


def test_an_unchanged_configuration_costs_one_small_query(town_a):
    with schema_context(town_a.schema_name):
        document_rules()
        with CaptureQueriesContext(connection) as queries:
            document_rules()
        with CaptureQueriesContext(connection) as pinned, config_pinned():
            document_rules()
            major_matter_amount()
            document_rules()

    assert len(queries) == 1
    assert "config_version" in queries[0]["sql"]
    assert len(pinned) <= 3  # one version read, plus at most one build of the parameter


def test_a_new_process_version_is_used_at_once(town_a):
    staff_make(town_a, posts=("accountant", "leader"))
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="spending_request", name="支出审批",
                       steps=ROUTE)
        first = [step.post_code for step in
                 process_in_force(document_type="spending_request").steps.all()]
        process_define(actor=None, document_type="spending_request", name="支出审批",
                       steps=ROUTE + [{"name": "分管领导审批", "post_code": "leader",
                                       "mode": "any"}])
        second = process_in_force(document_type="spending_request")

    assert first == ["accountant"]
    assert [step.post_code for step in second.steps.all()] == ["accountant", "leader"]


def test_a_township_tuning_a_rule_changes_the_rules_in_force(town_a):
    admin = staff_make(town_a, posts=("tenant_admin",)).user
    with schema_context(town_a.schema_name):
        before = {rule.spec.code: rule.params for rule in
                  rules_in_force(trigger="spending.submit")}
        rule_tune(actor=admin, code="purpose_too_short", parameters={"min_chars": 8})
        after = {rule.spec.code: rule.params for rule in
                 rules_in_force(trigger="spending.submit")}
        rule_tune(actor=admin, code="purpose_too_short", enabled=False)
        switched_off = {rule.spec.code for rule in rules_in_force(trigger="spending.submit")}

    assert before["purpose_too_short"]["min_chars"] == 5
    assert after["purpose_too_short"]["min_chars"] == 8
    assert "purpose_too_short" not in switched_off


def test_the_countys_parameter_reaches_its_townships_at_once(county, town_a, town_b):
    with schema_context(town_a.schema_name):
        before = major_matter_amount()
        version_before = config_version()
    CountyParameter.objects.filter(county=county, code="major_matter_amount").update(
        value=int(before) + 1000)
    with schema_context(town_a.schema_name):
        after_a = major_matter_amount()
        version_after = config_version()
    with schema_context(town_b.schema_name):
        after_b = major_matter_amount()

    assert after_a == after_b == before + Decimal(1000)
    assert version_after[0] == version_before[0]  # the township's own number did not move
    assert version_after[1] != version_before[1]  # its county's did


def test_each_tenant_has_its_own_configuration(town_a, town_b):
    with schema_context(town_a.schema_name):
        in_a = tenant_config("probe", lambda: "a")
    with schema_context(town_b.schema_name):
        in_b = tenant_config("probe", lambda: "b")
    with schema_context(town_a.schema_name):
        again_a = tenant_config("probe", lambda: "rebuilt")

    assert (in_a, in_b, again_a) == ("a", "b", "a")
