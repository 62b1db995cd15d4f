"""Budget rules: each fires on real data and stays quiet where there is nothing to say."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.approvals.services import process_define
from apps.budget.adjustments import adjustment_create, adjustment_withdraw
from apps.budget.models import (
    BudgetAdjustment,
    BudgetIndicator,
    EconomicSubject,
    FundAccount,
)
from apps.budget.services import department_limit_set, project_create, subject_total_set
from apps.expenditure.models import Payment
from apps.expenditure.services import request_create, request_submit
from county_platform.errors import DomainError
from permissions.services import post_assign, staff_add
from tests.apps.budget.helpers import department_make, indicator_make
from tests.apps.controls.rules.helpers import (
    alerts_of,
    approve_all,
    ledger_spent,
    office_make,
    request_approved,
    request_paid,
    scan,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _at(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.get_current_timezone())


def _paid_on(request, when: datetime) -> None:
    """Backdate the request's payments (the payments table is not append-only)."""
    Payment.objects.filter(request=request).update(paid_at=when)


def _adjustments_defined() -> None:
    process_define(actor=None, document_type="budget_adjustment", name="预算调整审批",
                   steps=[{"name": "主要负责人审批", "post_code": "principal", "mode": "any"}])


def _adjust(people, indicator, delta: str):
    return adjustment_create(actor=people["budget_officer"], indicator_id=indicator.pk,
                             delta=delta, reason="据实调整")


def _submitted(people, indicator, amount: str):
    request = request_create(actor=people["handler"], amount=amount, purpose="购买办公用品",
                             indicator_id=indicator.pk)
    return request_submit(actor=people["handler"], request_id=request.pk)


