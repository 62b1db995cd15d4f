"""Approval rules: each fires on real data and stays quiet where there is nothing to say."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.approvals.models import Approval, ApprovalStep, ApprovalTask, TaskStatus
from apps.approvals.services import process_define, task_decide, task_delegate
from apps.controls.services import alert_close_by_key
from apps.expenditure.services import request_create, request_submit
from tests.apps.controls.rules.helpers import alerts_of, office_make, request_approved, scan
from tests.factories import staff_make

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def submitted(people, indicator, amount="800.00", **fields):
    """A spending request submitted for approval, nobody having decided yet."""
    request = request_create(actor=people["handler"], amount=amount, indicator_id=indicator.pk,
                             purpose=fields.pop("purpose", "购买办公用品"), **fields)
    request_submit(actor=people["handler"], request_id=request.pk)
    request.refresh_from_db()
    return request


def pending(request) -> ApprovalTask:
    return ApprovalTask.objects.get(step__approval_id=request.approval_id,
                                    status=TaskStatus.PENDING)


def decide(request, decision="approve", actor=None):
    task = pending(request)
    task_decide(actor=actor or task.assignee, task_id=task.pk, decision=decision)
    return ApprovalTask.objects.get(pk=task.pk)


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


# --- fast_approval -------------------------------------------------------------------------


def test_fast_approval_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = request_approved(people, indicator, amount="800.00")

        alerts = alerts_of("fast_approval")

    assert [(a.object_type, a.object_id, a.severity) for a in alerts] == [
        ("spending_request", str(request.pk), "warn")]
    assert "会计审核" in alerts[0].message and "少于 60 秒" in alerts[0].message


def test_fast_approval_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = submitted(people, indicator)
        task = pending(request)
        two_minutes_ago = timezone.now() - timedelta(minutes=2)
        ApprovalStep.objects.filter(pk=task.step_id).update(started_at=two_minutes_ago)
        ApprovalTask.objects.filter(pk=task.pk).update(created_at=two_minutes_ago)

        decide(request)
        rejected = submitted(people, indicator, purpose="购买打印纸")
        decide(rejected, "reject")

        assert alerts_of("fast_approval") == []


# --- approval_sla_breach --------------------------------------------------------------------


def test_approval_sla_breach_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = submitted(people, indicator)
        due = timezone.localtime(pending(request).due_at)

        alerts = scan("approval_sla_breach", today=due.date() + timedelta(days=2))

    assert [(a.object_type, a.object_id) for a in alerts] == [
        ("spending_request", str(request.pk))]
    assert "会计审核" in alerts[0].message and "小时仍未处理" in alerts[0].message


def test_approval_sla_breach_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = submitted(people, indicator)
        due = timezone.localtime(pending(request).due_at)

        assert scan("approval_sla_breach", today=due.date() + timedelta(days=1)) == []


# --- decision_outside_hours -----------------------------------------------------------------


def test_decision_outside_hours_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = submitted(people, indicator)
        task = decide(request)
        yesterday = TODAY - timedelta(days=1)
        ApprovalTask.objects.filter(pk=task.pk).update(decided_at=at(yesterday, 23, 30))

        alerts = scan("decision_outside_hours", today=TODAY)

    assert [(a.object_id, a.severity) for a in alerts] == [(str(request.pk), "remind")]
    assert f"{yesterday:%m-%d} 23:30" in alerts[0].message


def test_decision_outside_hours_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = submitted(people, indicator)
        task = decide(request)
        yesterday = TODAY - timedelta(days=1)
        ApprovalTask.objects.filter(pk=task.pk).update(decided_at=at(yesterday, 21, 59))

        assert scan("decision_outside_hours", today=TODAY) == []


# --- approval_stuck -------------------------------------------------------------------------


def test_approval_stuck_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = submitted(people, indicator)
        Approval.objects.filter(pk=request.approval_id).update(
            started_at=timezone.now() - timedelta(days=11))

        alerts = scan("approval_stuck", today=TODAY)

    assert [(a.object_id, a.severity) for a in alerts] == [(str(request.pk), "warn")]
    assert "已 11 天仍未办结" in alerts[0].message


def test_approval_stuck_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = submitted(people, indicator)
        Approval.objects.filter(pk=request.approval_id).update(
            started_at=timezone.now() - timedelta(days=9))
        finished = request_approved(people, indicator, purpose="购买文件柜")
        Approval.objects.filter(pk=finished.approval_id).update(
            started_at=timezone.now() - timedelta(days=30))

        assert scan("approval_stuck", today=TODAY) == []


# --- approval_no_actor (the routing's own alert, re-checked daily) ---------------------------


def _route_to_seal_keeper():
    process_define(actor=None, document_type="spending_request", name="支出审批",
                   steps=[{"name": "印章管理员审核", "post_code": "seal_keeper", "mode": "any"}])


def test_approval_no_actor_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        _route_to_seal_keeper()
        request = submitted(people, indicator)
        step = ApprovalStep.objects.get(approval_id=request.approval_id)
        key = f"approval_no_actor:{step.pk}"

        first = scan("approval_no_actor", today=TODAY)
        alert_close_by_key(dedupe_key=key, note="误关闭")
        again = scan("approval_no_actor", today=TODAY)
        scan("approval_no_actor", today=TODAY)

        every = alerts_of("approval_no_actor")

    assert [a.dedupe_key for a in first] == [key]  # routing's alert, not a second one
    assert [(a.dedupe_key, a.object_id) for a in again] == [(key, str(request.approval_id))]
    assert [a.status for a in every] == ["closed", "open"]
    assert "印章管理员审核" in again[0].message


def test_approval_no_actor_quiet(town_a):
    people, indicator = office_make(town_a)
    staff_make(town_a, posts=("seal_keeper",))
    with schema_context(town_a.schema_name):
        _route_to_seal_keeper()
        submitted(people, indicator)

        assert scan("approval_no_actor", today=TODAY) == []


# --- rubber_stamp ---------------------------------------------------------------------------


def test_rubber_stamp_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        for n in range(10):
            request_approved(people, indicator, amount=f"{100 + n}.00", purpose=f"办公用品{n}")

        alerts = scan("rubber_stamp", today=TODAY)

    assert [(a.object_type, a.object_id, a.severity) for a in alerts] == [
        ("user", str(people["accountant"].pk), "remind")]
    assert "审批同意 10 笔" in alerts[0].message


def test_rubber_stamp_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        for n in range(10):
            request_approved(people, indicator, amount=f"{100 + n}.00", purpose=f"办公用品{n}")
        decide(submitted(people, indicator, purpose="购买茶叶"), "return")

        assert scan("rubber_stamp", today=TODAY) == []


# --- long_delegation ------------------------------------------------------------------------


def _delegated(town, days):
    people, indicator = office_make(town)
    with schema_context(town.schema_name):
        request = submitted(people, indicator)
        task_delegate(actor=people["accountant"], task_id=pending(request).pk,
                      to_username=people["budget_officer"].username,
                      until=timezone.now() + timedelta(days=days))
    return request


def test_long_delegation_fires(town_a):
    request = _delegated(town_a, days=20)
    with schema_context(town_a.schema_name):
        alerts = scan("long_delegation", today=TODAY)

    assert [(a.object_id, a.severity) for a in alerts] == [(str(request.pk), "remind")]
    assert "超过 7 天" in alerts[0].message


def test_long_delegation_quiet(town_a):
    _delegated(town_a, days=5)
    with schema_context(town_a.schema_name):
        assert scan("long_delegation", today=TODAY) == []


# --- many_returns_by_one_approver -----------------------------------------------------------


def test_many_returns_by_one_approver_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        for n in range(5):
            decide(submitted(people, indicator, purpose=f"会议费{n}"), "return")

        alerts = scan("many_returns_by_one_approver", today=TODAY)

    assert [(a.object_id, a.severity) for a in alerts] == [(str(people["accountant"].pk),
                                                             "remind")]
    assert "退回或驳回单据 5 笔" in alerts[0].message


def test_many_returns_by_one_approver_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        for n in range(4):
            decide(submitted(people, indicator, purpose=f"会议费{n}"), "return")
        decide(submitted(people, indicator, purpose="会议费4"), "approve")

        assert scan("many_returns_by_one_approver", today=TODAY) == []


# --- approval_by_delegate_large -------------------------------------------------------------


def _decided_by_delegate(town, amount):
    people, indicator = office_make(town)
    with schema_context(town.schema_name):
        request = submitted(people, indicator, amount=amount)
        task = pending(request)
        task_delegate(actor=people["accountant"], task_id=task.pk,
                      to_username=people["budget_officer"].username,
                      until=timezone.now() + timedelta(days=2))
        task_decide(actor=people["budget_officer"], task_id=task.pk, decision="approve")
    return request


def test_approval_by_delegate_large_fires(town_a):
    request = _decided_by_delegate(town_a, "60000.00")
    with schema_context(town_a.schema_name):
        alerts = alerts_of("approval_by_delegate_large")

    assert [(a.object_id, a.severity) for a in alerts] == [(str(request.pk), "remind")]
    assert "¥60000.00" in alerts[0].message and "代为审批" in alerts[0].message


def test_approval_by_delegate_large_quiet(town_a):
    _decided_by_delegate(town_a, "40000.00")
    with schema_context(town_a.schema_name):
        assert alerts_of("approval_by_delegate_large") == []


# --- major_matter_single_approver -----------------------------------------------------------


def test_major_matter_single_approver_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = request_approved(people, indicator, amount="3000.00", major_matter=True)

        alerts = scan("major_matter_single_approver", today=TODAY)

    assert [(a.object_id, a.severity) for a in alerts] == [(str(request.pk), "warn")]
    assert "只经 1 人审批" in alerts[0].message


def test_major_matter_single_approver_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request_approved(people, indicator, amount="6000.00", major_matter=True)
        request_approved(people, indicator, amount="3000.00", purpose="日常办公")

        assert scan("major_matter_single_approver", today=TODAY) == []


# --- refusal_without_reason -----------------------------------------------------------------


def test_refusal_without_reason_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = submitted(people, indicator)
        task = pending(request)
        task_decide(actor=task.assignee, task_id=task.pk, decision="return", comment="  ")

        alerts = alerts_of("refusal_without_reason")

    assert [(a.object_id, a.severity) for a in alerts] == [(str(request.pk), "remind")]
    assert "退回了单据，但未写明理由" in alerts[0].message


def test_refusal_without_reason_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        returned = submitted(people, indicator)
        task = pending(returned)
        task_decide(actor=task.assignee, task_id=task.pk, decision="return", comment="缺")
        approved = submitted(people, indicator, purpose="购买打印纸")
        decide(approved, "approve")

        assert alerts_of("refusal_without_reason") == []


# --- approval_returned_repeatedly -----------------------------------------------------------


def _returned(people, request, times):
    for _ in range(times):
        task = pending(request)
        task_decide(actor=task.assignee, task_id=task.pk, decision="return",
                    comment="请补充附件")
        request_submit(actor=people["handler"], request_id=request.pk)
        request.refresh_from_db()


def test_approval_returned_repeatedly_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = submitted(people, indicator)
        _returned(people, request, 3)

        alerts = scan("approval_returned_repeatedly", today=TODAY)

    assert [(a.object_id, a.severity) for a in alerts] == [(str(request.pk), "remind")]
    assert "已被退回或驳回 3 次" in alerts[0].message


def test_approval_returned_repeatedly_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = submitted(people, indicator)
        _returned(people, request, 2)
        decide(request, "approve")
        for n in range(2):
            _returned(people, submitted(people, indicator, purpose=f"差旅费{n}"), 1)

        assert scan("approval_returned_repeatedly", today=TODAY) == []
