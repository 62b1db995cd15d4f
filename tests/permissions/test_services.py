"""Assignments and their separation-of-duties check, through the real services."""

import contextlib
import threading
import uuid
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from county_platform.errors import DomainError
from permissions import defaults, services
from permissions.models import Department, PostAssignment
from permissions.services import (
    department_create,
    post_assign,
    post_assignment_end,
    post_assignment_simulate,
)
from tenants.models import Tenant
from tenants.services import tenant_create
from tests.factories import staff_make

# No module-wide django_db mark: the concurrency test below must commit; the others get the
# test transaction through their tenant fixtures.

POST_PAIRS = [
    pytest.param(r, first, second, id=f"{r.code}:{first}-then-{second}")
    for r in defaults.SOD if r.scope == "post"
    for first, second in ((r.post_a, r.post_b), (r.post_b, r.post_a))
]
MONEY_POSTS = [p.code for p in defaults.POSTS if p.holds_money]


def snapshot(tenant) -> tuple[int, int]:
    with schema_context(tenant.schema_name):
        return PostAssignment.objects.count(), AuditEvent.objects.count()


def refusal(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize(("rule", "held", "post"), POST_PAIRS)
def test_each_default_incompatible_pair_is_refused_in_both_orders(town_a, rule, held, post):
    staff = staff_make(town_a, posts=(held,))
    before = snapshot(town_a)

    with schema_context(town_a.schema_name):
        error = refusal(lambda: post_assign(actor=None, staff=staff, post_code=post))

    assert (error.code, error.status) == ("sod_conflict", 422)
    assert {"post": post, "rule": rule.code, "article": rule.article,
            "with_post": held} in error.extra["conflicts"]
    assert rule.code in error.detail
    assert snapshot(town_a) == before


def test_document_scope_pairs_may_be_held_together(town_a):
    staff = staff_make(town_a, posts=("handler", "leader", "principal", "dept_head"))

    with schema_context(town_a.schema_name):
        held = set(PostAssignment.objects.filter(staff=staff).values_list("post__code", flat=True))

    assert held == {"handler", "leader", "principal", "dept_head"}


def test_an_ended_assignment_no_longer_conflicts(town_a):
    staff = staff_make(town_a)
    today = timezone.localdate()
    with schema_context(town_a.schema_name):
        cashier = post_assign(actor=None, staff=staff, post_code="cashier",
                              start_date=today - timedelta(days=30))
        post_assignment_end(actor=None, assignment=cashier, end_date=today - timedelta(days=1))

        accountant = post_assign(actor=None, staff=staff, post_code="accountant", start_date=today)

    assert accountant.pk is not None


def test_an_assignment_ending_on_the_start_day_still_conflicts(town_a):
    staff = staff_make(town_a)
    today = timezone.localdate()
    with schema_context(town_a.schema_name):
        cashier = post_assign(actor=None, staff=staff, post_code="cashier",
                              start_date=today - timedelta(days=30))
        post_assignment_end(actor=None, assignment=cashier, end_date=today)

        error = refusal(lambda: post_assign(actor=None, staff=staff, post_code="accountant",
                                            start_date=today))

    assert error.code == "sod_conflict"


def test_a_future_dated_assignment_conflicts_from_its_start(town_a):
    staff = staff_make(town_a)
    today = timezone.localdate()
    with schema_context(town_a.schema_name):
        post_assign(actor=None, staff=staff, post_code="cashier",
                    start_date=today + timedelta(days=60))

        error = refusal(lambda: post_assign(actor=None, staff=staff, post_code="accountant",
                                            start_date=today))

    assert error.extra["conflicts"][0]["with_post"] == "cashier"


def test_a_post_ended_before_a_backdated_start_does_not_conflict(town_a):
    staff = staff_make(town_a)
    with schema_context(town_a.schema_name):
        old = post_assign(actor=None, staff=staff, post_code="cashier",
                          start_date=date(2020, 1, 1))
        post_assignment_end(actor=None, assignment=old, end_date=date(2020, 12, 31))

        later = post_assign(actor=None, staff=staff, post_code="accountant",
                            start_date=date(2021, 1, 1))

    assert later.start_date == date(2021, 1, 1)


@pytest.mark.parametrize("money", MONEY_POSTS)
def test_the_tenant_admin_holds_no_money_post_in_both_orders(town_a, money):
    admin = staff_make(town_a, posts=("tenant_admin",))
    treasurer = staff_make(town_a, posts=(money,))

    with schema_context(town_a.schema_name):
        first = refusal(lambda: post_assign(actor=None, staff=admin, post_code=money))
        second = refusal(lambda: post_assign(actor=None, staff=treasurer,
                                             post_code="tenant_admin"))

    assert first.extra["conflicts"][0]["rule"] == "sod_admin_no_money"
    assert second.extra["conflicts"][0] == {
        "post": "tenant_admin", "rule": "sod_admin_no_money",
        "article": first.extra["conflicts"][0]["article"], "with_post": money,
    }


def test_county_admin_is_refused_outside_the_county(town_a, county):
    staff = staff_make(town_a)
    before = snapshot(town_a)

    with schema_context(town_a.schema_name):
        error = refusal(lambda: post_assign(actor=None, staff=staff, post_code="county_admin"))
    admin = staff_make(county, posts=("county_admin",))

    assert (error.code, error.status) == ("county_post_outside_county", 422)
    assert snapshot(town_a) == before
    assert admin.pk is not None


def test_the_same_post_twice_over_one_period_is_409(town_a):
    staff = staff_make(town_a, posts=("handler",))

    with schema_context(town_a.schema_name):
        error = refusal(lambda: post_assign(actor=None, staff=staff, post_code="handler",
                                            start_date=date(2030, 1, 1)))

    assert (error.code, error.status) == ("already_assigned", 409)


def test_an_unknown_post_is_400(town_a):
    staff = staff_make(town_a)

    with schema_context(town_a.schema_name):
        error = refusal(lambda: post_assign(actor=None, staff=staff, post_code="nope"))

    assert (error.code, error.status) == ("unknown_post", 400)


def test_simulate_answers_like_the_real_check_and_changes_nothing(town_a):
    staff = staff_make(town_a, posts=("cashier",))
    before = snapshot(town_a)

    with schema_context(town_a.schema_name):
        refused = post_assignment_simulate(staff=staff, post_code="accountant")
        allowed = post_assignment_simulate(staff=staff, post_code="handler")

    assert refused == {"allowed": False, "conflicts": [{
        "post": "accountant", "rule": "sod_cashier_accountant",
        "article": defaults.SOD[0].article, "with_post": "cashier"}]}
    assert allowed == {"allowed": True, "conflicts": []}
    assert snapshot(town_a) == before


def test_ending_an_assignment_is_audited(town_a):
    staff = staff_make(town_a, posts=("cashier",))
    with schema_context(town_a.schema_name):
        assignment = PostAssignment.objects.get(staff=staff)

        ended = post_assignment_end(actor=staff.user, assignment=assignment,
                                    end_date=assignment.start_date)
        event = AuditEvent.objects.order_by("-seq").first()

    assert ended.end_date == assignment.start_date
    assert (event.action, event.object_id, event.after["end_date"]) == (
        "post.ended", str(assignment.pk), assignment.start_date.isoformat())


def test_ending_before_the_start_is_400_and_twice_is_409(town_a):
    staff = staff_make(town_a, posts=("cashier",))
    with schema_context(town_a.schema_name):
        assignment = PostAssignment.objects.get(staff=staff)
        early = refusal(lambda: post_assignment_end(
            actor=None, assignment=assignment, end_date=assignment.start_date - timedelta(days=1)))
        post_assignment_end(actor=None, assignment=assignment, end_date=assignment.start_date)
        again = refusal(lambda: post_assignment_end(
            actor=None, assignment=assignment, end_date=assignment.start_date))

    assert (early.code, early.status) == ("invalid_end_date", 400)
    assert (again.code, again.status) == ("already_ended", 409)


def test_department_create_is_audited_and_a_taken_code_is_409(town_a):
    with schema_context(town_a.schema_name):
        department = department_create(actor=None, name="财政所", code="czs")
        event = AuditEvent.objects.order_by("-seq").first()
        error = refusal(lambda: department_create(actor=None, name="另一个", code="czs"))
        count = Department.objects.filter(code="czs").count()

    assert (event.action, event.object_id) == ("department.created", str(department.pk))
    assert (error.code, error.status, count) == ("department_code_taken", 409, 1)


# --- two real connections ------------------------------------------------------------------


def _assign_in_thread(schema: str, staff_pk: int, post: str, results: list) -> None:
    try:
        with schema_context(schema):
            staff = services.StaffMember.objects.get(pk=staff_pk)
            post_assign(actor=None, staff=staff, post_code=post)
        results.append(("ok", post))
    except DomainError as error:
        results.append((error.code, post))
    finally:
        connection.close()


def test_two_concurrent_conflicting_assignments_to_one_person_only_one_succeeds(
    django_db_setup, django_db_blocker, monkeypatch
):
    """Both connections check before either inserts unless the staff row lock orders them:
    each pauses after loading the rules until the other arrives (or 2 s pass)."""
    barrier = threading.Barrier(2, timeout=2)
    real_rules = services.sod_rules_in_force

    def rules_then_wait():
        rules = real_rules()
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return rules

    monkeypatch.setattr(services, "sod_rules_in_force", rules_then_wait)
    with django_db_blocker.unblock():
        county = Tenant.objects.get(slug="cty")
        slug = f"race-{uuid.uuid4().hex[:8]}"
        tenant = tenant_create(actor=None, slug=slug, name="并发乡", kind="township",
                               parent=county)
        try:
            staff = staff_make(tenant)
            results: list = []
            threads = [
                threading.Thread(target=_assign_in_thread,
                                 args=(tenant.schema_name, staff.pk, post, results))
                for post in ("cashier", "accountant")
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            with schema_context(tenant.schema_name):
                held = list(PostAssignment.objects.filter(staff_id=staff.pk)
                            .values_list("post__code", flat=True))
        finally:
            # Other tests count the county's townships: take this one away again.
            tenant.delete(force_drop=True)

    assert sorted(code for code, _ in results) == ["ok", "sod_conflict"]
    assert held == [post for code, post in results if code == "ok"]
