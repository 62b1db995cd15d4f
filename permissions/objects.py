"""Object permissions (django-guardian): grants that really are about one object, audited.

Role checks come from posts (permissions.selectors), never from a row per object; use these
only where a grant names one object: a department head over their department, a project
officer over a budget project. Rows live in the tenant's schema (guardian is a tenant app),
so a grant never crosses tenants."""

from datetime import date

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Model, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from guardian.models import UserObjectPermission
from guardian.shortcuts import (
    assign_perm,
    get_objects_for_user,
    get_user_perms,
    get_users_with_perms,
    remove_perm,
)

from apps.audit.services import audit_record
from county_platform.errors import DomainError
from permissions.models import Department, StaffMember
from permissions.selectors import assignments_current
from tenants.models import User

# A department head over their department. Ideally a dedicated "permissions.manage_department"
# (Department.Meta.permissions); that needs a migration, so the built-in change perm stands in.
DEPARTMENT_MANAGE = "permissions.change_department"
# The post whose holders head a department (the role matrix's "部门审核" step).
HEAD_POST = "dept_head"
# A project officer over one budget project (apps.budget.BudgetProject).
PROJECT_OFFICER = "budget.view_budgetproject"


def _codename(perm: str) -> str:
    return perm.split(".", 1)[-1]


def _snapshot(user, perm: str) -> dict:
    return {"user": user.username, "perm": perm}


@transaction.atomic
def object_grant(*, actor, user, perm: str, obj: Model) -> bool:
    """Give `user` `perm` on `obj`; False (and no audit event) when they already had it."""
    if _codename(perm) in get_user_perms(user, obj):
        return False
    assign_perm(perm, user, obj)
    audit_record(actor=actor, action="object_perm.granted", obj=obj, after=_snapshot(user, perm))
    return True


@transaction.atomic
def object_revoke(*, actor, user, perm: str, obj: Model) -> bool:
    """Take `perm` on `obj` from `user`; False (and no audit event) when they did not have it."""
    if _codename(perm) not in get_user_perms(user, obj):
        return False
    remove_perm(perm, user, obj)
    audit_record(actor=actor, action="object_perm.revoked", obj=obj, before=_snapshot(user, perm))
    return True


def objects_for(*, user, perm: str, queryset: QuerySet) -> QuerySet:
    """The objects of `queryset` on which `user` holds `perm` itself (never a global perm)."""
    return get_objects_for_user(
        user, perm, klass=queryset, accept_global_perms=False, with_superuser=False
    )


def object_get_for(*, user, perm: str, queryset: QuerySet, id) -> Model:
    """One object from `objects_for`: the same 404 for "missing" and "not granted", so that
    a list and a detail built on these two always agree."""
    obj = objects_for(user=user, perm=perm, queryset=queryset).filter(pk=id).first()
    if obj is None:
        raise Http404
    return obj


def departments_managed(*, user) -> QuerySet[Department]:
    return objects_for(user=user, perm=DEPARTMENT_MANAGE, queryset=Department.objects.all())


def department_managed_get(*, user, id) -> Department:
    return object_get_for(user=user, perm=DEPARTMENT_MANAGE, queryset=Department.objects.all(),
                          id=id)


def departments_of(*, user) -> QuerySet[Department]:
    """The departments `user` heads (a grant) or belongs to (their staff record): "mine",
    each marked `heads` and `belongs`."""
    belongs = StaffMember.objects.filter(
        user_id=user.pk, is_active=True, department__isnull=False).values("department_id")
    headed = departments_managed(user=user).values("pk")
    return (
        Department.objects.filter(Q(pk__in=headed) | Q(pk__in=belongs))
        .annotate(heads=ExpressionWrapper(Q(pk__in=headed), output_field=BooleanField()),
                  belongs=ExpressionWrapper(Q(pk__in=belongs), output_field=BooleanField()))
        .order_by("code")
    )


# --- department heads: the grants follow the dept_head assignments ---------------------------


def _heads_on(day: date) -> set[tuple[int, int]]:
    """(user id, department id) of everyone holding the head post on `day`; the department is
    the assignment's own, else the one the person belongs to."""
    rows = (
        assignments_current(on=day).filter(post__code=HEAD_POST, staff__is_active=True)
        .annotate(headed=Coalesce("department_id", "staff__department_id"))
        .exclude(headed=None).values_list("staff__user_id", "headed")
    )
    return set(rows)


def _granted(perm: str) -> set[tuple[int, int]]:
    app_label, codename = perm.split(".", 1)
    rows = UserObjectPermission.objects.filter(
        permission__codename=codename, permission__content_type__app_label=app_label
    ).values_list("user_id", "object_pk")
    return {(user_id, int(pk)) for user_id, pk in rows}


@transaction.atomic
def department_heads_sync(*, actor, on: date | None = None) -> tuple[int, int]:
    """Make the department grants equal the head assignments of `on` (today): grant the new
    heads, revoke those no longer heading. Idempotent; returns (granted, revoked)."""
    wanted, have = _heads_on(on or timezone.localdate()), _granted(DEPARTMENT_MANAGE)
    changed = wanted ^ have
    users = User.objects.in_bulk({user_id for user_id, _ in changed})
    departments = Department.objects.in_bulk({pk for _, pk in changed})
    for user_id, pk in sorted(wanted - have):
        object_grant(actor=actor, user=users[user_id], perm=DEPARTMENT_MANAGE,
                     obj=departments[pk])
    gone = sorted((u, pk) for u, pk in have - wanted if u in users and pk in departments)
    for user_id, pk in gone:
        object_revoke(actor=actor, user=users[user_id], perm=DEPARTMENT_MANAGE,
                      obj=departments[pk])
    return len(wanted - have), len(gone)


# --- project officers --------------------------------------------------------------------------


def project_officers(*, project: Model) -> list[User]:
    codename = _codename(PROJECT_OFFICER)
    users = get_users_with_perms(project, only_with_perms_in=[codename], with_superusers=False,
                                 with_group_users=False)
    return list(users.order_by("pk"))


def projects_officered(*, user, queryset: QuerySet) -> QuerySet:
    """The projects of `queryset` whose officer `user` is."""
    return objects_for(user=user, perm=PROJECT_OFFICER, queryset=queryset)


@transaction.atomic
def project_officer_set(*, actor, project: Model, staff: StaffMember) -> Model:
    """Name `staff` (active staff of this tenant) the officer of `project`: they are granted
    the project and whoever held it before loses it; both changes are audited."""
    project = type(project).objects.select_for_update().get(pk=project.pk)
    staff = StaffMember.objects.select_related("user").get(pk=staff.pk)
    if not staff.is_active:
        raise DomainError("staff_inactive", f"{staff.user.username} 已不在岗。", 409)
    for previous in project_officers(project=project):
        if previous.pk != staff.user_id:
            object_revoke(actor=actor, user=previous, perm=PROJECT_OFFICER, obj=project)
    object_grant(actor=actor, user=staff.user, perm=PROJECT_OFFICER, obj=project)
    return project
