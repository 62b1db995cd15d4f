"""Object permissions (django-guardian): a grant about one object, per tenant, audited."""

import contextlib
import itertools

import pytest
from django.contrib.auth.models import Permission
from django.http import Http404
from django_tenants.utils import schema_context
from guardian.models import UserObjectPermission

from apps.audit.models import AuditEvent
from permissions.models import Department
from permissions.objects import (
    DEPARTMENT_MANAGE,
    department_managed_get,
    departments_managed,
    object_grant,
    object_revoke,
)
from permissions.services import department_create
from tests.factories import staff_make, user_make

pytestmark = pytest.mark.django_db
_codes = itertools.count(1)


def department_make(name: str = "部门") -> Department:
    n = next(_codes)
    return department_create(actor=None, name=f"{name}{n}", code=f"obj-dept-{n}")


def managed_ids(user) -> set[int]:
    return set(departments_managed(user=user).values_list("pk", flat=True))


def detail_ids(user) -> set[int]:
    """Departments whose detail `user` may open, asked one by one."""
    opened = set()
    for department in Department.objects.all():
        with contextlib.suppress(Http404):
            opened.add(department_managed_get(user=user, id=department.pk).pk)
    return opened


def test_a_grant_opens_exactly_that_department(town_a):
    admin = staff_make(town_a, posts=("tenant_admin",)).user
    head = staff_make(town_a).user
    with schema_context(town_a.schema_name):
        mine, other = department_make("财政所"), department_make("农业办")

        changed = object_grant(actor=admin, user=head, perm=DEPARTMENT_MANAGE, obj=mine)

        assert changed is True
        assert managed_ids(head) == {mine.pk}
        assert department_managed_get(user=head, id=mine.pk) == mine
        with pytest.raises(Http404):
            department_managed_get(user=head, id=other.pk)


def test_the_list_and_the_detail_agree(town_a):
    heads = [staff_make(town_a).user for _ in range(3)]
    with schema_context(town_a.schema_name):
        departments = [department_make() for _ in range(4)]
        object_grant(actor=None, user=heads[0], perm=DEPARTMENT_MANAGE, obj=departments[0])
        object_grant(actor=None, user=heads[0], perm=DEPARTMENT_MANAGE, obj=departments[2])
        object_grant(actor=None, user=heads[1], perm=DEPARTMENT_MANAGE, obj=departments[1])

        answers = [(managed_ids(h), detail_ids(h)) for h in heads]

    assert answers == [
        ({departments[0].pk, departments[2].pk},) * 2,
        ({departments[1].pk},) * 2,
        (set(), set()),
    ]


def test_revoking_removes_access_and_both_are_audited(town_a):
    admin = staff_make(town_a, posts=("tenant_admin",)).user
    head = staff_make(town_a).user
    with schema_context(town_a.schema_name):
        department = department_make()
        object_grant(actor=admin, user=head, perm=DEPARTMENT_MANAGE, obj=department)

        removed = object_revoke(actor=admin, user=head, perm=DEPARTMENT_MANAGE, obj=department)

        assert removed is True
        assert managed_ids(head) == set()
        with pytest.raises(Http404):
            department_managed_get(user=head, id=department.pk)
        events = list(
            AuditEvent.objects.filter(object_type="permissions.department",
                                      object_id=str(department.pk))
            .order_by("seq").values_list("action", "actor_username")
        )
    assert events == [
        ("department.created", ""),
        ("object_perm.granted", admin.username),
        ("object_perm.revoked", admin.username),
    ]


def test_granting_twice_or_revoking_nothing_changes_nothing(town_a):
    head = staff_make(town_a).user
    with schema_context(town_a.schema_name):
        department = department_make()
        object_grant(actor=None, user=head, perm=DEPARTMENT_MANAGE, obj=department)
        head_count = AuditEvent.objects.count()

        again = object_grant(actor=None, user=head, perm=DEPARTMENT_MANAGE, obj=department)
        nothing = object_revoke(actor=None, user=user_make(), perm=DEPARTMENT_MANAGE,
                                obj=department)

        assert (again, nothing) == (False, False)
        assert AuditEvent.objects.count() == head_count
        assert UserObjectPermission.objects.filter(object_pk=str(department.pk)).count() == 1


def _departments_with_one_id(first, second) -> tuple[Department, Department]:
    """One department in each tenant, with the same id (each schema has its own sequence)."""
    made = {}
    for tenant in (first, second):
        with schema_context(tenant.schema_name):
            made[tenant.pk] = department_make()
    while made[first.pk].pk != made[second.pk].pk:
        behind = first if made[first.pk].pk < made[second.pk].pk else second
        with schema_context(behind.schema_name):
            made[behind.pk] = department_make()
    return made[first.pk], made[second.pk]


def test_a_grant_in_one_tenant_opens_nothing_in_another(town_a, town_b):
    """Guardian's rows live in each tenant's schema; users are global. A department of
    town-b with the same id as the granted one in town-a stays closed."""
    head = staff_make(town_a).user
    granted, same_id = _departments_with_one_id(town_a, town_b)
    with schema_context(town_a.schema_name):
        object_grant(actor=None, user=head, perm=DEPARTMENT_MANAGE, obj=granted)
    with schema_context(town_b.schema_name):
        assert same_id.pk == granted.pk
        assert same_id.code != granted.code
        assert managed_ids(head) == set()
        with pytest.raises(Http404):
            department_managed_get(user=head, id=granted.pk)
        assert not UserObjectPermission.objects.filter(user=head).exists()
    with schema_context(town_a.schema_name):
        assert managed_ids(head) == {granted.pk}


def test_a_global_permission_or_superuser_opens_no_object(town_a):
    boss = staff_make(town_a).user
    boss.is_superuser = True
    boss.save(update_fields=["is_superuser"])
    boss.user_permissions.add(
        Permission.objects.get(content_type__app_label="permissions",
                               codename="change_department")
    )
    with schema_context(town_a.schema_name):
        department_make()

        assert managed_ids(boss) == set()
        assert detail_ids(boss) == set()
