"""Changing staff and posts in the current tenant; every change is audited."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from county_platform.errors import DomainError
from permissions.models import Department, Post, PostAssignment, StaffMember
from permissions.selectors import assignments_current
from tenants.models import User


def _user_ensure(*, username: str, password: str | None, display_name: str, mobile: str) -> User:
    """The global user `username`; a new one gets the password, an existing one keeps its own."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User(username=username, display_name=display_name, mobile=mobile)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def staff_add(
    *,
    actor: User | None,
    username: str,
    display_name: str = "",
    password: str | None = None,
    department: Department | None = None,
    mobile: str = "",
) -> StaffMember:
    """Make `username` staff of this tenant, creating the global user when it is new."""
    user = _user_ensure(
        username=username, password=password, display_name=display_name, mobile=mobile
    )
    staff = StaffMember.objects.filter(user=user).first()
    if staff is not None:
        if staff.is_active:
            raise DomainError("already_staff", f"{username} 已是本单位工作人员。", 409)
        staff.is_active = True
        staff.department = department
        staff.save(update_fields=["is_active", "department"])
    else:
        staff = StaffMember.objects.create(user=user, department=department)
    audit_record(
        actor=actor,
        action="staff.added",
        obj=staff,
        after={"username": username, "department": getattr(department, "code", None)},
    )
    return staff


@transaction.atomic
def post_assign(
    *,
    actor: User | None,
    staff: StaffMember,
    post_code: str,
    start_date: date | None = None,
    department: Department | None = None,
) -> PostAssignment:
    post = Post.objects.filter(code=post_code).first()
    if post is None:
        raise DomainError("unknown_post", f"没有岗位 {post_code}。", 400)
    assignment = PostAssignment.objects.create(
        staff=staff,
        post=post,
        department=department,
        start_date=start_date or timezone.localdate(),
    )
    audit_record(
        actor=actor,
        action="post.assigned",
        obj=assignment,
        post=post_code,
        after={
            "staff": staff.pk,
            "username": staff.user.username,
            "post": post_code,
            "start_date": assignment.start_date.isoformat(),
        },
    )
    return assignment


@transaction.atomic
def staff_ensure_with_post(
    *,
    actor: User | None,
    username: str,
    post_code: str,
    password: str | None = None,
    display_name: str = "",
) -> StaffMember:
    """Idempotent: `username` is active staff holding `post_code` today."""
    staff = StaffMember.objects.filter(user__username=username, is_active=True).first()
    if staff is None:
        staff = staff_add(
            actor=actor, username=username, display_name=display_name, password=password
        )
    if not assignments_current().filter(staff=staff, post__code=post_code).exists():
        post_assign(actor=actor, staff=staff, post_code=post_code)
    return staff
