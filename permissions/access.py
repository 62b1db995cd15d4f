"""Who may enter the current tenant at all: the one membership decision for pages and API.

A user is a member of the host's tenant as its active staff, or, failing that, as an
inspector holding a live grant that covers the tenant (read-only: safe methods only)."""

from dataclasses import dataclass, field

from django.db import connection

from permissions.models import StaffMember
from permissions.selectors import posts_held, staff_get_for_user
from tenants.inspectors import inspector_grant_live
from tenants.models import InspectorGrant, Tenant


@dataclass(frozen=True)
class Membership:
    """What the request's user is in the host's tenant."""

    staff: StaffMember | None = None
    held: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    inspector_grant: InspectorGrant | None = None

    @property
    def posts(self) -> tuple[str, ...]:
        """Codes of the posts held today."""
        return tuple(code for code, _ in self.held)

    @property
    def post_names(self) -> tuple[str, ...]:
        return tuple(name for _, name in self.held)

    @property
    def is_inspector(self) -> bool:
        """Here only by a live inspector grant (staff of the tenant are never inspectors in it)."""
        return self.staff is None and self.inspector_grant is not None

    @property
    def is_member(self) -> bool:
        return self.staff is not None or self.inspector_grant is not None

    @property
    def read_only(self) -> bool:
        return self.is_inspector


NO_MEMBERSHIP = Membership()


def membership_for(request) -> Membership:
    """Resolve (once per request and user) the user's membership of the host's tenant.

    The answer is kept on the Django request, so that DRF (which wraps it) and the middleware
    after the response share it."""
    holder = getattr(request, "_request", request)
    user = getattr(request, "user", None)
    cached = getattr(holder, "_neikong_membership", None)
    if cached is not None and cached[0] == getattr(user, "pk", None):
        return cached[1]
    tenant = getattr(request, "tenant", None)
    if tenant is None or connection.schema_name == "public":
        membership = NO_MEMBERSHIP
    else:
        membership = membership_resolve(user=user, tenant=tenant)
    holder._neikong_membership = (getattr(user, "pk", None), membership)
    return membership


def membership_resolve(*, user, tenant: Tenant) -> Membership:
    """The membership of `user` in `tenant`; the connection must be in `tenant`'s schema."""
    if not getattr(user, "is_authenticated", False):
        return NO_MEMBERSHIP
    staff = staff_get_for_user(user=user)
    if staff is not None:
        return Membership(staff=staff, held=tuple(posts_held(staff=staff)))
    grant = inspector_grant_live(user=user, tenant=tenant)
    if grant is not None:
        return Membership(inspector_grant=grant)
    return NO_MEMBERSHIP
