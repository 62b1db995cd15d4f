"""Keeping the county's statistics snapshots (TenantStats) current.

`stats_refresh` computes one township's figures in its schema and upserts its snapshot;
`stats_refresh_all` does that for every active township in one pass (nightly, or by the
`stats_refresh` command); `stats_refresh_soon` is called at the end of a change inside a
township and, once the change commits, schedules one debounced refresh of that township.

Snapshots are derived data, recomputed from scratch each time: a refresh changes no business
record, so it writes no audit event.
"""

from collections.abc import Callable

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from apps.county.models import TenantStats
from apps.county.stats import stats_compute
from county_platform.celery import schema_headers
from tenants.models import Tenant, TenantKind

# Changes within this many seconds of the first one are covered by a single refresh.
DEBOUNCE_SECONDS = 30
# How long the "refresh already scheduled" mark may outlive a lost task (the nightly refresh
# repairs anything missed meanwhile).
PENDING_TTL_SECONDS = 10 * 60
SNAPSHOT_FIELDS = (
    "budget_amount", "executed", "committed", "execution_rate", "sangong_total",
    "sangong_last_year", "approval_median_seconds", "approval_p90_seconds", "approval_steps",
    "alerts", "alerts_open", "rotations_overdue", "payments_count", "refreshed_at",
)


def stats_refresh(*, tenant: Tenant, year: int) -> TenantStats:
    """Recompute `tenant`'s figures for `year` and store them (insert or update, one query)."""
    with schema_context(tenant.schema_name):
        values = stats_compute(tenant=tenant, year=year)
    row = TenantStats(tenant=tenant, year=year, refreshed_at=timezone.now(), **values)
    TenantStats.objects.bulk_create(
        [row], update_conflicts=True, unique_fields=["tenant", "year"],
        update_fields=list(SNAPSHOT_FIELDS),
    )
    return row


def townships_active():
    """Every active township, town and subdistrict (not the public tenant, not a county)."""
    return (Tenant.objects.filter(is_active=True)
            .exclude(schema_name=get_public_schema_name())
            .exclude(kind=TenantKind.COUNTY)
            .order_by("id"))


def stats_refresh_all(
    *, year: int, progress: Callable[[int, int, Tenant], None] | None = None
) -> int:
    """Refresh every active township's snapshot for `year`, one after the other; returns how
    many. `progress(done, total, tenant)` is called after each."""
    tenants = list(townships_active())
    for done, tenant in enumerate(tenants, start=1):
        stats_refresh(tenant=tenant, year=year)
        if progress is not None:
            progress(done, len(tenants), tenant)
    return len(tenants)


def pending_key(year: int) -> str:
    """The cache key (made per schema by django-tenants) of a scheduled refresh."""
    return f"county-stats-refresh:{year}"


def stats_refresh_soon(*, year: int | None = None) -> None:
    """Once the current transaction commits, schedule a refresh of the current township's
    snapshot in DEBOUNCE_SECONDS, unless one is already scheduled. Never fails the change."""
    schema_name = connection.schema_name
    if schema_name == get_public_schema_name():
        return
    year = year or timezone.localdate().year

    def send() -> None:
        from apps.county.tasks import stats_refresh_tenant  # the tasks module imports this one

        with schema_context(schema_name):
            first = cache.add(pending_key(year), 1, timeout=PENDING_TTL_SECONDS)
        if first:
            stats_refresh_tenant.apply_async(
                args=[year], headers=schema_headers(schema_name), countdown=DEBOUNCE_SECONDS
            )

    transaction.on_commit(send, robust=True)
