"""Reads about staff and posts in the current tenant."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from county_platform.errors import DomainError
from permissions import sod
from permissions.catalog.models import ExceptionStatus, SodException, SodScope
from permissions.models import Department, Post, PostAssignment, PostCode, SodRule, StaffMember
from tenants.config import tenant_config
from tenants.models import Tenant


def staff_get_for_user(*, user) -> StaffMember | None:
    """The active membership of `user` in the current tenant, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        StaffMember.objects.select_related("department")
        .filter(user_id=user.pk, is_active=True)
        .first()
    )


def assignments_current(*, on: date | None = None):
    on = on or timezone.localdate()
    return PostAssignment.objects.filter(start_date__lte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on)
    )


@dataclass(frozen=True)
class Holder:
    """A current holder of a post: the user, and the department the assignment is for (None:
    the member's own department, `staff_department_id`)."""

    user_id: int
    department_id: int | None
    staff_department_id: int | None

    def serves(self, department_id: int) -> bool:
        if self.department_id is not None:
            return self.department_id == department_id
        return self.staff_department_id == department_id


def post_holders(code: str, *, on: date | None = None) -> tuple[Holder, ...]:
    """Active members who hold the post `code` on the day (today by default), in user order.
    Every approval step reads this, so the whole table is cached per tenant and day until an
    assignment, a member or a post changes (tenants/config.py; triggers of permissions 0008)."""
    on = on or timezone.localdate()
    return tenant_config(f"post_holders:{on.isoformat()}", lambda: _holders_by_post(on)).get(
        code, ())


def _holders_by_post(on: date) -> Mapping[str, tuple[Holder, ...]]:
    rows = (assignments_current(on=on).filter(staff__is_active=True)
            .order_by("staff__user_id", "pk")
            .values_list("post__code", "staff__user_id", "department_id", "staff__department_id"))
    table: dict[str, list[Holder]] = {}
    for code, *holder in rows:
        table.setdefault(code, []).append(Holder(*holder))
    # read-only: the threads of a worker share it (tenants/config.py)
    return MappingProxyType({code: tuple(holders) for code, holders in table.items()})


def posts_held(*, staff: StaffMember, on: date | None = None) -> list[tuple[str, str]]:
    """(code, name) of the posts `staff` holds on the given day (today by default)."""
    return list(
        assignments_current(on=on)
        .filter(staff=staff)
        .order_by("post_id")
        .values_list("post__code", "post__name")
        .distinct()
    )


def holds_post(*, user, code: str) -> bool:
    return (
        assignments_current()
        .filter(staff__user_id=user.pk, staff__is_active=True, post__code=code)
        .exists()
    )


# --- tenant, departments, staff, posts and assignments -------------------------------------


def tenant_current() -> Tenant:
    """The Tenant row of the schema the connection is in."""
    return Tenant.objects.select_related("parent").get(schema_name=connection.schema_name)


def departments_list() -> QuerySet[Department]:
    return Department.objects.order_by("code")


def department_get(*, pk: int) -> Department | None:
    return Department.objects.filter(pk=pk).first()


def staff_list(*, department: int | None = None, active: bool | None = None):
    current = assignments_current().select_related("post").order_by("post_id")
    staff = StaffMember.objects.select_related("user", "department").prefetch_related(
        Prefetch("assignments", queryset=current, to_attr="current_assignments")
    )
    if department is not None:
        staff = staff.filter(department_id=department)
    if active is not None:
        staff = staff.filter(is_active=active)
    return staff.order_by("id")


def staff_get(*, pk: int) -> StaffMember | None:
    return staff_list().filter(pk=pk).first()


def posts_list() -> QuerySet[Post]:
    return Post.objects.order_by("id")


def post_get(*, code: str) -> Post | None:
    return Post.objects.filter(code=code).first()


def assignments_list(
    *, staff: int | None = None, post: str | None = None, current: bool | None = None
):
    rows = PostAssignment.objects.select_related("staff__user", "post", "department")
    if staff is not None:
        rows = rows.filter(staff_id=staff)
    if post is not None:
        rows = rows.filter(post__code=post)
    if current is not None:
        today = assignments_current().values("pk")
        rows = rows.filter(pk__in=today) if current else rows.exclude(pk__in=today)
    return rows.order_by("start_date", "id")


def assignment_get(*, pk: int) -> PostAssignment | None:
    return assignments_list().filter(pk=pk).first()


def assignments_overlapping(*, staff: StaffMember, start: date):
    """Assignments of `staff` that share a day with an open-ended period from `start`: those
    current on `start` and those that begin later; an assignment ended before does not."""
    return PostAssignment.objects.filter(staff=staff).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start)
    )


# --- separation of duties ------------------------------------------------------------------


def sod_rules_in_force() -> list[sod.Rule]:
    """This tenant's incompatible pairs as plain data, with the administrator's no-money rule
    computed from the posts that hold money."""
    rows = SodRule.objects.select_related("post_a", "post_b").order_by("id")
    rules = [
        sod.Rule(r.code, r.post_a.code, r.post_b.code, r.scope, r.article) for r in rows
    ]
    money = Post.objects.filter(holds_money=True).values_list("code", flat=True)
    return rules + sod.admin_money_rules(admin_post=PostCode.TENANT_ADMIN, money_posts=money)


def sod_rule_get(*, code: str) -> SodRule | None:
    """A rule of this tenant that binds who may hold posts (scope "post")."""
    return SodRule.objects.select_related("post_a", "post_b").filter(
        code=code, scope=SodScope.POST
    ).first()


def sod_waivers_for(*, tenant: Tenant, user_id: int) -> list[sod.Waiver]:
    """The county's decisions on exceptions for `user_id` in `tenant`, as plain data."""
    rows = SodException.objects.filter(tenant=tenant, user_id=user_id).values_list(
        "rule_code", "status", "valid_from", "valid_to"
    )
    return [sod.Waiver(*row) for row in rows]


def _sod_exceptions():
    return SodException.objects.select_related(
        "tenant", "user", "requested_by", "decided_by"
    ).order_by("-requested_at", "-id")


def sod_exceptions_of_tenant(*, tenant: Tenant, status: str | None = None):
    rows = _sod_exceptions().filter(tenant=tenant)
    return rows.filter(status=status) if status else rows


def sod_exceptions_of_county(
    *, county: Tenant, status: str | None = None, tenant: str | None = None
):
    rows = _sod_exceptions().filter(Q(tenant=county) | Q(tenant__parent=county))
    if status:
        rows = rows.filter(status=status)
    if tenant:
        rows = rows.filter(tenant__slug=tenant)
    return rows


def sod_exception_get_for_county(*, county: Tenant, pk: int) -> SodException:
    """An exception of one of `county`'s tenants; 404 alike for absent and foreign."""
    found = sod_exceptions_of_county(county=county).filter(pk=pk).first()
    if found is None:
        raise DomainError("not_found", "未找到。", 404)
    return found


def sod_exceptions_expired(*, today: date):
    """Approved exceptions whose last day has passed."""
    return _sod_exceptions().filter(status=ExceptionStatus.APPROVED, valid_to__lt=today)
