"""County minimums as pure functions: what counts as looser, and merging a new version."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.approvals.county.minimums import condition_errors, loosenings, merge

BASE = {"name": "分管领导审批", "post_code": "leader", "same_department": False, "mode": "any",
        "condition": {"amount_gte": "10000.00", "subject_in": ["30201"],
                      "requires": ["minutes"]},
        "sla_hours": 16, "from_county": True}


@pytest.mark.parametrize(("change", "fields"), [
    ({"condition": {"amount_gte": "10000.01", "subject_in": ["30201"],
                    "requires": ["minutes"]}}, ["condition.amount_gte"]),
    ({"condition": {"amount_gte": "10000.00", "subject_in": [], "requires": ["minutes"]}},
     ["condition.subject_in"]),
    ({"condition": {"amount_gte": "10000.00", "subject_in": ["30201"]}},
     ["condition.requires"]),
    ({"condition": {**BASE["condition"], "flag": "major_matter"}}, ["condition.flag"]),
    ({"sla_hours": 17}, ["sla_hours"]),
    ({"post_code": "principal"}, ["post_code"]),
    ({"same_department": True}, ["same_department"]),
])
def test_each_loosening_is_named(change, fields):
    assert loosenings(BASE, {**BASE, **change}) == fields


def test_all_of_may_not_become_any_of():
    assert loosenings({**BASE, "mode": "all"}, BASE) == ["mode"]


@pytest.mark.parametrize("change", [
    {"condition": {"requires": ["minutes"]}},
    {"condition": {"amount_gte": "0.00", "subject_in": ["30201", "30211"],
                   "requires": ["minutes", "invoice"]}},
    {"mode": "all", "sla_hours": 1, "name": "改名"},
])
def test_tightenings_are_not_loosenings(change):
    assert loosenings(BASE, {**BASE, **change}) == []


@pytest.mark.parametrize("condition", [
    {"amount_gte": "-1"}, {"amount_gte": "NaN"}, {"subject_in": "30201"}, {"flag": ""},
    {"requires": ["selfie"]}, {"whatever": 1}, [],
])
def test_malformed_conditions_are_named(condition):
    assert condition_errors(condition) != []



amounts = st.none() | st.decimals(min_value=0, max_value=10**7, places=2).map(str)
subjects = st.none() | st.lists(st.sampled_from(["30201", "30211", "30217"]), unique=True)


@st.composite
def steps(draw):
    condition = {}
    for key, strategy in (("amount_gte", amounts), ("subject_in", subjects),
                          ("flag", st.none() | st.sampled_from(["major_matter", "urgent"]))):
        value = draw(strategy)
        if value is not None:
            condition[key] = value
    requires = draw(st.lists(st.sampled_from(["minutes", "invoice"]), unique=True))
    if requires:
        condition["requires"] = requires
    return {"name": "环节", "post_code": "leader", "same_department": False,
            "mode": draw(st.sampled_from(["any", "all"])), "condition": condition,
            "sla_hours": draw(st.integers(1, 40)), "from_county": True}


@given(old=steps(), new=steps(), own=steps())
def test_a_merged_step_is_never_looser_than_the_new_county_step(old, new, own):
    merged = merge(own, old, new)

    assert loosenings(new, merged) == []


@given(old=steps(), own=steps())
def test_an_unchanged_county_step_leaves_a_tightened_copy_as_it_is(old, own):
    if loosenings(old, own):
        return  # only copies the services accept
    assert merge(own, old, old) == own


