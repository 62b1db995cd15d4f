"""Revenue rules: each fires on real data and stays quiet on a near miss."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.approvals.services import approval_withdraw
from apps.budget.models import FundAccount, RevenueRegistration
from apps.budget.revenue import revenue_submit
from apps.budget.services import fund_account_create
from county_platform.errors import DomainError
from tests.apps.controls.rules.helpers import (
    alerts_of,
    approve_all,
    revenue_office_make,
    revenue_registered,
    scan,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(town_a):
    people = revenue_office_make(town_a)
    with schema_context(town_a.schema_name):
        accounts = {kind: fund_account_create(actor=None, name=f"{kind}账户", kind=kind)
                    for kind in ("fiscal", "government", "special", "company")}
        yield people, accounts


def _days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def _rule_objects(code: str) -> list[str]:
    return [alert.object_id for alert in alerts_of(code)]


def test_revenue_registered_late_fires(office):
    people, accounts = office

    revenue = revenue_registered(people["cashier"], accounts["fiscal"], received_on=_days_ago(11))

    [alert] = alerts_of("revenue_registered_late")
    assert (alert.object_id, alert.severity) == (str(revenue.pk), "warn")
    assert "11 天后才提交登记" in alert.message


def test_revenue_registered_late_quiet(office):
    people, accounts = office

    revenue_registered(people["cashier"], accounts["fiscal"], received_on=_days_ago(10))

    assert alerts_of("revenue_registered_late") == []


def test_revenue_inactive_account_fires(office):
    people, accounts = office
    draft = revenue_registered(people["cashier"], accounts["fiscal"], submit=False)
    FundAccount.objects.filter(pk=accounts["fiscal"].pk).update(is_active=False)

    with pytest.raises(DomainError) as refused:
        revenue_submit(actor=people["cashier"], revenue_id=draft.pk)

    assert (refused.value.code, refused.value.status) == ("revenue_inactive_account", 422)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_revenue_inactive_account_quiet(office):
    people, accounts = office
    draft = revenue_registered(people["cashier"], accounts["fiscal"], submit=False)
    FundAccount.objects.filter(pk=accounts["government"].pk).update(is_active=False)

    submitted = revenue_submit(actor=people["cashier"], revenue_id=draft.pk)

    assert submitted.status == "in_approval"


def test_land_transfer_not_government_account_fires(office):
    people, accounts = office

    revenue = revenue_registered(people["cashier"], accounts["special"], kind="land_transfer",
                                 amount="1500000.00")

    [alert] = alerts_of("land_transfer_not_government_account")
    assert (alert.object_id, alert.severity) == (str(revenue.pk), "warn")
    assert "专户“special账户”" in alert.message


def test_land_transfer_not_government_account_quiet(office):
    people, accounts = office

    revenue_registered(people["cashier"], accounts["government"], kind="land_transfer")
    revenue_registered(people["cashier"], accounts["special"], kind="tax_return")

    assert alerts_of("land_transfer_not_government_account") == []


def test_revenue_into_company_account_fires(office):
    people, accounts = office

    revenue = revenue_registered(people["cashier"], accounts["company"], kind="asset_income")

    [alert] = alerts_of("revenue_into_company_account")
    assert (alert.object_id, alert.severity) == (str(revenue.pk), "warn")
    assert "公司账户“company账户”" in alert.message


def test_revenue_into_company_account_quiet(office):
    people, accounts = office

    revenue_registered(people["cashier"], accounts["special"], kind="asset_income")

    assert alerts_of("revenue_into_company_account") == []


def test_revenue_duplicate_fires(office):
    people, accounts = office
    first = revenue_registered(people["cashier"], accounts["fiscal"], amount="36000.00")

    second = revenue_registered(people["cashier"], accounts["fiscal"], amount="36000.00")

    [alert] = alerts_of("revenue_duplicate")
    assert alert.object_id == str(second.pk)
    assert f"#{first.pk}" in alert.message


def test_revenue_duplicate_quiet(office):
    people, accounts = office
    withdrawn = revenue_registered(people["cashier"], accounts["fiscal"], amount="36000.00")
    approval_withdraw(actor=people["cashier"], approval_id=withdrawn.approval_id)
    revenue_registered(people["cashier"], accounts["fiscal"], amount="36000.01")

    revenue_registered(people["cashier"], accounts["fiscal"], amount="36000.00")

    assert alerts_of("revenue_duplicate") == []


def test_revenue_collected_by_bookkeeper_fires(office):
    people, accounts = office

    revenue = revenue_registered(people["accountant"], accounts["fiscal"])

    [alert] = alerts_of("revenue_collected_by_bookkeeper")
    assert (alert.object_id, alert.severity) == (str(revenue.pk), "warn")
    assert people["accountant"].username in alert.message


def test_revenue_collected_by_bookkeeper_quiet(office):
    people, accounts = office

    revenue_registered(people["cashier"], accounts["fiscal"])

    assert alerts_of("revenue_collected_by_bookkeeper") == []


def test_revenue_pending_long_fires(office):
    people, accounts = office
    revenue = revenue_registered(people["cashier"], accounts["fiscal"])

    alerts = scan("revenue_pending_long", today=timezone.localdate() + timedelta(days=11))

    assert [(a.object_id, a.severity) for a in alerts] == [(str(revenue.pk), "remind")]
    assert "已审批 11 天" in alerts[0].message


def test_revenue_pending_long_quiet(office):
    people, accounts = office
    revenue_registered(people["cashier"], accounts["fiscal"])

    assert scan("revenue_pending_long", today=timezone.localdate() + timedelta(days=10)) == []


def test_revenue_not_booked_fires(office):
    people, accounts = office
    draft = revenue_registered(people["cashier"], accounts["fiscal"], submit=False,
                               received_on=_days_ago(11))

    alerts = scan("revenue_not_booked", today=timezone.localdate())

    assert [(a.object_id, a.severity) for a in alerts] == [(str(draft.pk), "warn")]
    assert "已过 11 天仍是草稿状态" in alerts[0].message


def test_revenue_not_booked_quiet(office):
    people, accounts = office
    revenue_registered(people["cashier"], accounts["fiscal"], submit=False,
                       received_on=_days_ago(10))
    revenue_registered(people["cashier"], accounts["fiscal"], received_on=_days_ago(30))

    assert scan("revenue_not_booked", today=timezone.localdate()) == []


def _approved(people, account, *, amount, year):
    revenue = revenue_registered(people["cashier"], account, amount=amount,
                                 received_on=date(year, 1, 1), kind="asset_income")
    approve_all(revenue.approval_id)
    return revenue


def test_revenue_drop_vs_last_year_fires(office):
    people, accounts = office
    today = timezone.localdate()
    _approved(people, accounts["fiscal"], amount="200000.00", year=today.year - 1)
    _approved(people, accounts["fiscal"], amount="60000.00", year=today.year)

    alerts = scan("revenue_drop_vs_last_year", today=today)

    assert [(a.object_id, a.severity) for a in alerts] == [("asset_income", "warn")]
    assert "入账 ¥60000.00，上年同期 ¥200000.00" in alerts[0].message


def test_revenue_drop_vs_last_year_quiet(office):
    people, accounts = office
    today = timezone.localdate()
    _approved(people, accounts["fiscal"], amount="200000.00", year=today.year - 1)
    _approved(people, accounts["fiscal"], amount="100000.00", year=today.year)
    revenue_registered(people["cashier"], accounts["fiscal"], amount="500000.00",
                       received_on=date(today.year - 1, 1, 2), kind="tax_return", submit=False)

    assert scan("revenue_drop_vs_last_year", today=today) == []
    assert RevenueRegistration.objects.filter(status="approved").count() == 2


def _opened_long_ago(account) -> None:
    FundAccount.objects.filter(pk=account.pk).update(
        created_at=timezone.now() - timedelta(days=400))


def test_revenue_account_unused_fires(office):
    people, accounts = office
    _opened_long_ago(accounts["special"])

    alerts = scan("revenue_account_unused", today=timezone.localdate())

    assert [(a.object_id, a.severity) for a in alerts] == [(str(accounts["special"].pk),
                                                             "remind")]
    assert "“special账户”已有 12 个月" in alerts[0].message


def test_revenue_account_unused_quiet(office):
    people, accounts = office
    _opened_long_ago(accounts["special"])
    revenue_registered(people["cashier"], accounts["special"], received_on=_days_ago(330))

    assert scan("revenue_account_unused", today=timezone.localdate()) == []
