"""Expenditure rules: each fires on real data and stays quiet where there is nothing to say."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.approvals.models import ApprovalTask, TaskStatus
from apps.approvals.services import task_decide
from apps.approvals.worktime import SHANGHAI
from apps.expenditure.models import Payment, RequestStatus, SpendingRequest
from apps.expenditure.services import payment_create, request_create, request_submit
from county_platform.errors import DomainError
from tests.apps.controls.rules.helpers import (
    alerts_of,
    approve_all,
    office_make,
    request_approved,
    request_paid,
    scan,
)

pytestmark = pytest.mark.django_db

SHOP, ACCOUNT = "城关文具店", "6222000011112222"


def _submitted(people, indicator, amount="800.00", **fields):
    request = request_create(actor=people["handler"], amount=amount, purpose=fields.pop(
        "purpose", "购买办公用品"), indicator_id=indicator.pk, **fields)
    return request_submit(actor=people["handler"], request_id=request.pk)


def _on(alerts):
    return [(a.object_type, a.object_id, a.severity) for a in alerts]


def _return(request):
    task = ApprovalTask.objects.get(step__approval_id=request.approval_id,
                                    status=TaskStatus.PENDING)
    task_decide(actor=task.assignee, task_id=task.pk, decision="return", comment="缺发票")


def _returned_times(people, indicator, times):
    request = _submitted(people, indicator)
    for n in range(times):
        _return(request)
        if n < times - 1:
            request = request_submit(actor=people["handler"], request_id=request.pk)
    return request


def _later(days):
    return timezone.localdate() + timedelta(days=days)


def test_cash_over_limit_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = request_approved(people, indicator, amount="1500.00")

        with pytest.raises(DomainError) as refused:
            payment_create(actor=people["cashier"], request_id=request.pk, amount="1500.00",
                           method="cash")

        assert (refused.value.code, refused.value.status) == ("cash_over_limit", 422)
        assert Payment.objects.filter(request=request).count() == 0


def test_cash_over_limit_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = request_approved(people, indicator, amount="1500.00")

        payment_create(actor=people["cashier"], request_id=request.pk, amount="800.00",
                       method="cash")
        payment_create(actor=people["cashier"], request_id=request.pk, amount="700.00",
                       method="transfer")

        assert Payment.objects.filter(request=request).count() == 2


def test_official_card_items_paid_in_cash_fires(town_a):
    people, indicator = office_make(town_a, subject="30201")
    with schema_context(town_a.schema_name):
        request = request_paid(people, indicator, amount="800.00", method="cash")

        alerts = alerts_of("official_card_items_paid_in_cash")

    assert _on(alerts) == [("spending_request", str(request.pk), "warn")]
    assert "30201 办公费" in alerts[0].message and "¥800.00" in alerts[0].message


def test_official_card_items_paid_in_cash_quiet(town_a):
    people, indicator = office_make(town_a, subject="30226")  # 劳务费: not in the 公务卡 list
    with schema_context(town_a.schema_name):
        request = request_paid(people, indicator, amount="800.00", method="cash")

        assert request.status == RequestStatus.PAID
        assert alerts_of("official_card_items_paid_in_cash") == []


def test_cashier_pays_self_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = request_paid(people, indicator, payee_name=people["cashier"].display_name)

        alerts = alerts_of("cashier_pays_self")

    assert _on(alerts) == [("spending_request", str(request.pk), "warn")]
    assert people["cashier"].display_name in alerts[0].message


def test_cashier_pays_self_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = request_paid(people, indicator, payee_name=people["accountant"].display_name)

        assert request.status == RequestStatus.PAID
        assert alerts_of("cashier_pays_self") == []


def test_applicant_is_payee_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = _submitted(people, indicator, payee_name=people["handler"].display_name)

        alerts = alerts_of("applicant_is_payee")

    assert _on(alerts) == [("spending_request", str(request.pk), "warn")]
    assert people["handler"].display_name in alerts[0].message


def test_applicant_is_payee_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        _submitted(people, indicator, payee_name=people["accountant"].display_name)

        assert alerts_of("applicant_is_payee") == []


def test_duplicate_request_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        first = _submitted(people, indicator, amount="2300.00")
        second = _submitted(people, indicator, amount="2300.00", purpose="再次购买办公用品")

        alerts = alerts_of("duplicate_request")

    assert _on(alerts) == [("spending_request", str(second.pk), "warn")]
    assert f"#{first.pk}" in alerts[0].message


def test_duplicate_request_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        first = _submitted(people, indicator, amount="2300.00")
        SpendingRequest.objects.filter(pk=first.pk).update(
            submitted_at=timezone.now() - timedelta(days=31))
        _submitted(people, indicator, amount="2300.00")
        _submitted(people, indicator, amount="999.99")  # small sums are not worth a warning
        _submitted(people, indicator, amount="999.99")

        assert alerts_of("duplicate_request") == []


def test_purpose_too_short_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = _submitted(people, indicator, purpose="买打印纸")

        alerts = alerts_of("purpose_too_short")

    assert _on(alerts) == [("spending_request", str(request.pk), "remind")]
    assert "只有 4 个字" in alerts[0].message


def test_purpose_too_short_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        _submitted(people, indicator, purpose="购买打印纸")

        assert alerts_of("purpose_too_short") == []


def test_round_large_amount_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = _submitted(people, indicator, amount="60000.00")

        alerts = alerts_of("round_large_amount")

    assert _on(alerts) == [("spending_request", str(request.pk), "remind")]
    assert "¥60000.00" in alerts[0].message


def test_round_large_amount_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        _submitted(people, indicator, amount="55000.00")
        _submitted(people, indicator, amount="40000.00")

        assert alerts_of("round_large_amount") == []


def test_vehicle_purchase_over_cap_fires(town_a):
    people, indicator = office_make(town_a, amount="300000.00", subject="30913")
    with schema_context(town_a.schema_name):
        request = request_create(actor=people["handler"], amount="180000.01",
                                 purpose="购置公务用车一辆", indicator_id=indicator.pk)

        with pytest.raises(DomainError) as refused:
            request_submit(actor=people["handler"], request_id=request.pk)

        request.refresh_from_db()
        indicator.refresh_from_db()
    assert (refused.value.code, refused.value.status) == ("vehicle_purchase_over_cap", 422)
    assert (request.status, indicator.committed) == (RequestStatus.DRAFT, 0)


def test_vehicle_purchase_over_cap_quiet(town_a):
    people, indicator = office_make(town_a, amount="300000.00", subject="30913")
    with schema_context(town_a.schema_name):
        request = _submitted(people, indicator, amount="180000.00", purpose="购置公务用车一辆")

    assert request.status == RequestStatus.IN_APPROVAL


def test_tender_threshold_fires(town_a):
    people, indicator = office_make(town_a, amount="5000000.00", subject="31005")
    with schema_context(town_a.schema_name):
        request = _submitted(people, indicator, amount="4000000.00", purpose="村道硬化工程施工")

        alerts = alerts_of("tender_threshold")

    assert _on(alerts) == [("spending_request", str(request.pk), "warn")]
    assert "31005 基础设施建设" in alerts[0].message


def test_tender_threshold_quiet(town_a):
    people, indicator = office_make(town_a, amount="5000000.00", subject="31005")
    with schema_context(town_a.schema_name):
        _submitted(people, indicator, amount="3999999.99", purpose="村道硬化工程施工")

        assert alerts_of("tender_threshold") == []


def test_major_matter_not_flagged_fires(town_a):
    people, indicator = office_make(town_a, amount="2000000.00")
    with schema_context(town_a.schema_name):
        request = _submitted(people, indicator, amount="1000000.00", purpose="办公楼整体改造")

        alerts = alerts_of("major_matter_not_flagged")

    assert _on(alerts) == [("spending_request", str(request.pk), "warn")]
    assert "¥1000000.00" in alerts[0].message


def test_major_matter_not_flagged_quiet(town_a):
    people, indicator = office_make(town_a, amount="2000000.00")
    with schema_context(town_a.schema_name):
        _submitted(people, indicator, amount="999999.99", purpose="办公楼整体改造")

        assert alerts_of("major_matter_not_flagged") == []


def test_split_payments_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request_approved(people, indicator, amount="30000.00", payee_name=SHOP)
        last = request_approved(people, indicator, amount="25000.00", payee_name=SHOP)

        alerts = scan("split_payments", today=timezone.localdate())

    assert _on(alerts) == [("spending_request", str(last.pk), "warn")]
    assert "2 笔" in alerts[0].message and "¥55000.00" in alerts[0].message


def test_split_payments_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request_approved(people, indicator, amount="30000.00", payee_name=SHOP)
        request_approved(people, indicator, amount="19999.99", payee_name=SHOP)

        assert scan("split_payments", today=timezone.localdate()) == []


def test_repeated_just_under_threshold_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        for _ in range(2):
            request_approved(people, indicator, amount="48000.00", payee_name=SHOP)
        last = request_approved(people, indicator, amount="45000.00", payee_name=SHOP)

        alerts = scan("repeated_just_under_threshold", today=timezone.localdate())

    assert _on(alerts) == [("spending_request", str(last.pk), "warn")]
    assert "3 笔" in alerts[0].message


def test_repeated_just_under_threshold_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        for _ in range(2):
            request_approved(people, indicator, amount="48000.00", payee_name=SHOP)
        request_approved(people, indicator, amount="44999.99", payee_name=SHOP)

        assert scan("repeated_just_under_threshold", today=timezone.localdate()) == []


def test_payee_account_many_names_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request_approved(people, indicator, payee_name=SHOP, payee_account=ACCOUNT)
        last = request_approved(people, indicator, payee_name="张三", payee_account=ACCOUNT)

        alerts = scan("payee_account_many_names", today=timezone.localdate())

    assert _on(alerts) == [("spending_request", str(last.pk), "warn")]
    assert "张三、城关文具店" in alerts[0].message or "城关文具店、张三" in alerts[0].message


def test_payee_account_many_names_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request_approved(people, indicator, payee_name=SHOP, payee_account=ACCOUNT)
        request_approved(people, indicator, payee_name=SHOP, payee_account=ACCOUNT)
        request_approved(people, indicator, payee_name="张三", payee_account="6222000099998888")

        assert scan("payee_account_many_names", today=timezone.localdate()) == []


def test_approved_unpaid_long_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = request_approved(people, indicator, amount="900.00")

        alerts = scan("approved_unpaid_long", today=_later(31))

    assert _on(alerts) == [("spending_request", str(request.pk), "remind")]
    assert "已批准 31 天仍未支付" in alerts[0].message


def test_approved_unpaid_long_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request_approved(people, indicator, amount="900.00")
        request_paid(people, indicator, amount="900.00")

        assert scan("approved_unpaid_long", today=_later(30)) == []


def test_partly_paid_stale_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = request_approved(people, indicator, amount="1000.00")
        payment_create(actor=people["cashier"], request_id=request.pk, amount="400.00")

        alerts = scan("partly_paid_stale", today=_later(61))

    assert _on(alerts) == [("spending_request", str(request.pk), "remind")]
    assert "¥400.00/¥1000.00" in alerts[0].message


def test_partly_paid_stale_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = request_approved(people, indicator, amount="1000.00")
        payment_create(actor=people["cashier"], request_id=request.pk, amount="400.00")

        assert scan("partly_paid_stale", today=_later(60)) == []


def test_returned_many_times_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = _returned_times(people, indicator, 3)

        alerts = scan("returned_many_times", today=timezone.localdate())

    assert _on(alerts) == [("spending_request", str(request.pk), "warn")]
    assert "已被退回 3 次" in alerts[0].message


def test_returned_many_times_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = _returned_times(people, indicator, 2)
        request = request_submit(actor=people["handler"], request_id=request.pk)
        approve_all(request.approval_id)

        assert scan("returned_many_times", today=timezone.localdate()) == []


def test_payment_on_non_working_day_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = request_paid(people, indicator)
        Payment.objects.filter(request=request).update(
            paid_at=datetime(2026, 11, 21, 10, 0, tzinfo=SHANGHAI))  # a Saturday

        alerts = scan("payment_on_non_working_day", today=date(2026, 11, 23))

    assert _on(alerts) == [("spending_request", str(request.pk), "remind")]
    assert "周六 2026-11-21 10:00" in alerts[0].message


def test_payment_on_non_working_day_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        request = request_paid(people, indicator)
        Payment.objects.filter(request=request).update(  # Sunday in UTC, Monday 07:30 locally
            paid_at=datetime(2026, 11, 22, 23, 30, tzinfo=UTC))

        assert scan("payment_on_non_working_day", today=date(2026, 11, 23)) == []
