"""Object permissions (django-guardian): grants that really are about one object, audited.

Role checks come from posts (permissions.selectors), never from a row per object; use these
only where a grant names one object, such as a department head over their department. Rows
live in the tenant's schema (guardian is a tenant app), so a grant never crosses tenants."""

from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404
from guardian.shortcuts import assign_perm, get_objects_for_user, get_user_perms, remove_perm

from apps.audit.services import audit_record
from permissions.models import Department

# A department head over their department. Ideally a dedicated "permissions.manage_department"
# (Department.Meta.permissions); that needs a migration, so the built-in change perm stands in.
DEPARTMENT_MANAGE = "permissions.change_department"


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
