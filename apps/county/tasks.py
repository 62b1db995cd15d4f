"""County statistics tasks: one township's snapshot (sent by stats_refresh_soon with the
township's schema), and every township's each night (beat)."""

from django.core.cache import cache
from django.utils import timezone

from apps.county.services import pending_key, stats_refresh, stats_refresh_all
from county_platform.celery import app, require_tenant_schema
from tenants.models import Tenant


@app.task(name="apps.county.tasks.stats_refresh_tenant")
def stats_refresh_tenant(year: int) -> None:
    """Recompute the task's township's snapshot for `year`; running it twice changes nothing."""
    schema_name = require_tenant_schema()
    # Cleared first: a change committed while this runs schedules a refresh of its own.
    cache.delete(pending_key(year))
    stats_refresh(tenant=Tenant.objects.get(schema_name=schema_name), year=year)


@app.task(name="apps.county.tasks.stats_refresh_nightly")
def stats_refresh_nightly() -> int:
    """Every active township's snapshot for this year, in one pass; returns how many."""
    return stats_refresh_all(year=timezone.localdate().year)
