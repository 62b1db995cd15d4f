"""Reads of the county's statistics snapshots (public schema only: never a township's schema)."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.county.models import CountyAlert, TenantStats
from county_platform.errors import DomainError
from permissions.access import Membership
from tenants.models import Domain, InspectorGrant, Tenant


@dataclass(frozen=True)
class StatsRow:
    """One township and its snapshot for the year (None until the first refresh)."""

    tenant: Tenant
    stats: TenantStats | None


def townships_visible(*, county: Tenant, membership: Membership) -> QuerySet[Tenant]:
    """The county's active townships the caller may compare: all of them for its staff; for an
    inspector, those their grant names (all, with an "all townships" grant)."""
    tenants = (Tenant.objects.filter(parent=county, is_active=True)
               .only("id", "slug", "name", "kind", "parent_id").order_by("slug"))
    grant = membership.inspector_grant if membership.is_inspector else None
    if grant is not None and not grant.all_tenants:
        tenants = tenants.filter(pk__in=grant.tenants.values("pk"))
    return tenants


def stats_rows(*, tenants: list[Tenant], year: int) -> list[StatsRow]:
    """The snapshot of each of `tenants` for `year`, in their order (one query)."""
    found = {s.tenant_id: s for s in TenantStats.objects.filter(tenant__in=tenants, year=year)}
    return [StatsRow(tenant, found.get(tenant.pk)) for tenant in tenants]


def stats_values(*, tenants: list[Tenant], year: int, fields: list[str]) -> dict[int, dict]:
    """The snapshots of `tenants` for `year` as plain values by tenant id (one query; no model
    instances: the whole county's list is the dashboard's hot path)."""
    rows = TenantStats.objects.filter(tenant__in=tenants, year=year).values("tenant_id", *fields)
    return {row.pop("tenant_id"): row for row in rows}


def township_get_for(*, county: Tenant, membership: Membership, slug: str) -> Tenant:
    """One township the caller may compare; the same 404 for "none" and "not yours"."""
    tenant = townships_visible(county=county, membership=membership).filter(slug=slug).first()
    if tenant is None:
        raise DomainError("not_found", "未找到该乡镇。", 404)
    return tenant


def alerts_by_rule(*, tenant: Tenant, year: int) -> list[dict]:
    """The township's alerts raised in `year` per rule and severity: how many, how many are
    not closed (from the county's mirror of its alerts)."""
    start = timezone.make_aware(datetime.combine(date(year, 1, 1), time.min))
    end = timezone.make_aware(datetime.combine(date(year + 1, 1, 1), time.min))
    rows = (CountyAlert.objects.filter(tenant=tenant, created_at__gte=start, created_at__lt=end)
            .values("rule", "severity")
            .annotate(total=Count("id"), still_open=Count("id", filter=~Q(status="closed")))
            .order_by("-still_open", "-total", "rule"))
    return list(rows)


def primary_hosts(*, tenants: list[Tenant]) -> dict[int, str]:
    """Each tenant's primary host name (one query)."""
    rows = Domain.objects.filter(tenant__in=tenants, is_primary=True)
    return dict(rows.values_list("tenant_id", "domain"))


def townships_inspected(*, user, county: Tenant) -> set[int] | None:
    """Townships of `county` that `user` may enter today by an inspector grant: ids, or None
    for every township (an "all townships" grant)."""
    today = timezone.localdate()
    grants = InspectorGrant.objects.filter(
        user_id=user.pk, county=county, valid_from__lte=today, valid_to__gte=today,
        revoked_at__isnull=True)
    if grants.filter(all_tenants=True).exists():
        return None
    return set(grants.values_list("tenants", flat=True)) - {None}


def stats_year(value) -> int:
    """The year asked for (this year by default); 400 when it is not a plausible year."""
    if value in (None, ""):
        return timezone.localdate().year
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        raise DomainError("invalid", "年度须为 2000–2100 之间的整数。", 400, field="year")
    return year
