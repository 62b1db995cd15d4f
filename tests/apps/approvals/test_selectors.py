"""Reads of the engine: someone's tasks and counts, who may see an approval, the timing of
each step, and the median / p90 step times computed by PostgreSQL."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.approvals.models import Approval, ApprovalStep, ApprovalTask, StepStatus, TaskStatus
from apps.approvals.selectors import (
    approval_get_for,
    step_stats_by_post,
    step_stats_tenant,
    step_timing,
    task_counts,
    tasks_of,
)
from apps.approvals.services import approval_withdraw, process_define, task_decide, task_delegate
from apps.approvals.worktime import SHANGHAI
from county_platform.errors import DomainError
from permissions.access import Membership, membership_resolve
from tests.apps.approvals.test_services import _submit
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

TWO_STEPS = [
    {"name": "部门负责人审核", "post_code": "dept_head", "mode": "any"},
    {"name": "分管领导审批", "post_code": "leader", "mode": "any"},
]


@pytest.fixture
def people(town_a):
    made = {
        "applicant": staff_make(town_a, posts=("handler",)),
        "head": staff_make(town_a, posts=("dept_head",)),
        "leader": staff_make(town_a, posts=("leader",)),
        "deputy": staff_make(town_a),
        "bystander": staff_make(town_a),
    }
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="seal_use", name="用印审批", steps=TWO_STEPS)
    return {key: staff.user for key, staff in made.items()}


def pending_task(application) -> ApprovalTask:
    return ApprovalTask.objects.get(step__approval_id=application.approval_id,
                                    status=TaskStatus.PENDING)


def set_times(step: ApprovalStep, *, start: datetime, end: datetime | None) -> None:
    """Give a step known start and end times (the clock cannot be moved in these tests)."""
    ApprovalStep.objects.filter(pk=step.pk).update(started_at=start, finished_at=end)


# --- tasks --------------------------------------------------------------------------------------


def test_my_tasks_are_those_assigned_to_me_or_delegated_to_me_in_time(town_a, people):
    with schema_context(town_a.schema_name):
        first = _submit(people["applicant"])
        second = _submit(people["applicant"])
        one, two = pending_task(first), pending_task(second)
        task_delegate(actor=people["head"], task_id=one.pk, to_username=people["deputy"].username,
                      until=timezone.now() + timedelta(days=1))
        ApprovalTask.objects.filter(pk=one.pk).update(due_at=timezone.now() - timedelta(hours=1))
        heads = list(tasks_of(user=people["head"]).values_list("id", flat=True))
        deputys = list(tasks_of(user=people["deputy"]).values_list("id", flat=True))
        overdue = list(tasks_of(user=people["head"], status="overdue").values_list("id", flat=True))
        counts = task_counts(user=people["head"])
        ApprovalTask.objects.filter(pk=one.pk).update(delegate_until=timezone.now())
        expired = list(tasks_of(user=people["deputy"]).values_list("id", flat=True))
        nobody = list(tasks_of(user=people["bystander"], status="all"))

    assert heads == [one.pk, two.pk]  # the most urgent first
    assert deputys == [one.pk]
    assert overdue == [one.pk]
    assert counts == {"pending": 2, "overdue": 1}
    assert expired == [] and nobody == []


def test_decided_tasks_leave_the_pending_list(town_a, people):
    with schema_context(town_a.schema_name):
        application = _submit(people["applicant"])
        task = pending_task(application)
        task_decide(actor=people["head"], task_id=task.pk, decision="approve")
        still = list(tasks_of(user=people["head"]))
        decided = list(tasks_of(user=people["head"], status="decided").values_list("id", flat=True))
        counts = task_counts(user=people["head"])

    assert still == []
    assert decided == [task.pk]
    assert counts == {"pending": 0, "overdue": 0}


def test_what_a_delegate_decided_stays_in_their_history(town_a, people):
    with schema_context(town_a.schema_name):
        application = _submit(people["applicant"])
        task = pending_task(application)
        task_delegate(actor=people["head"], task_id=task.pk, to_username=people["deputy"].username,
                      until=timezone.now() + timedelta(days=1))
        task_decide(actor=people["deputy"], task_id=task.pk, decision="approve")
        ApprovalTask.objects.filter(pk=task.pk).update(delegate_until=timezone.now())
        history = list(tasks_of(user=people["deputy"], status="decided")
                       .values_list("id", flat=True))
        pending_now = list(tasks_of(user=people["deputy"]))

    assert history == [task.pk]
    assert pending_now == []


def test_an_unknown_status_is_refused():
    with pytest.raises(DomainError) as refused:
        tasks_of(user=None, status="whatever")

    assert refused.value.status == 400


# --- who sees an approval -----------------------------------------------------------------------


def test_an_approval_is_seen_by_its_people_and_overseers_and_nobody_else(town_a, people):
    admin = staff_make(town_a, posts=("tenant_admin",)).user
    supervisor = staff_make(town_a, posts=("supervisor",)).user
    with schema_context(town_a.schema_name):
        application = _submit(people["applicant"])
        pk = application.approval_id

        def sees(user) -> bool:
            membership = membership_resolve(user=user, tenant=town_a)
            try:
                return approval_get_for(user=user, membership=membership, approval_id=pk).pk == pk
            except DomainError as refused:
                assert refused.status == 404
                return False

        seen = {name: sees(user) for name, user in
                {**people, "admin": admin, "supervisor": supervisor}.items()}
        inspector = approval_get_for(user=people["bystander"], approval_id=pk,
                                     membership=Membership(inspector_grant=object()))
        with pytest.raises(DomainError):
            approval_get_for(user=people["applicant"], membership=Membership(),
                             approval_id=987654)

    assert seen == {"applicant": True, "head": True, "leader": False, "deputy": False,
                    "bystander": False, "admin": True, "supervisor": True}
    assert inspector.pk == pk


# --- timing -------------------------------------------------------------------------------------


def test_each_step_has_its_start_end_and_wall_and_working_durations(town_a, people):
    friday_4pm = datetime(2025, 1, 10, 16, 0, tzinfo=SHANGHAI)
    monday_10am = datetime(2025, 1, 13, 10, 0, tzinfo=SHANGHAI)
    with schema_context(town_a.schema_name):
        application = _submit(people["applicant"])
        task_decide(actor=people["head"], task_id=pending_task(application).pk,
                    decision="approve")
        approval = Approval.objects.get(pk=application.approval_id)
        first, second = approval.steps.order_by("order")
        set_times(first, start=friday_4pm, end=monday_10am)
        set_times(second, start=monday_10am, end=None)
        first.refresh_from_db()
        second.refresh_from_db()
        done = step_timing(first, approval=approval)
        running = step_timing(second, approval=approval,
                              now=datetime(2025, 1, 13, 11, 30, tzinfo=SHANGHAI))

    assert (done.started_at, done.finished_at) == (friday_4pm, monday_10am)
    assert (done.duration_seconds, done.working_seconds) == (66 * 3600, 2 * 3600)
    assert second.status == StepStatus.ACTIVE
    assert running.finished_at is None
    assert (running.duration_seconds, running.working_seconds) == (5400, 5400)


def test_a_step_cancelled_by_withdrawal_is_measured_to_the_end_of_the_approval(town_a, people):
    with schema_context(town_a.schema_name):
        application = _submit(people["applicant"])
        approval_withdraw(actor=people["applicant"], approval_id=application.approval_id)
        approval = Approval.objects.get(pk=application.approval_id)
        first, second = approval.steps.order_by("order")
        timing = step_timing(first, approval=approval, now=approval.finished_at + timedelta(days=9))
        never = step_timing(second, approval=approval)

    assert first.status == StepStatus.CANCELLED and first.finished_at is None
    assert timing.duration_seconds == int((approval.finished_at - first.started_at)
                                          .total_seconds())
    assert (never.started_at, never.duration_seconds, never.working_seconds) == (None, None, None)


# --- statistics ---------------------------------------------------------------------------------


@pytest.fixture
def decided(town_a, people):
    """Five documents whose dept_head step took 100, 200, 300, 400 and 1000 s, two of them
    with a leader step of 60 and 120 s, all decided yesterday; one more decided 40 days ago
    (outside the period) and the three open leader steps (not decided) do not count."""
    end = timezone.now() - timedelta(days=1)
    with schema_context(town_a.schema_name):
        approvals = []
        for _ in range(6):
            application = _submit(people["applicant"])
            task_decide(actor=people["head"], task_id=pending_task(application).pk,
                        decision="approve")
            approvals.append(Approval.objects.get(pk=application.approval_id))
        for approval in approvals[:2]:
            task = ApprovalTask.objects.get(step__approval=approval, status=TaskStatus.PENDING)
            task_decide(actor=people["leader"], task_id=task.pk, decision="approve")
        for approval, seconds in zip(approvals, (100, 200, 300, 400, 1000), strict=False):
            set_times(approval.steps.get(order=1), start=end - timedelta(seconds=seconds), end=end)
        for approval, seconds in zip(approvals, (60, 120), strict=False):
            set_times(approval.steps.get(order=2), start=end - timedelta(seconds=seconds), end=end)
        long_ago = end - timedelta(days=40)
        set_times(approvals[5].steps.get(order=1), start=long_ago - timedelta(seconds=5),
                  end=long_ago)
    day = timezone.localtime(end).date()
    return {"start": day - timedelta(days=6), "end": day}


def test_median_and_p90_per_post(town_a, decided):
    with schema_context(town_a.schema_name):
        rows = step_stats_by_post(**decided)

    # percentile_cont interpolates: p90 of 100…1000 lies 0.6 of the way from 400 to 1000.
    assert rows == [
        {"post": "dept_head", "post_name": "部门负责人", "count": 5,
         "median_seconds": 300.0, "p90_seconds": 760.0},
        {"post": "leader", "post_name": "分管领导", "count": 2,
         "median_seconds": 90.0, "p90_seconds": pytest.approx(114.0)},
    ]


def test_median_and_p90_over_the_tenant(town_a, decided):
    with schema_context(town_a.schema_name):
        summary = step_stats_tenant(**decided)
        wider = step_stats_tenant(start=decided["start"] - timedelta(days=60), end=decided["end"])

    # 60, 100, 120, 200, 300, 400, 1000: the median is 200, p90 = 400 + 0.4 × 600.
    assert summary == {"count": 7, "median_seconds": 200.0, "p90_seconds": pytest.approx(640.0)}
    assert wider["count"] == 8


def test_a_period_without_decided_steps_has_no_numbers(town_a, decided):
    later = decided["end"] + timedelta(days=1)
    with schema_context(town_a.schema_name):
        summary = step_stats_tenant(start=later, end=later + timedelta(days=5))
        rows = step_stats_by_post(start=later, end=later)

    assert summary == {"count": 0, "median_seconds": None, "p90_seconds": None}
    assert rows == []


def test_statistics_are_one_query_whatever_the_number_of_steps(town_a, decided,
                                                               django_assert_num_queries):
    with schema_context(town_a.schema_name):
        ApprovalStep.objects.exists()  # the connection's search path is set by now
        with django_assert_num_queries(1):
            step_stats_tenant(**decided)
        with django_assert_num_queries(2):  # the rows, and the posts' names
            step_stats_by_post(**decided)
