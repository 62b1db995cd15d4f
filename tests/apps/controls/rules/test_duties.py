"""Duty rules: each fires on real data and stays quiet where there is nothing to say; the rules
that share a code with the duty modules' own checks never raise a second alert."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.controls.services import alert_close_by_key
from permissions.exceptions import (
    sod_exception_decide,
    sod_exception_request,
    sod_exceptions_expire,
)
from permissions.models import Post, StaffMember
from permissions.rotation import (
    add_months,
    rotation_check_run,
    rotation_plan_create,
    special_audit_record,
)
from permissions.services import post_assign, post_assignment_end
from permissions.tightening import sod_rule_add
from tests.apps.controls.rules.helpers import alerts_of, scan
from tests.factories import staff_make

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
ONE = timedelta(days=1)


def holder(tenant, post, *, due_in_days):
    """Staff holding `post` since the day that makes its 60-month limit due in N days."""
    staff = staff_make(tenant)
    with schema_context(tenant.schema_name):
        post_assign(actor=None, staff=staff, post_code=post,
                    start_date=add_months(TODAY + due_in_days * ONE, -60))
    return staff


def since_of(due_in_days):
    return add_months(TODAY + due_in_days * ONE, -60).isoformat()


def audit(staff, post, performed_on):
    special_audit_record(actor=None, staff=staff, post_code=post, performed_on=performed_on,
                         auditor="县审计局", reason="无人可接任", findings="账实相符")


@pytest.fixture
def cast(town_a, county):
    """A township admin, a cashier who should also keep the accounts, the county admin."""
    return {
        "admin": staff_make(town_a, posts=("tenant_admin",)),
        "person": staff_make(town_a, posts=("cashier",)),
        "county_admin": staff_make(county, posts=("county_admin",)),
    }


def exception_approved(town, cast, *, valid_to):
    """The cashier may also be the accountant until `valid_to`, and is made the accountant."""
    exception = sod_exception_request(
        actor=cast["admin"].user, tenant=town, user=cast["person"].user,
        rule_code="sod_cashier_accountant", reason="本乡仅一名财会人员",
        substitute_control="每月县局专项检查", valid_from=TODAY, valid_to=valid_to)
    sod_exception_decide(actor=cast["county_admin"].user, exception=exception, approve=True)
    with schema_context(town.schema_name):
        post_assign(actor=None, staff=cast["person"], post_code="accountant")
    return exception


# --- rotation_overdue / rotation_due (same keys as permissions.rotation) ----------------------


def test_rotation_overdue_fires(town_a):
    staff = holder(town_a, "cashier", due_in_days=-10)
    with schema_context(town_a.schema_name):
        alerts = scan("rotation_overdue", today=TODAY)
        beat = rotation_check_run(tenant=town_a)

        every = alerts_of("rotation_overdue")

    assert [(a.dedupe_key, a.severity, a.object_id) for a in alerts] == [
        (f"rotation_overdue:{staff.pk}:cashier:{since_of(-10)}", "warn", str(staff.pk))]
    assert beat.raised == [] and len(every) == 1
    assert "超过60个月的任期上限" in alerts[0].message


def test_rotation_overdue_quiet(town_a):
    staff = holder(town_a, "cashier", due_in_days=-10)
    holder(town_a, "accountant", due_in_days=1)
    with schema_context(town_a.schema_name):
        audit(staff, "cashier", TODAY - 5 * ONE)

        assert scan("rotation_overdue", today=TODAY) == []


def test_rotation_due_fires(town_a):
    staff = holder(town_a, "cashier", due_in_days=30)
    with schema_context(town_a.schema_name):
        alerts = scan("rotation_due", today=TODAY)
        beat = rotation_check_run(tenant=town_a)

        every = alerts_of("rotation_due")

    assert [(a.dedupe_key, a.severity) for a in alerts] == [
        (f"rotation_due:{staff.pk}:cashier:{since_of(30)}", "remind")]
    assert beat.raised == [] and len(every) == 1
    assert f"将于{TODAY + 30 * ONE:%Y-%m-%d}达到60个月" in alerts[0].message


def test_rotation_due_quiet(town_a):
    holder(town_a, "cashier", due_in_days=91)
    holder(town_a, "accountant", due_in_days=-1)
    with schema_context(town_a.schema_name):
        assert scan("rotation_due", today=TODAY) == []


# --- special_audit_missing ------------------------------------------------------------------


def test_special_audit_missing_fires(town_a):
    staff = holder(town_a, "cashier", due_in_days=-200)
    with schema_context(town_a.schema_name):
        alerts = scan("special_audit_missing", today=TODAY)

    assert [(a.object_id, a.severity) for a in alerts] == [(str(staff.pk), "warn")]
    assert "超过任期上限 200 天" in alerts[0].message


def test_special_audit_missing_quiet(town_a):
    audited = holder(town_a, "cashier", due_in_days=-200)
    holder(town_a, "accountant", due_in_days=-150)
    with schema_context(town_a.schema_name):
        audit(audited, "cashier", TODAY - 400 * ONE)  # long expired, but on record

        assert scan("special_audit_missing", today=TODAY) == []


# --- sod_exception_expired (same key as permissions.exceptions) / ending soon -----------------


def test_sod_exception_expired_fires(town_a, cast):
    exception = exception_approved(town_a, cast, valid_to=TODAY + 10 * ONE)
    with schema_context(town_a.schema_name):
        alerts = scan("sod_exception_expired", today=TODAY + 11 * ONE)
    sod_exceptions_expire(today=TODAY + 11 * ONE)
    with schema_context(town_a.schema_name):
        every = alerts_of("sod_exception_expired")

    assert [(a.dedupe_key, a.object_id) for a in alerts] == [
        (f"sod_exception_expired:{exception.pk}", str(exception.pk))]
    assert len(every) == 1
    assert "出纳与会计" in alerts[0].message


def test_sod_exception_expired_quiet(town_a, cast):
    exception_approved(town_a, cast, valid_to=TODAY + 10 * ONE)
    with schema_context(town_a.schema_name):
        assert scan("sod_exception_expired", today=TODAY + 10 * ONE) == []


def test_sod_exception_ending_soon_fires(town_a, cast):
    exception = exception_approved(town_a, cast, valid_to=TODAY + 20 * ONE)
    with schema_context(town_a.schema_name):
        alerts = scan("sod_exception_ending_soon", today=TODAY)

    assert [(a.object_id, a.severity) for a in alerts] == [(str(exception.pk), "remind")]
    assert "还有 20 天" in alerts[0].message


def test_sod_exception_ending_soon_quiet(town_a, cast):
    exception_approved(town_a, cast, valid_to=TODAY + 40 * ONE)
    with schema_context(town_a.schema_name):
        assert scan("sod_exception_ending_soon", today=TODAY) == []


# --- sod_existing_conflict (same key as permissions.tightening) -------------------------------


def test_sod_existing_conflict_fires(town_a):
    both = staff_make(town_a, posts=("handler", "cashier"))
    with schema_context(town_a.schema_name):
        sod_rule_add(actor=None, post_a="handler", post_b="cashier")
        key = f"sod_existing_conflict:tenant_handler_cashier:{both.pk}"

        first = scan("sod_existing_conflict", today=TODAY)
        alert_close_by_key(dedupe_key=key, note="误关闭")
        again = scan("sod_existing_conflict", today=TODAY)

        every = alerts_of("sod_existing_conflict")

    assert [a.dedupe_key for a in first] == [key]  # the tightening's alert, not a second one
    assert [(a.dedupe_key, a.object_id) for a in again] == [(key, str(both.pk))]
    assert [a.status for a in every] == ["closed", "open"]
    assert "经办人与出纳" in again[0].message


def test_sod_existing_conflict_quiet(town_a, cast):
    exception_approved(town_a, cast, valid_to=TODAY + 30 * ONE)
    with schema_context(town_a.schema_name):
        assert scan("sod_existing_conflict", today=TODAY) == []


# --- vacancies and concentration ------------------------------------------------------------


def _held_until(tenant, post, last_day):
    staff = staff_make(tenant)
    with schema_context(tenant.schema_name):
        assignment = post_assign(actor=None, staff=staff, post_code=post,
                                 start_date=TODAY - 100 * ONE)
        post_assignment_end(actor=None, assignment=assignment, end_date=last_day)


def test_key_post_vacant_fires(town_a):
    _held_until(town_a, "cashier", TODAY - 40 * ONE)
    with schema_context(town_a.schema_name):
        alerts = scan("key_post_vacant", today=TODAY)
        cashier = Post.objects.get(code="cashier")

    assert [(a.object_type, a.object_id) for a in alerts] == [
        ("permissions.post", str(cashier.pk))]
    assert "“出纳”" in alerts[0].message and "已空缺 40 天" in alerts[0].message


def test_key_post_vacant_quiet(town_a):
    _held_until(town_a, "cashier", TODAY - 20 * ONE)
    _held_until(town_a, "accountant", TODAY - 60 * ONE)
    staff_make(town_a, posts=("accountant",))
    with schema_context(town_a.schema_name):
        assert scan("key_post_vacant", today=TODAY) == []


def test_one_person_many_key_posts_fires(town_a):
    busy = staff_make(town_a, posts=("cashier", "procurement_officer"))
    with schema_context(town_a.schema_name):
        alerts = scan("one_person_many_key_posts", today=TODAY)

    assert [(a.object_id, a.severity) for a in alerts] == [(str(busy.pk), "warn")]
    assert "同时担任 2 个关键岗位" in alerts[0].message and "采购经办" in alerts[0].message


def test_one_person_many_key_posts_quiet(town_a):
    staff_make(town_a, posts=("cashier", "handler"))
    staff_make(town_a, posts=("procurement_officer",))
    with schema_context(town_a.schema_name):
        assert scan("one_person_many_key_posts", today=TODAY) == []


def test_ic_lead_vacant_fires(town_a):
    staff_make(town_a, posts=("ic_lead",))
    with schema_context(town_a.schema_name):
        alerts = scan("ic_lead_vacant", today=TODAY)
        supervisor = Post.objects.get(code="supervisor")

    assert [(a.object_id, a.severity) for a in alerts] == [(str(supervisor.pk), "warn")]
    assert "“纪检监督”" in alerts[0].message


def test_ic_lead_vacant_quiet(town_a):
    staff_make(town_a, posts=("ic_lead",))
    staff_make(town_a, posts=("supervisor",))
    with schema_context(town_a.schema_name):
        assert scan("ic_lead_vacant", today=TODAY) == []


# --- plans and people who left ----------------------------------------------------------------


def test_rotation_plan_overdue_fires(town_a):
    staff = staff_make(town_a, posts=("cashier",))
    with schema_context(town_a.schema_name):
        plan = rotation_plan_create(actor=None, staff=staff, post_code="cashier",
                                    planned_date=TODAY + ONE)

        alerts = scan("rotation_plan_overdue", today=TODAY + 9 * ONE)

    assert [(a.object_type, a.object_id) for a in alerts] == [
        ("permissions.rotationplan", str(plan.pk))]
    assert "已过 8 天仍未完成" in alerts[0].message


def test_rotation_plan_overdue_quiet(town_a):
    staff = staff_make(town_a, posts=("cashier",))
    with schema_context(town_a.schema_name):
        rotation_plan_create(actor=None, staff=staff, post_code="cashier",
                             planned_date=TODAY + ONE)

        assert scan("rotation_plan_overdue", today=TODAY + 8 * ONE) == []


def _leaves(staff):
    # No service deactivates staff yet: the flag is set as the admin site would.
    StaffMember.objects.filter(pk=staff.pk).update(is_active=False)


def test_inactive_staff_holds_post_fires(town_a):
    gone = staff_make(town_a, posts=("cashier",))
    with schema_context(town_a.schema_name):
        _leaves(gone)

        alerts = scan("inactive_staff_holds_post", today=TODAY)

    assert [(a.object_id, a.severity) for a in alerts] == [(str(gone.pk), "warn")]
    assert "已不在岗，但仍登记担任出纳" in alerts[0].message


def test_inactive_staff_holds_post_quiet(town_a):
    gone = staff_make(town_a)
    with schema_context(town_a.schema_name):
        assignment = post_assign(actor=None, staff=gone, post_code="cashier",
                                 start_date=TODAY - 30 * ONE)
        post_assignment_end(actor=None, assignment=assignment, end_date=TODAY - ONE)
        _leaves(gone)

        assert scan("inactive_staff_holds_post", today=TODAY) == []
