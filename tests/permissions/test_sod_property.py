"""Simulate equals the real answer, and both equal an independent model of the rules, over
random assignment histories (random posts, start and end dates)."""

from datetime import date, timedelta

from django.db import transaction
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from county_platform.errors import DomainError
from permissions import defaults
from permissions.services import post_assign, post_assignment_end, post_assignment_simulate
from permissions.services import staff_add as staff_add_service

BASE = date(2026, 1, 1)
# Short ranges on purpose: periods often touch, so the "ends on the start day" and "starts
# later" edges come up in most runs.
POSTS = ["cashier", "accountant", "finance_reviewer", "asset_keeper", "acceptance_officer",
         "tenant_admin", "handler", "leader"]
MONEY = {p.code for p in defaults.POSTS if p.holds_money}
PAIRS = {frozenset((r.post_a, r.post_b)): r.code for r in defaults.SOD if r.scope == "post"}
PAIRS.update({frozenset(("tenant_admin", m)): "sod_admin_no_money" for m in MONEY})

step = st.tuples(
    st.sampled_from(POSTS),
    st.integers(min_value=0, max_value=12),
    st.one_of(st.none(), st.integers(min_value=0, max_value=6)),
)


def expected(held: list[tuple[str, date, date | None]], post: str, start: date):
    """The model: which earlier periods share a day with [start, ∞), and what that breaks."""
    overlapping = {code for code, _, end in held if end is None or end >= start}
    if post in overlapping:
        return ("already_assigned", frozenset())
    found = frozenset(
        (other, PAIRS[frozenset((post, other))])
        for other in overlapping if frozenset((post, other)) in PAIRS
    )
    return ("sod_conflict", found) if found else ("ok", frozenset())


def build(staff, history) -> list[tuple[str, date, date | None]]:
    """Apply `history` through the real services; the periods that were accepted."""
    held = []
    for code, offset, length in history:
        start = BASE + timedelta(days=offset)
        try:
            assignment = post_assign(actor=None, staff=staff, post_code=code, start_date=start)
        except DomainError:
            continue
        end = None if length is None else start + timedelta(days=length)
        if end is not None:
            post_assignment_end(actor=None, assignment=assignment, end_date=end)
        held.append((code, start, end))
    return held


def simulated(staff, post: str, start: date):
    try:
        answer = post_assignment_simulate(staff=staff, post_code=post, start_date=start)
    except DomainError as error:
        return (error.code, frozenset())
    found = frozenset((c["with_post"], c["rule"]) for c in answer["conflicts"])
    return ("ok", found) if answer["allowed"] else ("sod_conflict", found)


def real(staff, post: str, start: date):
    try:
        with transaction.atomic():
            post_assign(actor=None, staff=staff, post_code=post, start_date=start)
            transaction.set_rollback(True)
    except DomainError as error:
        found = frozenset((c["with_post"], c["rule"]) for c in error.extra.get("conflicts", []))
        return (error.code, found)
    return ("ok", frozenset())


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    history=st.lists(step, max_size=6),
    post=st.sampled_from(POSTS),
    offset=st.integers(min_value=0, max_value=12),
)
def test_simulate_equals_post_assign_over_random_histories(town_a, history, post, offset):
    start = BASE + timedelta(days=offset)
    with schema_context(town_a.schema_name), transaction.atomic():
        staff = staff_add_service(actor=None, username="prop-person", password="x" * 10)
        held = build(staff, history)

        simulation = simulated(staff, post, start)
        outcome = real(staff, post, start)
        transaction.set_rollback(True)

    assert simulation == outcome == expected(held, post, start)
