"""Reads about staff and posts in the current tenant."""

from datetime import date

from django.db.models import Q
from django.utils import timezone

from permissions.models import PostAssignment, StaffMember


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
