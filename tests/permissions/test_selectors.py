"""Who holds a post today: cached with the tenant's configuration, never stale."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from permissions.models import StaffMember
from permissions.selectors import Holder, post_holders
from permissions.services import post_assign, post_assignment_end
from tests.factories import staff_make


def _holders(tenant, code="cashier") -> list[int]:
    with schema_context(tenant.schema_name):
        return [holder.user_id for holder in post_holders(code)]


@pytest.mark.django_db
def test_post_holders_follow_every_change_at_once(town_a):
    today = timezone.localdate()
    first = staff_make(town_a, posts=("cashier",))
    assert first.user_id in _holders(town_a)  # the table is now cached

    second = staff_make(town_a)
    with schema_context(town_a.schema_name):
        since_last_month = post_assign(actor=None, staff=second, post_code="cashier",
                                       start_date=today - timedelta(days=30))
    assert second.user_id in _holders(town_a)

    with schema_context(town_a.schema_name):
        post_assignment_end(actor=None, assignment=since_last_month,
                            end_date=today - timedelta(days=1))
    assert second.user_id not in _holders(town_a)

    with schema_context(town_a.schema_name):  # a hand-written update is seen too
        StaffMember.objects.filter(pk=first.pk).update(is_active=False)
    assert first.user_id not in _holders(town_a)


@pytest.mark.django_db
def test_post_holders_of_another_day_and_of_another_tenant_are_their_own(town_a, town_b):
    today = timezone.localdate()
    staff = staff_make(town_a)
    with schema_context(town_a.schema_name):
        post_assign(actor=None, staff=staff, post_code="cashier",
                    start_date=today + timedelta(days=7))
        next_week = [h.user_id for h in post_holders("cashier", on=today + timedelta(days=7))]

    assert staff.user_id in next_week
    assert staff.user_id not in _holders(town_a)
    assert staff.user_id not in _holders(town_b)


def test_a_holder_serves_the_department_of_the_assignment_else_their_own():
    for_finance = Holder(user_id=1, department_id=7, staff_department_id=3)
    own = Holder(user_id=2, department_id=None, staff_department_id=3)

    assert for_finance.serves(7) and not for_finance.serves(3)
    assert own.serves(3) and not own.serves(7)
