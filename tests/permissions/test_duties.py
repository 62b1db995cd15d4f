"""Per-document duty checks: nobody decides on their own document, nobody performs two
incompatible steps of one document; each refusal names its rule."""

import pytest
from django_tenants.utils import schema_context

from permissions import defaults
from permissions.duties import (
    DocRule,
    DocStep,
    Refusal,
    check_compatible_steps,
    check_not_own_document,
    document_rules,
)

# As document_rules() orders them: rules about one document first, then the others.
RULES = [DocRule(r.code, r.post_a, r.post_b, r.article)
         for r in sorted(defaults.SOD, key=lambda r: r.scope != "document")]
ALICE, BOB = 101, 202


def check(actor_id, acting_post, history, rules=RULES, **kw):
    return check_compatible_steps(actor_id=actor_id, acting_post=acting_post,
                                  history=[DocStep(*step) for step in history], rules=rules, **kw)


def test_the_applicant_may_not_approve_their_own_document():
    refusal = check_not_own_document(actor_id=ALICE, applicant_id=ALICE)

    assert (refusal.code, refusal.rule) == ("self_approval", "no_self_approval")
    assert refusal.detail


def test_someone_else_may_approve_the_document():
    assert check_not_own_document(actor_id=BOB, applicant_id=ALICE) is None


def test_the_accountant_who_booked_a_payment_may_not_pay_it():
    refusal = check(ALICE, "cashier", [(BOB, "handler"), (ALICE, "accountant")])

    assert refusal == Refusal(
        "sod_conflict", "sod_bookkeeping_payment", refusal.detail
    )
    assert "sod_bookkeeping_payment" not in refusal.detail  # the article, not the code
    assert "会计核算与付款执行相互分离" in refusal.detail


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
@pytest.mark.parametrize("order", ["a_then_b", "b_then_a"])
def test_every_default_pair_is_refused_on_one_document_in_both_orders(rule, order):
    first, second = (rule.post_a, rule.post_b) if order == "a_then_b" else (
        rule.post_b, rule.post_a)

    refusal = check(ALICE, second, [(ALICE, first)])

    named = next(r for r in RULES if {r.post_a, r.post_b} == {rule.post_a, rule.post_b})
    assert (refusal.code, refusal.rule) == ("sod_conflict", named.code)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_a_pair_split_between_two_people_is_allowed(rule):
    assert check(ALICE, rule.post_b, [(BOB, rule.post_a)]) is None


def test_unrelated_posts_on_one_document_are_allowed():
    assert check(ALICE, "leader", [(ALICE, "budget_officer")]) is None


def test_acting_twice_in_the_same_post_is_allowed():
    assert check(ALICE, "leader", [(ALICE, "leader"), (BOB, "cashier")]) is None


def test_no_history_is_allowed():
    assert check(ALICE, "cashier", []) is None


def test_the_first_conflicting_step_names_the_rule():
    refusal = check(ALICE, "cashier", [(ALICE, "finance_reviewer"), (ALICE, "accountant")])

    assert refusal.rule == "sod_review_payment"


def test_a_tenant_rule_of_post_scope_also_binds_one_document():
    own = [("tenant_extra", "seal_keeper", "contract_officer", "本单位规定")]

    refusal = check(ALICE, "contract_officer", [(ALICE, "seal_keeper")], rules=own)

    assert refusal.rule == "tenant_extra"


def test_names_make_the_message_readable():
    refusal = check(ALICE, "cashier", [(ALICE, "accountant")],
                    names={"cashier": "出纳", "accountant": "会计"})

    assert "以会计身份办理，不得再以出纳身份办理" in refusal.detail


@pytest.mark.django_db
def test_document_rules_reads_the_tenants_pairs_of_both_scopes(town_a):
    with schema_context(town_a.schema_name):
        rules = document_rules()

    assert list(rules[: len(RULES)]) == RULES
    assert all(isinstance(rule, DocRule) for rule in rules)
    scopes = {r.scope for r in defaults.SOD if r.code in {rule.code for rule in rules}}
    assert scopes == {"post", "document"}
