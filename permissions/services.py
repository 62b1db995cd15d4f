"""Changing staff and posts in the current tenant; every change is audited."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.services import audit_record
from county_platform.errors import DomainError
from permissions import objects, sod
from permissions.models import Department, Post, PostAssignment, PostCode, StaffMember
from permissions.selectors import (
    assignments_current,
    assignments_overlapping,
    post_get,
    sod_rules_in_force,
    sod_waivers_for,
    tenant_current,
)
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
def department_create(*, actor: User | None, name: str, code: str) -> Department:
    name, code = name.strip(), code.strip()
    if not name or not code:
        raise DomainError("invalid", "部门名称和编码不能为空。", 400)
    if Department.objects.filter(code=code).exists():
        raise DomainError("department_code_taken", f"部门编码 {code} 已被使用。", 409)
    try:
        with transaction.atomic():
            department = Department.objects.create(name=name, code=code)
    except IntegrityError as exc:  # a concurrent create of the same code
        raise DomainError("department_code_taken", f"部门编码 {code} 已被使用。", 409) from exc
    audit_record(actor=actor, action="department.created", obj=department,
                 after={"name": name, "code": code})
    return department


def _post_for(code: str) -> Post:
    post = post_get(code=code)
    if post is None:
        raise DomainError("unknown_post", f"没有岗位 {code}。", 400)
    if post.code == PostCode.COUNTY_ADMIN and not tenant_current().is_county:
        raise DomainError(
            "county_post_outside_county", "县局管理员岗位只能在县级单位设置。", 422
        )
    return post


def _refuse_duplicate(*, staff: StaffMember, post: Post, start: date) -> None:
    if assignments_overlapping(staff=staff, start=start).filter(post=post).exists():
        raise DomainError(
            "already_assigned", f"{staff.user.username} 在该期间已担任{post.name}。", 409
        )


def _conflicts(*, staff: StaffMember, post: Post, start: date) -> list[sod.Conflict]:
    """The check shared by post_assign and its simulation; raises for non-SoD refusals."""
    if not staff.is_active:
        raise DomainError("staff_inactive", f"{staff.user.username} 已不在岗。", 409)
    _refuse_duplicate(staff=staff, post=post, start=start)
    held = assignments_overlapping(staff=staff, start=start).values_list(
        "post__code", flat=True
    )
    return sod.conflicts_for(
        post=post.code,
        held=held,
        rules=sod_rules_in_force(),
        exceptions=sod_waivers_for(tenant=tenant_current(), user_id=staff.user_id),
        on=start,
    )


def _conflict_error(post: Post, conflicts: list[sod.Conflict]) -> DomainError:
    names = dict(Post.objects.values_list("code", "name"))
    pairs = "；".join(
        f"{names.get(c.post, c.post)}与{names.get(c.with_post, c.with_post)}不得由一人兼任"
        f"（规则 {c.rule}：{c.article}）"
        for c in conflicts
    )
    return DomainError(
        "sod_conflict",
        f"不能担任{post.name}：{pairs}。",
        422,
        conflicts=[c.as_dict() for c in conflicts],
    )


@transaction.atomic
def post_assign(
    *,
    actor: User | None,
    staff: StaffMember,
    post_code: str,
    start_date: date | None = None,
    department: Department | None = None,
) -> PostAssignment:
    """Give `staff` the post from `start_date` (open-ended), unless that would make them hold
    two incompatible posts on any day; refused with 422 `sod_conflict` naming the rules."""
    post = _post_for(post_code)
    start = start_date or timezone.localdate()
    # The row lock makes two concurrent assignments to one person check one after the other.
    staff = StaffMember.objects.select_for_update().select_related("user").get(pk=staff.pk)
    conflicts = _conflicts(staff=staff, post=post, start=start)
    if conflicts:
        raise _conflict_error(post, conflicts)
    assignment = PostAssignment.objects.create(
        staff=staff, post=post, department=department, start_date=start
    )
    _grants_follow(actor=actor, post_code=post.code)
    audit_record(
        actor=actor,
        action="post.assigned",
        obj=assignment,
        post=post_code,
        after={
            "staff": staff.pk,
            "username": staff.user.username,
            "post": post_code,
            "start_date": start.isoformat(),
            "department": getattr(department, "code", None),
        },
    )
    return assignment


def post_assignment_check(
    *, staff: StaffMember, post_code: str, start_date: date | None = None
) -> None:
    """Raise exactly what post_assign would raise for `staff` taking the post on `start_date`
    (422 `sod_conflict` naming the pairs and rules, or its other refusals); change nothing."""
    post = _post_for(post_code)
    staff = StaffMember.objects.select_related("user").get(pk=staff.pk)
    conflicts = _conflicts(staff=staff, post=post, start=start_date or timezone.localdate())
    if conflicts:
        raise _conflict_error(post, conflicts)


def _grants_follow(*, actor: User | None, post_code: str) -> None:
    """A change to who heads a department changes their object grants in the same
    transaction (the daily check catches dates that arrive later)."""
    if post_code == objects.HEAD_POST:
        objects.department_heads_sync(actor=actor)


def post_assignment_simulate(
    *, staff: StaffMember, post_code: str, start_date: date | None = None
) -> dict:
    """What post_assign would answer, changing nothing: {allowed, conflicts}. Refusals that
    are not about separation of duties raise the same DomainError post_assign would."""
    post = _post_for(post_code)
    staff = StaffMember.objects.select_related("user").get(pk=staff.pk)
    conflicts = _conflicts(staff=staff, post=post, start=start_date or timezone.localdate())
    return {"allowed": not conflicts, "conflicts": [c.as_dict() for c in conflicts]}


@transaction.atomic
def post_assignment_end(
    *, actor: User | None, assignment: PostAssignment, end_date: date
) -> PostAssignment:
    """Record the last day `assignment` is held."""
    assignment = (
        PostAssignment.objects.select_for_update()
        .select_related("staff__user", "post")
        .get(pk=assignment.pk)
    )
    if assignment.end_date is not None:
        raise DomainError(
            "already_ended", f"该任职已于 {assignment.end_date.isoformat()} 结束。", 409
        )
    if end_date < assignment.start_date:
        raise DomainError("invalid_end_date", "结束日期不能早于开始日期。", 400)
    assignment.end_date = end_date
    assignment.save(update_fields=["end_date"])
    _grants_follow(actor=actor, post_code=assignment.post.code)
    audit_record(
        actor=actor,
        action="post.ended",
        obj=assignment,
        post=assignment.post.code,
        before={"end_date": None},
        after={
            "staff": assignment.staff_id,
            "username": assignment.staff.user.username,
            "post": assignment.post.code,
            "end_date": end_date.isoformat(),
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
