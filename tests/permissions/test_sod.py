"""The pure conflict functions: every default pair, scopes, exceptions and their windows."""

from datetime import date

import pytest

from permissions import defaults
from permissions.sod import (
    ADMIN_NO_MONEY,
    Conflict,
    Rule,
    Waiver,
    admin_money_rules,
    conflicts_for,
    pairs_in_conflict,
)

RULES = [Rule(r.code, r.post_a, r.post_b, r.scope, r.article) for r in defaults.SOD]
POST_PAIRS = [
    pytest.param(r, first, second, id=f"{r.code}:{first}-then-{second}")
    for r in defaults.SOD if r.scope == "post"
    for first, second in ((r.post_a, r.post_b), (r.post_b, r.post_a))
]
DOCUMENT_RULES = [pytest.param(r, id=r.code) for r in defaults.SOD if r.scope == "document"]
TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(("rule", "held", "post"), POST_PAIRS)
def test_each_default_post_pair_conflicts_in_both_orders(rule, held, post):
    found = conflicts_for(post=post, held=[held], rules=RULES, on=TODAY)

    assert Conflict(post=post, rule=rule.code, article=rule.article, with_post=held) in found


@pytest.mark.parametrize("rule", DOCUMENT_RULES)
def test_document_scope_rules_do_not_bind_holding_posts(rule):
    found = conflicts_for(post=rule.post_a, held=[rule.post_b], rules=RULES, on=TODAY)

    assert rule.code not in {c.rule for c in found}


def test_unrelated_posts_do_not_conflict():
    assert conflicts_for(post="cashier", held=["handler", "dept_head"], rules=RULES, on=TODAY) == []


def test_every_held_conflicting_post_is_named_sorted():
    found = conflicts_for(post="cashier", held=["finance_reviewer", "accountant"], rules=RULES,
                          on=TODAY)

    assert [(c.with_post, c.rule) for c in found] == [
        ("accountant", "sod_cashier_accountant"),
        ("finance_reviewer", "sod_cashier_reviewer"),
    ]


def test_holding_the_post_itself_is_no_conflict():
    assert conflicts_for(post="cashier", held=["cashier"], rules=RULES, on=TODAY) == []


def test_a_live_approved_waiver_suppresses_only_its_rule():
    waiver = Waiver("sod_cashier_accountant", "approved", date(2026, 5, 1), date(2026, 6, 1))

    found = conflicts_for(post="cashier", held=["accountant", "finance_reviewer"], rules=RULES,
                          exceptions=[waiver], on=TODAY)

    assert [c.rule for c in found] == ["sod_cashier_reviewer"]


@pytest.mark.parametrize(
    "waiver",
    [
        pytest.param(Waiver("sod_cashier_accountant", "requested", date(2026, 5, 1),
                            date(2026, 7, 1)), id="requested"),
        pytest.param(Waiver("sod_cashier_accountant", "rejected", date(2026, 5, 1),
                            date(2026, 7, 1)), id="rejected"),
        pytest.param(Waiver("sod_cashier_accountant", "revoked", date(2026, 5, 1),
                            date(2026, 7, 1)), id="revoked"),
        pytest.param(Waiver("sod_cashier_accountant", "approved", date(2026, 6, 2),
                            date(2026, 7, 1)), id="not-yet-valid"),
        pytest.param(Waiver("sod_cashier_accountant", "approved", date(2026, 1, 1),
                            date(2026, 5, 31)), id="expired"),
        pytest.param(Waiver("sod_cashier_reviewer", "approved", date(2026, 5, 1),
                            date(2026, 7, 1)), id="other-rule"),
    ],
)
def test_a_waiver_that_is_not_live_approved_for_the_rule_does_not_allow(waiver):
    found = conflicts_for(post="cashier", held=["accountant"], rules=RULES, exceptions=[waiver],
                          on=TODAY)

    assert [c.rule for c in found] == ["sod_cashier_accountant"]


def test_admin_money_rules_bind_the_admin_to_every_money_post():
    money = [p.code for p in defaults.POSTS if p.holds_money]
    rules = admin_money_rules(admin_post="tenant_admin", money_posts=money)

    found = conflicts_for(post="tenant_admin", held=money + ["handler"], rules=rules, on=TODAY)

    assert sorted(c.with_post for c in found) == sorted(money)
    assert {c.rule for c in found} == {ADMIN_NO_MONEY}


def test_pairs_in_conflict_lists_post_rules_held_together():
    found = pairs_in_conflict(held=["cashier", "accountant", "handler", "leader"], rules=RULES)

    assert [r.code for r in found] == ["sod_cashier_accountant"]
