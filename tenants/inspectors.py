"""Inspector grants (检查授权) and the inspectors' access log: services and selectors."""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from apps.audit.services import audit_record
from county_platform.errors import DomainError
from tenants.models import InspectorAccess, InspectorGrant, Tenant, User

# ---- selectors -------------------------------------------------------------------------------


def _county_of(tenant: Tenant) -> Tenant | None:
    return tenant if tenant.is_county else tenant.parent


def inspector_grants_covering(*, user, tenant: Tenant) -> QuerySet[InspectorGrant]:
    """Every grant of `user` (live or not) that names `tenant`: listed, "all" of its county,
    or the county itself (a grant of county X always opens X's own host)."""
    county = _county_of(tenant)
    if county is None or not getattr(user, "is_authenticated", False):
        return InspectorGrant.objects.none()
    grants = InspectorGrant.objects.filter(user_id=user.pk, county=county)
    if not tenant.is_county:
        grants = grants.filter(Q(all_tenants=True) | Q(tenants=tenant))
    return grants.order_by("-valid_to", "-id")


def inspector_grant_live(*, user, tenant: Tenant, on: date | None = None) -> InspectorGrant | None:
    """The grant under which `user` may read `tenant` today, or None."""
    on = on or timezone.localdate()
    return (
        inspector_grants_covering(user=user, tenant=tenant)
        .filter(valid_from__lte=on, valid_to__gte=on, revoked_at__isnull=True)
        .first()
    )


def inspector_grant_latest(*, user, tenant: Tenant) -> InspectorGrant | None:
    """The newest grant naming `tenant`, whatever its state: links a refused attempt to it."""
    return inspector_grants_covering(user=user, tenant=tenant).first()


def inspector_grants_visible(*, county: Tenant, user, see_all: bool) -> QuerySet[InspectorGrant]:
    """The county's grants; someone who may not see all of them sees only their own."""
    grants = InspectorGrant.objects.filter(county=county)
    if not see_all:
        grants = grants.filter(user_id=user.pk)
    return grants.select_related("user", "created_by").prefetch_related("tenants").order_by(
        "-created_at", "-id"
    )


def inspector_grant_get_for(*, county: Tenant, id: int) -> InspectorGrant:
    """One grant of `county`; another county's grant is the same 404 as a missing one."""
    grant = InspectorGrant.objects.filter(county=county, pk=id).first()
    if grant is None:
        raise Http404
    return grant


def inspector_accesses(
    *,
    county: Tenant,
    username: str | None = None,
    tenant_slug: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[InspectorAccess]:
    """The access log of `county`'s grants, newest first; dates are local (Asia/Shanghai)."""
    rows = InspectorAccess.objects.filter(grant__county=county)
    if username:
        rows = rows.filter(user__username=username)
    if tenant_slug:
        rows = rows.filter(tenant__slug=tenant_slug)
    if date_from:
        rows = rows.filter(at__gte=_local_midnight(date_from))
    if date_to:
        rows = rows.filter(at__lt=_local_midnight(date_to, next_day=True))
    return rows.select_related("user", "tenant").order_by("-at", "-id")


def _local_midnight(day: date, *, next_day: bool = False) -> datetime:
    start = datetime.combine(day, time.min)
    if next_day:
        start += timedelta(days=1)
    return timezone.make_aware(start)


# ---- services --------------------------------------------------------------------------------


def _grant_user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise DomainError(
            "unknown_user",
            f"用户 {username} 不存在。请先为检查人员建立账号，再授予检查权限。",
            400,
            field="username",
        )
    return user


def _grant_tenants(*, county: Tenant, slugs: Sequence[str]) -> list[Tenant]:
    wanted = set(slugs)
    if not wanted:
        raise DomainError("invalid_tenants", "请至少选择一个单位，或选择全县（all）。", 400)
    found = list(Tenant.objects.filter(Q(parent=county) | Q(pk=county.pk), slug__in=wanted))
    missing = sorted(wanted - {t.slug for t in found})
    if missing:
        raise DomainError(
            "invalid_tenants",
            f"以下单位不属于{county.name}：{'、'.join(missing)}。",
            400,
            tenants=missing,
        )
    return found


def _check_period(*, valid_from: date, valid_to: date) -> None:
    if valid_to < valid_from:
        raise DomainError("invalid_period", "截止日期不能早于生效日期。", 400)
    if valid_to < timezone.localdate():
        raise DomainError("invalid_period", "截止日期已过，授权不会生效。", 400)


def _grant_snapshot(grant: InspectorGrant, tenants: Sequence[Tenant]) -> dict:
    return {
        "username": grant.user.username,
        "tenants": "all" if grant.all_tenants else sorted(t.slug for t in tenants),
        "valid_from": grant.valid_from.isoformat(),
        "valid_to": grant.valid_to.isoformat(),
        "reason": grant.reason,
    }


def inspector_grant_create(
    *,
    actor: User,
    county: Tenant,
    username: str,
    tenant_slugs: Sequence[str] | None,
    valid_from: date,
    valid_to: date,
    reason: str,
) -> InspectorGrant:
    """Give `username` read-only access to some (`tenant_slugs`) or all (None) of `county`'s
    tenants for a bounded period; recorded in the county's audit chain."""
    user = _grant_user(username)
    if user.pk == actor.pk:
        raise DomainError("self_grant", "不能给自己授予检查权限。", 422)
    _check_period(valid_from=valid_from, valid_to=valid_to)
    tenants = [] if tenant_slugs is None else _grant_tenants(county=county, slugs=tenant_slugs)
    with schema_context(county.schema_name), transaction.atomic():
        grant = InspectorGrant.objects.create(
            user=user,
            county=county,
            all_tenants=tenant_slugs is None,
            valid_from=valid_from,
            valid_to=valid_to,
            reason=reason,
            created_by=actor,
        )
        grant.tenants.set(tenants)
        audit_record(
            actor=actor,
            action="inspector_grant.created",
            obj=grant,
            after=_grant_snapshot(grant, tenants),
        )
    return grant


def inspector_grant_revoke(*, actor: User, grant: InspectorGrant) -> InspectorGrant:
    """End a grant now; its past accesses stay in the log."""
    with schema_context(grant.county.schema_name), transaction.atomic():
        grant = InspectorGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.revoked_at is not None:
            raise DomainError("already_revoked", "该授权已撤销。", 409)
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="inspector_grant.revoked",
            obj=grant,
            before={"revoked_at": None},
            after={"revoked_at": grant.revoked_at, "username": grant.user.username},
        )
    return grant


def inspector_access_record(
    *, grant: InspectorGrant, user, tenant: Tenant, method: str, path: str, status_code: int
) -> InspectorAccess:
    """Append one row to the access log (public schema, its own savepoint)."""
    with schema_context(get_public_schema_name()), transaction.atomic():
        return InspectorAccess.objects.create(
            grant=grant,
            user_id=user.pk,
            tenant=tenant,
            method=method[:8],
            path=path[:500],
            status_code=status_code,
        )
