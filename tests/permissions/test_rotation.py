"""Rotation: tenure arithmetic (pure, with properties against a day-by-day oracle), the due
list, rotation plans and special audits on real PostgreSQL."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.audit.models import AuditEvent
from apps.controls.models import Alert, AlertStatus
from county_platform.errors import DomainError
from permissions.catalog.models import CountyParameter
from permissions.catalog.services import county_parameter_set
from permissions.models import Post, RotationPlan, SpecialAudit
from permissions.rotation import (
    add_months,
    audit_covering,
    months_between,
    rotation_check_run,
    rotation_due,
    rotation_plan_create,
    rotation_plan_done,
    special_audit_record,
    tenure,
)
from permissions.services import department_create, post_assign, post_assignment_end
from permissions.tightening import post_tighten
from tests.factories import staff_make

D = date
ONE = timedelta(days=1)


def held(spans, today, *, limit=60, gap=365):
    return tenure(spans, today=today, limit_months=limit, gap_reset_days=gap)


# --- calendar months ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2021, 1, 31), 1, D(2021, 2, 28)),
        (D(2020, 1, 31), 1, D(2020, 2, 29)),
        (D(2020, 2, 29), 12, D(2021, 2, 28)),
        (D(2020, 2, 29), 48, D(2024, 2, 29)),
        (D(2021, 8, 31), 1, D(2021, 9, 30)),
        (D(2021, 12, 15), 1, D(2022, 1, 15)),
        (D(2021, 3, 31), -1, D(2021, 2, 28)),
        (D(2021, 1, 1), 60, D(2026, 1, 1)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2021, 1, 31), D(2021, 2, 27), 0),
        (D(2021, 1, 31), D(2021, 2, 28), 1),
        (D(2021, 1, 31), D(2021, 3, 30), 1),
        (D(2021, 1, 31), D(2021, 3, 31), 2),
        (D(2020, 2, 29), D(2021, 2, 27), 11),
        (D(2020, 2, 29), D(2021, 2, 28), 12),
        (D(2021, 1, 1), D(2025, 12, 31), 59),
        (D(2021, 1, 1), D(2026, 1, 1), 60),
        (D(2021, 5, 5), D(2021, 5, 4), 0),
    ],
)
def test_months_between_counts_whole_calendar_months(start, end, expected):
    assert months_between(start, end) == expected


days_ = st.dates(min_value=D(1996, 1, 1), max_value=D(2035, 12, 31))


@given(start=days_, end=days_)
def test_months_between_is_the_largest_whole_month_count(start, end):
    months = months_between(start, end)

    if end >= start:
        assert add_months(start, months) <= end < add_months(start, months + 1)
    else:
        assert months == 0


# --- tenure over an assignment history ----------------------------------------------------


def test_a_continuous_assignment_reaches_sixty_months_on_the_fifth_anniversary():
    before = held([(D(2021, 1, 1), None)], D(2025, 12, 31))
    on_the_day = held([(D(2021, 1, 1), None)], D(2026, 1, 1))

    assert (before.since, before.months_held, before.due_date, before.overdue) == (
        D(2021, 1, 1), 59, D(2026, 1, 1), False,
    )
    assert (on_the_day.months_held, on_the_day.overdue) == (60, True)
    assert on_the_day.days_held == (D(2026, 1, 1) - D(2021, 1, 1)).days + 1


def test_leap_day_start_reaches_its_limit_on_the_last_day_of_february():
    t = held([(D(2020, 2, 29), None)], D(2021, 2, 28), limit=12)

    assert (t.months_held, t.due_date, t.overdue) == (12, D(2021, 2, 28), True)


def test_month_end_start_counts_a_month_at_the_shorter_month_end():
    t = held([(D(2021, 1, 31), None)], D(2021, 2, 28), limit=2)

    assert (t.months_held, t.due_date, t.overdue) == (1, D(2021, 3, 31), False)


def test_overlapping_assignments_in_two_departments_count_once():
    alone = held([(D(2020, 1, 1), None)], D(2024, 6, 30))
    both = held([(D(2020, 1, 1), None), (D(2021, 3, 1), D(2023, 1, 31))], D(2024, 6, 30))

    assert both == alone


def test_adjacent_reassignments_continue_the_run_without_a_gap():
    t = held([(D(2019, 1, 1), D(2020, 12, 31)), (D(2021, 1, 1), None)], D(2023, 1, 1))

    assert (t.since, t.months_held, t.due_date) == (D(2019, 1, 1), 48, D(2024, 1, 1))


def test_a_short_gap_is_bridged_and_not_counted():
    # 2020-01-01 .. 2020-02-29 not held: 60 days
    t = held([(D(2018, 1, 1), D(2019, 12, 31)), (D(2020, 3, 1), None)], D(2022, 6, 1))

    assert t.since == D(2018, 1, 1)
    assert t.days_held == (D(2022, 6, 1) - D(2018, 1, 1)).days + 1 - 60
    assert t.due_date == add_months(D(2018, 1, 1) + 60 * ONE, 60)


def test_a_gap_one_day_short_of_the_reset_is_bridged_and_one_as_long_starts_a_new_run():
    first = (D(2015, 1, 1), D(2018, 12, 31))
    bridged = held([first, (D(2018, 12, 31) + 365 * ONE, None)], D(2021, 1, 1), gap=365)
    reset = held([first, (D(2018, 12, 31) + 366 * ONE, None)], D(2021, 1, 1), gap=365)

    assert bridged.since == D(2015, 1, 1)
    assert reset.since == D(2020, 1, 1)
    assert reset.months_held == 12


@pytest.mark.parametrize(
    "spans",
    [
        [],
        [(D(2020, 1, 1), D(2024, 12, 31))],  # ended yesterday
        [(D(2025, 1, 2), None)],  # starts tomorrow
    ],
)
def test_a_post_not_held_today_has_no_tenure(spans):
    assert held(spans, D(2025, 1, 1)) is None


def test_an_assignment_ending_today_is_still_held():
    assert held([(D(2024, 1, 1), D(2025, 1, 1))], D(2025, 1, 1)).months_held == 12


def test_a_post_without_limit_is_never_due():
    t = held([(D(2000, 1, 1), None)], D(2025, 1, 1), limit=None)

    assert (t.months_held, t.limit_months, t.due_date, t.overdue) == (300, None, None, False)


BASE = D(2018, 1, 1)
# Each assignment starts `gap` days after the previous one's last day (negative: overlapping),
# with small numbers so that gaps of exactly the reset length turn up often.
span_ = st.tuples(st.integers(min_value=-120, max_value=90),
                  st.integers(min_value=0, max_value=400), st.booleans())


def _spans(raw):
    spans, last = [], -1
    for gap, length, open_ in raw:
        start = max(0, last + 1 + gap)
        spans.append((BASE + ONE * start, None if open_ else BASE + ONE * (start + length)))
        last = start + length
    return spans


def _oracle(spans, today, gap_reset):
    """Walk back day by day from today: (first day of the run, days held in it)."""
    days = {s + ONE * i for s, e in spans for i in range(((e or today) - s).days + 1)}
    if today not in days:
        return None
    day, count, since, gap = today, 0, today, 0
    while day >= BASE and gap < gap_reset:
        if day in days:
            count, since, gap = count + 1, day, 0
        else:
            gap += 1
        day -= ONE
    return since, count


@settings(max_examples=300, deadline=None)
@given(
    raw=st.lists(span_, max_size=6),
    today_offset=st.integers(min_value=0, max_value=2500),
    limit=st.integers(min_value=1, max_value=80),
    data=st.data(),
)
def test_tenure_agrees_with_a_day_by_day_oracle(raw, today_offset, limit, data):
    spans = _spans(raw)
    gaps = [gap + d for gap, _, _ in raw for d in (0, 1) if gap > 0]  # a reset at, or past, a gap
    gap_reset = data.draw(st.integers(min_value=1, max_value=60) | st.sampled_from(gaps or [1]))
    today = BASE + ONE * today_offset

    t = tenure(spans, today=today, limit_months=limit, gap_reset_days=gap_reset)
    expected = _oracle([(s, min(e or today, today)) for s, e in spans if s <= today], today,
                       gap_reset)

    if expected is None:
        assert t is None
    else:
        assert (t.since, t.days_held) == expected
        assert t.overdue == (t.months_held >= limit)
        assert t.overdue == (today >= t.due_date)


@pytest.mark.parametrize(
    ("performed", "expected"),
    [
        ([D(2024, 1, 1)], D(2024, 1, 1)),  # 366 days ago, its own day included: still valid
        ([D(2023, 12, 31)], None),  # 367 days ago
        ([D(2025, 1, 1)], D(2025, 1, 1)),
        ([D(2025, 1, 2)], None),  # in the future
        ([D(2019, 12, 31)], None),  # before the run began
        ([D(2024, 3, 1), D(2024, 9, 1)], D(2024, 9, 1)),
    ],
)
def test_a_special_audit_covers_the_run_for_its_validity(performed, expected):
    covering = audit_covering(performed, since=D(2020, 1, 1), today=D(2025, 1, 1),
                              valid_days=367)

    assert covering == expected


# --- the due list ----------------------------------------------------------------------------

def holder(tenant, post, start, *, name="", department=None):
    staff = staff_make(tenant, display_name=name)
    with schema_context(tenant.schema_name):
        post_assign(actor=None, staff=staff, post_code=post, start_date=start,
                    department=department)
    return staff


def today():
    return timezone.localdate()


def due_in(days: int, months: int = 60) -> date:
    """The start date that makes a `months` limit fall due `days` days from today."""
    return add_months(today() + days * ONE, -months)


@pytest.mark.django_db
def test_due_lists_holders_due_within_the_remind_window_and_overdue(town_a):
    soon = holder(town_a, "cashier", due_in(30), name="将到期")
    late = holder(town_a, "accountant", due_in(-40), name="已超期")
    holder(town_a, "asset_keeper", due_in(200), name="未到期")
    holder(town_a, "handler", D(2000, 1, 1), name="非关键岗位")

    with schema_context(town_a.schema_name):
        rows = rotation_due(tenant=town_a)

    assert [(r.staff.pk, r.post.code, r.tenure.overdue) for r in rows] == [
        (late.pk, "accountant", True),
        (soon.pk, "cashier", False),
    ]
    assert rows[1].tenure.due_date == today() + 30 * ONE
    assert rows[0].staff_name == "已超期"


@pytest.mark.django_db
def test_due_window_and_everyone_are_parameters(town_a):
    holder(town_a, "cashier", due_in(30))
    far = holder(town_a, "asset_keeper", due_in(200))

    with schema_context(town_a.schema_name):
        narrow = rotation_due(tenant=town_a, within_days=10)
        wide = rotation_due(tenant=town_a, within_days=365)
        everyone = rotation_due(tenant=town_a, everyone=True)

    assert narrow == []
    assert len(wide) == 2
    assert far.pk in {r.staff.pk for r in everyone}


@pytest.mark.django_db
def test_due_window_follows_the_county_parameter(town_a, county):
    holder(town_a, "cashier", due_in(30))
    parameter = CountyParameter.objects.get(county=county, code="rotation_remind_days")
    county_parameter_set(actor=None, parameter=parameter, value=20)

    with schema_context(town_a.schema_name):
        assert rotation_due(tenant=town_a) == []


@pytest.mark.django_db
def test_the_limit_is_the_tenants_own_shorter_tenure_and_its_own_key_posts(town_a):
    holder(town_a, "cashier", add_months(today(), -37))
    holder(town_a, "seal_keeper", add_months(today(), -40))
    with schema_context(town_a.schema_name):
        post_tighten(actor=None, post=Post.objects.get(code="cashier"), max_tenure_months=36)
        post_tighten(actor=None, post=Post.objects.get(code="seal_keeper"), is_key=True)
        rows = rotation_due(tenant=town_a)

    assert [(r.post.code, r.tenure.limit_months, r.tenure.overdue) for r in rows] == [
        ("cashier", 36, True)
    ]
    with schema_context(town_a.schema_name):
        everyone = rotation_due(tenant=town_a, everyone=True)
    assert ("seal_keeper", None) in {(r.post.code, r.tenure.due_date) for r in everyone}


@pytest.mark.django_db
def test_tenure_continues_across_a_reassignment_to_another_department(town_a):
    start = due_in(-10)
    staff = holder(town_a, "cashier", start)
    with schema_context(town_a.schema_name):
        other = department_create(actor=None, name="财政办", code="rotation-fin")
        post_assignment_end(actor=None, assignment=staff.assignments.get(),
                            end_date=today() - 400 * ONE)
        post_assign(actor=None, staff=staff, post_code="cashier", department=other,
                    start_date=today() - 300 * ONE)
        row = rotation_due(tenant=town_a, everyone=True)[0]

    gap = 99  # not held: the days strictly between today-400 and today-300
    assert row.tenure.since == start
    assert row.tenure.days_held == (today() - start).days + 1 - gap
    assert row.tenure.due_date == add_months(start + gap * ONE, 60)


@pytest.mark.django_db
def test_a_left_post_is_not_listed(town_a):
    staff = holder(town_a, "cashier", due_in(-10))
    with schema_context(town_a.schema_name):
        post_assignment_end(actor=None, assignment=staff.assignments.get(),
                            end_date=today() - ONE)
        assert rotation_due(tenant=town_a, everyone=True) == []


@pytest.mark.django_db
def test_a_covering_special_audit_is_shown_on_the_row(town_a):
    staff = holder(town_a, "cashier", due_in(-10))
    with schema_context(town_a.schema_name):
        audit = special_audit_record(
            actor=None, staff=staff, post_code="cashier", performed_on=today() - 5 * ONE,
            auditor="县审计局", reason="无人可接任", findings="账实相符",
        )
        row = rotation_due(tenant=town_a)[0]

    assert row.special_audit == audit
    assert row.audit_valid_until == today() - 5 * ONE + 364 * ONE
    assert row.tenure.overdue


# --- plans ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_plan_create_and_done_are_audited(town_a):
    staff = holder(town_a, "cashier", due_in(30))
    successor = staff_make(town_a)
    with schema_context(town_a.schema_name):
        before = AuditEvent.objects.count()
        plan = rotation_plan_create(actor=None, staff=staff, post_code="cashier",
                                    planned_date=today() + 20 * ONE, successor=successor,
                                    note="与会计互换")
        rotation_plan_done(actor=None, plan=plan)
        plan.refresh_from_db()
        actions = list(AuditEvent.objects.order_by("seq")[before:].values_list("action",
                                                                                flat=True))

    assert (plan.done, plan.successor_id, plan.note) == (True, successor.pk, "与会计互换")
    assert actions == ["rotation_plan.created", "rotation_plan.done"]


@pytest.mark.parametrize(
    ("planned", "post", "code", "status"),
    [
        (-1, "cashier", "planned_date_past", 422),
        (10, "accountant", "post_not_held", 422),
        (10, "no_such_post", "unknown_post", 400),
    ],
)
@pytest.mark.django_db
def test_plan_refusals_change_nothing(town_a, planned, post, code, status):
    staff = holder(town_a, "cashier", due_in(30))
    with schema_context(town_a.schema_name):
        with pytest.raises(DomainError) as refused:
            rotation_plan_create(actor=None, staff=staff, post_code=post,
                                 planned_date=today() + planned * ONE)
        assert RotationPlan.objects.count() == 0

    assert (refused.value.code, refused.value.status) == (code, status)


@pytest.mark.django_db
def test_a_second_open_plan_for_the_same_post_is_409_and_done_twice_is_409(town_a):
    staff = holder(town_a, "cashier", due_in(30))
    with schema_context(town_a.schema_name):
        plan = rotation_plan_create(actor=None, staff=staff, post_code="cashier",
                                    planned_date=today())
        with pytest.raises(DomainError) as duplicate:
            rotation_plan_create(actor=None, staff=staff, post_code="cashier",
                                 planned_date=today())
        rotation_plan_done(actor=None, plan=plan)
        with pytest.raises(DomainError) as twice:
            rotation_plan_done(actor=None, plan=plan)

    assert (duplicate.value.code, twice.value.code) == ("plan_exists", "plan_done")


@pytest.mark.django_db
def test_the_successor_must_be_someone_else(town_a):
    staff = holder(town_a, "cashier", due_in(30))
    with schema_context(town_a.schema_name), pytest.raises(DomainError) as refused:
        rotation_plan_create(actor=None, staff=staff, post_code="cashier",
                             planned_date=today(), successor=staff)

    assert refused.value.code == "invalid_successor"


@pytest.mark.django_db
def test_a_successor_who_would_hold_incompatible_posts_is_refused_naming_the_pair(town_a):
    staff = holder(town_a, "cashier", due_in(30))
    successor = staff_make(town_a, posts=("accountant",))
    with schema_context(town_a.schema_name):
        before = AuditEvent.objects.count()
        with pytest.raises(DomainError) as refused:
            rotation_plan_create(actor=None, staff=staff, post_code="cashier",
                                 planned_date=today() + 20 * ONE, successor=successor)
        assert (RotationPlan.objects.count(), AuditEvent.objects.count()) == (0, before)

    assert (refused.value.code, refused.value.status) == ("sod_conflict", 422)
    assert [(c["rule"], c["with_post"]) for c in refused.value.extra["conflicts"]] == [
        ("sod_cashier_accountant", "accountant")]
    assert "出纳与会计不得由一人兼任" in refused.value.detail


@pytest.mark.django_db
def test_a_successor_whose_incompatible_post_ends_before_the_planned_date_is_accepted(town_a):
    staff = holder(town_a, "cashier", due_in(30))
    successor = staff_make(town_a, posts=("accountant",))
    planned = today() + 20 * ONE
    with schema_context(town_a.schema_name):
        accountant = successor.assignments.get(post__code="accountant")
        post_assignment_end(actor=None, assignment=accountant, end_date=planned - ONE)

        plan = rotation_plan_create(actor=None, staff=staff, post_code="cashier",
                                    planned_date=planned, successor=successor)

    assert (plan.successor_id, plan.planned_date) == (successor.pk, planned)


# --- special audits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("post", "performed", "code"),
    [
        ("cashier", 1, "performed_in_future"),
        ("handler", 0, "not_key_post"),
        ("accountant", 0, "post_not_held"),
    ],
)
@pytest.mark.django_db
def test_special_audit_refusals_change_nothing(town_a, post, performed, code):
    staff = holder(town_a, "cashier", due_in(30))
    with schema_context(town_a.schema_name):
        post_assign(actor=None, staff=staff, post_code="handler", start_date=due_in(30))
        with pytest.raises(DomainError) as refused:
            special_audit_record(actor=None, staff=staff, post_code=post,
                                 performed_on=today() + performed * ONE, auditor="审计",
                                 reason="无人接任", findings="无")
        assert SpecialAudit.objects.count() == 0

    assert refused.value.code == code


@pytest.mark.django_db
def test_recording_a_special_audit_closes_the_overdue_alert_it_covers(town_a):
    staff = holder(town_a, "cashier", due_in(-10))
    with schema_context(town_a.schema_name):
        rotation_check_run(tenant=town_a)
        alert = Alert.objects.get(rule="rotation_overdue")
        special_audit_record(actor=None, staff=staff, post_code="cashier",
                             performed_on=today(), auditor="县审计局", reason="无人可接任",
                             findings="账实相符")
        alert.refresh_from_db()
        actions = list(AuditEvent.objects.order_by("-seq")[:2].values_list("action", flat=True))

    assert alert.status == AlertStatus.CLOSED
    assert actions == ["alert.closed", "special_audit.recorded"]


