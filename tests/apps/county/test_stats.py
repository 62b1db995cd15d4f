"""County statistics: one township's figures from its real data, the snapshot upsert, the
refresh of every township, and the debounced refresh after a change."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.approvals.models import ApprovalStep, StepStatus
from apps.budget.controls import Draw, budget_commit
from apps.budget.ledger import budget_execute
from apps.controls.services import alert_close_by_key, alert_raise
from apps.county.models import TenantStats
from apps.county.services import pending_key, stats_refresh, stats_refresh_all
from apps.county.stats import stats_compute
from apps.county.tasks import stats_refresh_tenant
from apps.expenditure.services import payment_create
from permissions.models import PostAssignment
from tests.apps.budget.helpers import indicator_make
from tests.apps.controls.rules.helpers import office_make, request_approved, request_paid
from tests.factories import staff_make

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def figures(tenant, in_tenant, year=YEAR) -> dict:
    with in_tenant(tenant):
        return stats_compute(tenant=tenant, year=year)


@pytest.fixture
def office(town_a, in_tenant):
    people, indicator = office_make(town_a, amount="1000000.00")
    with in_tenant(town_a):
        sangong = indicator_make(amount="50000.00", subject="30217", year=YEAR)
    return people, indicator, sangong


def _paid_last_year(indicator, amount: str) -> None:
    """Last year's spending, through the budget ledger (last year's documents are closed)."""
    draw = Draw(indicator.pk, Decimal(amount), indicator.subject_id)
    budget_commit(actor=None, draws=[draw], document_type="test", document_id="1",
                  year=YEAR - 1)
    budget_execute(actor=None, indicator_id=indicator.pk, amount=Decimal(amount),
                   document_type="test", document_id="1")


def test_budget_execution_and_sangong_against_last_year(town_a, in_tenant, office):
    people, indicator, sangong = office
    with in_tenant(town_a):
        last_year = indicator_make(amount="40000.00", subject="30231", year=YEAR - 1)
        request_paid(people, indicator, "800.00")
        request_paid(people, indicator, "6000.00")
        request_paid(people, sangong, "3000.00")
        _paid_last_year(last_year, "2500.00")
        request_approved(people, indicator, "900.00")  # approved, not paid: frozen

    got = figures(town_a, in_tenant)

    assert got["budget_amount"] == Decimal("1050000.00")
    assert got["executed"] == Decimal("9800.00")
    assert got["committed"] == Decimal("900.00")
    assert got["execution_rate"] == Decimal("0.93")  # 9,800 / 1,050,000 in percent
    assert (got["sangong_total"], got["sangong_last_year"]) == (Decimal("3000.00"),
                                                                Decimal("2500.00"))
    assert got["payments_count"] == 3


def _decided_steps_take(seconds_by_post: dict[str, list[int]]) -> None:
    """Give the decided steps of each post these wall-clock durations, in id order."""
    now = timezone.now()
    for post, durations in seconds_by_post.items():
        steps = ApprovalStep.objects.filter(post_code=post, status=StepStatus.APPROVED)
        assert steps.count() == len(durations)
        for step, seconds in zip(steps.order_by("id"), durations, strict=True):
            ApprovalStep.objects.filter(pk=step.pk).update(
                started_at=now - timedelta(seconds=seconds), finished_at=now)


def test_approval_time_median_and_p90_overall_and_per_post(town_a, in_tenant, office):
    people, indicator, _ = office
    with in_tenant(town_a):
        request_approved(people, indicator, "800.00")
        request_approved(people, indicator, "6000.00")  # accountant, then leader
        request_approved(people, indicator, "1200.00")
        _decided_steps_take({"accountant": [3600, 7200, 10800], "leader": [1800]})

    got = figures(town_a, in_tenant)

    # 1,800 3,600 7,200 10,800: median 5,400; p90 interpolated 7,200 + 0.7 × 3,600
    assert got["approval_median_seconds"] == pytest.approx(5400)
    assert got["approval_p90_seconds"] == pytest.approx(9720)
    assert got["approval_steps"]["accountant"]["count"] == 3
    assert got["approval_steps"]["accountant"]["median_seconds"] == pytest.approx(7200)
    assert got["approval_steps"]["leader"]["median_seconds"] == pytest.approx(1800)


def test_alerts_by_severity_and_status_and_those_still_open(town_b, in_tenant):
    with in_tenant(town_b):
        for n, severity in enumerate(("remind", "warn", "warn", "block")):
            alert_raise(rule="test_rule", severity=severity, message=f"预警{n}",
                        dedupe_key=f"stats-test:{n}")
        alert_close_by_key(dedupe_key="stats-test:1", note="已处理")

    got = figures(town_b, in_tenant)

    assert got["alerts"] == {"remind": {"open": 1}, "warn": {"open": 1, "closed": 1},
                             "block": {"open": 1}}
    assert got["alerts_open"] == 3


def test_key_post_held_past_its_limit_counts_as_overdue_rotation(town_b, in_tenant):
    veteran = staff_make(town_b, posts=("cashier",))
    staff_make(town_b, posts=("cashier",))  # a newcomer on the same key post
    with in_tenant(town_b):
        PostAssignment.objects.filter(staff=veteran).update(
            start_date=timezone.localdate() - timedelta(days=365 * 8))

    assert figures(town_b, in_tenant)["rotations_overdue"] == 1


def test_a_township_without_data_has_zero_figures(town_b, in_tenant):
    got = figures(town_b, in_tenant)

    assert (got["budget_amount"], got["execution_rate"]) == (Decimal("0.00"), Decimal("0.00"))
    assert got["approval_median_seconds"] is None and got["approval_steps"] == {}
    assert (got["alerts"], got["alerts_open"], got["payments_count"]) == ({}, 0, 0)


def test_the_number_of_queries_does_not_grow_with_the_data(town_a, in_tenant, office):
    people, indicator, _ = office

    def queries() -> int:
        with in_tenant(town_a), CaptureQueriesContext(connection) as captured:
            stats_compute(tenant=town_a, year=YEAR)
        return len(captured)

    with in_tenant(town_a):
        request_paid(people, indicator, "800.00")
    queries()  # the first switch into the schema costs a query of its own
    few = queries()
    with in_tenant(town_a):
        for _ in range(4):
            request_paid(people, indicator, "6000.00")
        alert_raise(rule="test_rule", severity="warn", message="预警", dedupe_key="stats-q")

    assert queries() == few <= 14


def test_refresh_stores_one_snapshot_per_township_and_year_and_updates_it(town_a, in_tenant,
                                                                          office):
    people, indicator, _ = office
    first = stats_refresh(tenant=town_a, year=YEAR)
    with in_tenant(town_a):
        request_paid(people, indicator, "800.00")

    stats_refresh(tenant=town_a, year=YEAR)

    snapshot = TenantStats.objects.get(tenant=town_a, year=YEAR)
    assert TenantStats.objects.filter(tenant=town_a).count() == 1
    assert snapshot.executed == Decimal("800.00") and snapshot.payments_count == 1
    assert snapshot.refreshed_at >= first.refreshed_at


def test_refresh_all_visits_every_active_township_and_no_county(county, town_a, town_b):
    seen = []

    count = stats_refresh_all(year=YEAR, progress=lambda done, total, t: seen.append(t.slug))

    assert {"town-a", "town-b"} <= set(seen) and "cty" not in seen and count == len(seen)
    assert set(TenantStats.objects.filter(year=YEAR).values_list("tenant__slug", flat=True)) \
        == set(seen)


def test_refresh_all_skips_an_inactive_township(county, town_a, town_b):
    town_b.is_active = False
    town_b.save(update_fields=["is_active"])

    stats_refresh_all(year=YEAR)

    assert not TenantStats.objects.filter(tenant=town_b).exists()
    assert TenantStats.objects.filter(tenant=town_a, year=YEAR).exists()


def test_a_payment_schedules_one_refresh_that_brings_the_snapshot_up_to_date(
        town_a, in_tenant, office, django_capture_on_commit_callbacks):
    people, indicator, _ = office
    stats_refresh(tenant=town_a, year=YEAR)
    with in_tenant(town_a):
        request = request_approved(people, indicator, "800.00")
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            payment_create(actor=people["cashier"], request_id=request.pk, amount="800.00")
        scheduled = cache.get(pending_key(YEAR))

        stats_refresh_tenant.run(YEAR)  # what the worker runs in the township's schema

        assert cache.get(pending_key(YEAR)) is None
    assert len(callbacks) >= 1 and scheduled == 1
    snapshot = TenantStats.objects.get(tenant=town_a, year=YEAR)
    assert (snapshot.executed, snapshot.payments_count) == (Decimal("800.00"), 1)


def test_the_command_refreshes_every_township_and_reports_progress(county, town_a, town_b,
                                                                   capsys):
    call_command("stats_refresh", "--year", str(YEAR))

    out = capsys.readouterr().out
    assert f"{YEAR}年：已刷新" in out and "town-b" in out
    assert TenantStats.objects.filter(year=YEAR, tenant__slug__in=["town-a", "town-b"]).count() \
        == 2
