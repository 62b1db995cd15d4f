"""Who may enter the current tenant at all: the one membership decision for pages and API."""

from dataclasses import dataclass, field

from django.db import connection

from permissions.models import StaffMember
from permissions.selectors import posts_held, staff_get_for_user


@dataclass(frozen=True)
class Membership:
    """What the request's user is in the host's tenant."""

    staff: StaffMember | None = None
    held: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def posts(self) -> tuple[str, ...]:
        """Codes of the posts held today."""
        return tuple(code for code, _ in self.held)

    @property
    def post_names(self) -> tuple[str, ...]:
        return tuple(name for _, name in self.held)

    @property
    def is_member(self) -> bool:
        return self.staff is not None


NO_MEMBERSHIP = Membership()


def membership_for(request) -> Membership:
    """Resolve (once per request) the user's membership of the tenant the host selected."""
    cached = getattr(request, "_neikong_membership", None)
    if cached is not None and cached[0] == getattr(request.user, "pk", None):
        return cached[1]
    membership = _resolve(request)
    request._neikong_membership = (getattr(request.user, "pk", None), membership)
    return membership


def _resolve(request) -> Membership:
    tenant = getattr(request, "tenant", None)
    if tenant is None or connection.schema_name == "public":
        return NO_MEMBERSHIP
    staff = staff_get_for_user(user=request.user)
    if staff is None:
        return NO_MEMBERSHIP
    return Membership(staff=staff, held=tuple(posts_held(staff=staff)))