def test_execution_ahead_of_year_fires(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        request_paid(people, indicator, amount="90000.00")

        alerts = scan("execution_ahead_of_year", today=date(2026, 3, 1))

    assert [(a.object_type, a.object_id, a.severity) for a in alerts] == [
        ("budget_indicator", str(indicator.pk), "warn")]
    assert "已执行 90.0%" in alerts[0].message


def test_execution_ahead_of_year_quiet(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        request_paid(people, indicator, amount="40000.00")

        assert scan("execution_ahead_of_year", today=date(2026, 3, 1)) == []


def test_execution_behind_schedule_fires(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        request_paid(people, indicator, amount="10000.00")

        alerts = scan("execution_behind_schedule", today=date(2026, 9, 30))

    assert [(a.object_type, a.object_id, a.severity) for a in alerts] == [
        ("budget_indicator", str(indicator.pk), "warn")]
    assert "只执行了 10.0%" in alerts[0].message
    assert "时间进度已过 74.8%" in alerts[0].message


def test_execution_behind_schedule_quiet(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        request_paid(people, indicator, amount="50000.00")  # 30 points behind 74.8% is 44.8%

        assert scan("execution_behind_schedule", today=date(2026, 9, 30)) == []


def test_indicator_nearly_exhausted_fires(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        request_approved(people, indicator, amount="95000.00")

        alerts = scan("indicator_nearly_exhausted", today=date(2026, 11, 2))

    assert [(a.object_id, a.severity) for a in alerts] == [(str(indicator.pk), "remind")]
    assert "可用余额只剩 ¥5000.00（5.0%）" in alerts[0].message


def test_indicator_nearly_exhausted_quiet(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        request_approved(people, indicator, amount="85000.00")

        assert scan("indicator_nearly_exhausted", today=date(2026, 11, 2)) == []


def _opened_in_january(indicator) -> None:
    BudgetIndicator.objects.filter(pk=indicator.pk).update(created_at=_at(2026, 1, 5, 9))


def test_idle_indicator_fires(town_a):
    _, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        _opened_in_january(indicator)
        indicator_make(amount="100000.00")  # opened only today: not idle yet

        alerts = scan("idle_indicator", today=date(2026, 7, 1))

    assert [(a.object_id, a.severity) for a in alerts] == [(str(indicator.pk), "remind")]
    assert "到 2026年07月01日 还没有任何冻结或支付" in alerts[0].message


def test_idle_indicator_quiet(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        _opened_in_january(indicator)
        _submitted(people, indicator, "800.00")  # frozen, not yet paid: the money is in use

        assert scan("idle_indicator", today=date(2026, 7, 1)) == []


def _sangong_years(last: str, this: str) -> None:
    """A 公务接待费 indicator last year and this year, with what each has paid."""
    department = department_make()
    ledger_spent(indicator_make(amount="20000.00", subject="30217", department=department,
                                year=2025), last)
    ledger_spent(indicator_make(amount="20000.00", subject="30217", department=department,
                                year=2026), this)


def test_sangong_above_last_year_fires(town_a):
    with schema_context(town_a.schema_name):
        _sangong_years(last="5000.00", this="6000.00")

        alerts = scan("sangong_above_last_year", today=date(2026, 10, 1))
        subject = EconomicSubject.objects.get(code="30217")

    assert [(a.object_type, a.object_id, a.severity) for a in alerts] == [
        ("economic_subject", str(subject.pk), "warn")]
    assert "2026年已支付 ¥6000.00，超过2025年全年的 ¥5000.00" in alerts[0].message


def test_sangong_above_last_year_quiet(town_a):
    with schema_context(town_a.schema_name):
        _sangong_years(last="5000.00", this="5000.00")

        assert scan("sangong_above_last_year", today=date(2026, 10, 1)) == []


def _sangong_total_used(used: str):
    subject = EconomicSubject.objects.get(code="30231")
    total, _ = subject_total_set(actor=None, year=2026, subject=subject, amount="10000.00")
    ledger_spent(indicator_make(amount="20000.00", subject="30231"), used, pay=False)
    return total


def test_sangong_near_subject_total_fires(town_a):
    with schema_context(town_a.schema_name):
        total = _sangong_total_used("9500.00")

        alerts = scan("sangong_near_subject_total", today=date(2026, 8, 1))

    assert [(a.object_type, a.object_id, a.severity) for a in alerts] == [
        ("subject_total", str(total.pk), "warn")]
    assert "已冻结和支付合计 ¥9500.00（95.0%）" in alerts[0].message


def test_sangong_near_subject_total_quiet(town_a):
    with schema_context(town_a.schema_name):
        _sangong_total_used("8500.00")

        assert scan("sangong_near_subject_total", today=date(2026, 8, 1)) == []


def _limit_used(town, used: str):
    people, indicator = office_make(town, amount="100000.00")
    with schema_context(town.schema_name):
        limit, _ = department_limit_set(actor=None, year=2026, department=indicator.department,
                                        subject=indicator.subject, amount="10000.00")
        request_approved(people, indicator, amount=used)
    return limit


def test_department_limit_nearly_used_fires(town_a):
    limit = _limit_used(town_a, "9500.00")
    with schema_context(town_a.schema_name):
        alerts = scan("department_limit_nearly_used", today=date(2026, 8, 1))

    assert [(a.object_type, a.object_id, a.severity) for a in alerts] == [
        ("department_limit", str(limit.pk), "remind")]
    assert "限额 ¥10000.00，已冻结和支付合计 ¥9500.00（95.0%）" in alerts[0].message


def test_department_limit_nearly_used_quiet(town_a):
    _limit_used(town_a, "8500.00")
    with schema_context(town_a.schema_name):
        assert scan("department_limit_nearly_used", today=date(2026, 8, 1)) == []


def _paid_through_year(town, *, june: str, december: str):
    people, indicator = office_make(town)
    with schema_context(town.schema_name):
        _paid_on(request_paid(people, indicator, amount=june), _at(2026, 6, 15, 10))
        _paid_on(request_paid(people, indicator, amount=december), _at(2026, 12, 10, 10))
    return indicator


def test_year_end_surge_fires(town_a):
    indicator = _paid_through_year(town_a, june="70000.00", december="30000.00")
    with schema_context(town_a.schema_name):
        alerts = scan("year_end_surge", today=date(2026, 12, 20))

    assert [(a.object_type, a.object_id, a.severity) for a in alerts] == [
        ("department", str(indicator.department_id), "warn")]
    assert "12月支付 ¥30000.00，占 30.0%" in alerts[0].message


def test_year_end_surge_quiet(town_a):
    _paid_through_year(town_a, june="80000.00", december="20000.00")
    with schema_context(town_a.schema_name):
        assert scan("year_end_surge", today=date(2026, 12, 20)) == []


def _paid_in_october(town, *, late_day: int):
    people, indicator = office_make(town)
    with schema_context(town.schema_name):
        _paid_on(request_paid(people, indicator, amount="20000.00"), _at(2026, 10, 10, 10))
        _paid_on(request_paid(people, indicator, amount="40000.00"), _at(2026, 10, late_day, 23))


def test_month_end_surge_fires(town_a):
    _paid_in_october(town_a, late_day=27)
    with schema_context(town_a.schema_name):
        alerts = scan("month_end_surge", today=date(2026, 11, 3))

    assert [(a.object_id, a.severity) for a in alerts] == [("2026-10", "remind")]
    assert "最后 5 天支付 ¥40000.00，占 66.7%" in alerts[0].message


def test_month_end_surge_quiet(town_a):
    _paid_in_october(town_a, late_day=26)  # the day before the last five days of October
    with schema_context(town_a.schema_name):
        assert scan("month_end_surge", today=date(2026, 11, 3)) == []


def _adjusted_on(town, day: int):
    people, indicator = office_make(town, amount="100000.00")
    with schema_context(town.schema_name):
        _adjustments_defined()
        adjustment = _adjust(people, indicator, "5000.00")
        BudgetAdjustment.objects.filter(pk=adjustment.pk).update(created_at=_at(2026, 12, day, 9))
    return adjustment


def test_adjustment_year_end_fires(town_a):
    adjustment = _adjusted_on(town_a, 20)
    with schema_context(town_a.schema_name):
        alerts = scan("adjustment_year_end", today=date(2026, 12, 28))

    assert [(a.object_type, a.object_id, a.severity) for a in alerts] == [
        ("budget_adjustment", str(adjustment.pk), "remind")]
    assert "在 12月20日 提交，离年度结束不足 15 天" in alerts[0].message


def test_adjustment_year_end_quiet(town_a):
    _adjusted_on(town_a, 16)  # one day before the last fifteen days of the year
    with schema_context(town_a.schema_name):
        assert scan("adjustment_year_end", today=date(2026, 12, 28)) == []


def _approved_adjustment(town, delta: str):
    people, indicator = office_make(town, amount="100000.00")
    with schema_context(town.schema_name):
        _adjustments_defined()
        approve_all(_adjust(people, indicator, delta).approval_id)
    return indicator


def test_indicator_adjusted_heavily_fires(town_a):
    indicator = _approved_adjustment(town_a, "40000.00")
    with schema_context(town_a.schema_name):
        alerts = scan("indicator_adjusted_heavily", today=date(2026, 11, 2))

    assert [(a.object_id, a.severity) for a in alerts] == [(str(indicator.pk), "warn")]
    assert "年初批复 ¥100000.00，本年调整后净增加 ¥40000.00（40.0%）" in alerts[0].message


def test_indicator_adjusted_heavily_quiet(town_a):
    indicator = _approved_adjustment(town_a, "25000.00")
    with schema_context(town_a.schema_name):
        indicator.refresh_from_db()

        assert indicator.amount == Decimal("125000.00")
        assert scan("indicator_adjusted_heavily", today=date(2026, 11, 2)) == []


def test_adjustment_large_fires(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        _adjustments_defined()
        adjustment = _adjust(people, indicator, "-25000.00")

        alerts = alerts_of("adjustment_large")

    assert [(a.object_type, a.object_id, a.severity) for a in alerts] == [
        ("budget_adjustment", str(adjustment.pk), "warn")]
    assert "本次预算调整 -25000.00元，占该指标批复金额 ¥100000.00 的 25.0%" in alerts[0].message


def test_adjustment_large_quiet(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        _adjustments_defined()
        _adjust(people, indicator, "20000.00")

        assert alerts_of("adjustment_large") == []


def test_adjustment_frequent_fires(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        _adjustments_defined()
        _adjust(people, indicator, "1000.00")
        _adjust(people, indicator, "1000.00")
        third = _adjust(people, indicator, "1000.00")

        alerts = alerts_of("adjustment_frequent")

    assert [(a.object_id, a.severity) for a in alerts] == [(str(third.pk), "warn")]
    assert "已有 2 次预算调整" in alerts[0].message


def test_adjustment_frequent_quiet(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        _adjustments_defined()
        _adjust(people, indicator, "1000.00")
        withdrawn = _adjust(people, indicator, "1000.00")
        adjustment_withdraw(actor=people["budget_officer"], adjustment_id=withdrawn.pk)
        _adjust(people, indicator, "1000.00")

        assert alerts_of("adjustment_frequent") == []


def test_adjustment_increase_low_execution_fires(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        _adjustments_defined()
        request_approved(people, indicator, amount="30000.00")
        adjustment = _adjust(people, indicator, "10000.00")

        alerts = alerts_of("adjustment_increase_low_execution")

    assert [(a.object_id, a.severity) for a in alerts] == [(str(adjustment.pk), "warn")]
    assert "已冻结和支付只有 ¥30000.00（30.0%），又申请追加 ¥10000.00" in alerts[0].message


def test_adjustment_increase_low_execution_quiet(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        _adjustments_defined()
        request_approved(people, indicator, amount="50000.00")
        _adjust(people, indicator, "10000.00")

        assert alerts_of("adjustment_increase_low_execution") == []


def _capital_indicator(*, is_basic: bool):
    department = department_make()
    project = project_create(actor=None, code=f"P{department.code}", name="机关运行保障",
                             department=department, allowed_subjects=["31002"],
                             is_basic=is_basic)
    return indicator_make(amount="100000.00", subject="31002", department=department,
                          project=project)


def test_basic_indicator_capital_spend_fires(town_a):
    people, _ = office_make(town_a)
    with schema_context(town_a.schema_name):
        indicator = _capital_indicator(is_basic=True)

        with pytest.raises(DomainError) as refused:
            _submitted(people, indicator, "6000.00")

        indicator.refresh_from_db()
    assert (refused.value.code, refused.value.status) == ("basic_indicator_capital_spend", 422)
    assert indicator.committed == Decimal("0.00")


def test_basic_indicator_capital_spend_quiet(town_a):
    people, _ = office_make(town_a)
    with schema_context(town_a.schema_name):
        indicator = _capital_indicator(is_basic=False)

        request = _submitted(people, indicator, "6000.00")

        indicator.refresh_from_db()
    assert request.status == "in_approval"
    assert indicator.committed == Decimal("6000.00")


def _deactivate(indicator) -> None:
    """No service closes an account yet (the admin does): switch it off directly."""
    FundAccount.objects.filter(pk=indicator.fund_account_id).update(is_active=False)


def test_inactive_fund_account_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        _deactivate(indicator)

        with pytest.raises(DomainError) as refused:
            _submitted(people, indicator, "800.00")

        indicator.refresh_from_db()
    assert (refused.value.code, refused.value.status) == ("inactive_fund_account", 422)
    assert "已停用" in refused.value.detail
    assert indicator.committed == Decimal("0.00")


def test_inactive_fund_account_quiet(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        _deactivate(indicator_make(amount="1000.00"))  # another indicator's account

        request = _submitted(people, indicator, "800.00")

    assert request.status == "in_approval"


def test_large_share_single_request_fires(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        request = _submitted(people, indicator, "60000.00")

        alerts = alerts_of("large_share_single_request")

    assert [(a.object_type, a.object_id, a.severity) for a in alerts] == [
        ("spending_request", str(request.pk), "warn")]
    assert "占该预算指标批复金额 ¥100000.00 的 60.0%" in alerts[0].message


def test_large_share_single_request_quiet(town_a):
    people, indicator = office_make(town_a, amount="100000.00")
    with schema_context(town_a.schema_name):
        _submitted(people, indicator, "50000.00")

        assert alerts_of("large_share_single_request") == []


def _handler_of(tenant, department):
    with schema_context(tenant.schema_name):
        staff = staff_add(actor=None, username=f"handler-{department.code}",
                          password=PASSWORD, department=department)
        post_assign(actor=None, staff=staff, post_code="handler")
    return staff.user


def test_cross_department_indicator_fires(town_a):
    people, indicator = office_make(town_a)
    with schema_context(town_a.schema_name):
        other = department_make()
    people["handler"] = _handler_of(town_a, other)
    with schema_context(town_a.schema_name):
        request = _submitted(people, indicator, "800.00")

        alerts = alerts_of("cross_department_indicator")

    assert [(a.object_id, a.severity) for a in alerts] == [(str(request.pk), "warn")]
    assert f"（{other.name}）使用了“{indicator.department.name}”的预算指标" in alerts[0].message


def test_cross_department_indicator_quiet(town_a):
    people, indicator = office_make(town_a)
    people["handler"] = _handler_of(town_a, indicator.department)
    with schema_context(town_a.schema_name):
        request = _submitted(people, indicator, "800.00")

        assert request.department_id == indicator.department_id
        assert alerts_of("cross_department_indicator") == []
