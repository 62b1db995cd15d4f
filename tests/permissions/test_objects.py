"""Object permissions (django-guardian): a grant about one object, per tenant, audited; the
department heads' grants follow their assignments; a project officer is named."""

import contextlib
import itertools
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.http import Http404
from django.utils import timezone
from django_tenants.utils import schema_context
from guardian.models import UserObjectPermission

from apps.audit.models import AuditEvent
from apps.budget.services import project_create
from permissions.models import Department
from permissions.objects import (
    DEPARTMENT_MANAGE,
    department_heads_sync,
    department_managed_get,
    departments_managed,
    departments_of,
    object_grant,
    object_revoke,
    project_officer_set,
    project_officers,
    projects_officered,
)
from permissions.services import department_create, post_assign, post_assignment_end, staff_add
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


# --- department heads: grants follow the dept_head assignments ------------------------------


def head_events(department) -> list[str]:
    return list(AuditEvent.objects.filter(object_type="permissions.department",
                                          object_id=str(department.pk))
                .order_by("seq").values_list("action", flat=True))


def test_heading_a_department_grants_it_and_leaving_revokes_it(town_a):
    admin = staff_make(town_a, posts=("tenant_admin",)).user
    head = staff_make(town_a)
    with schema_context(town_a.schema_name):
        mine, other = department_make("财政所"), department_make("农业办")

        assignment = post_assign(actor=admin, staff=head, post_code="dept_head", department=mine)
        granted = managed_ids(head.user)
        post_assignment_end(actor=admin, assignment=assignment, end_date=timezone.localdate())
        still_today = managed_ids(head.user)
        changed = department_heads_sync(actor=None, on=timezone.localdate() + timedelta(days=1))

        assert (granted, still_today, managed_ids(head.user)) == ({mine.pk}, {mine.pk}, set())
        assert changed == (0, 1)
        assert head_events(mine) == ["department.created", "object_perm.granted",
                                     "object_perm.revoked"]
        assert head_events(other) == ["department.created"]


def test_a_head_without_a_named_department_heads_the_one_they_belong_to(town_a):
    with schema_context(town_a.schema_name):
        department = department_make("村建办")
        staff = staff_add(actor=None, username="head-by-membership", department=department)

        post_assign(actor=None, staff=staff, post_code="dept_head")

        assert managed_ids(staff.user) == {department.pk}
        assert department_heads_sync(actor=None) == (0, 0)


def test_a_future_head_is_granted_by_the_daily_sync_on_their_first_day(town_a):
    head = staff_make(town_a)
    start = timezone.localdate() + timedelta(days=3)
    with schema_context(town_a.schema_name):
        department = department_make()
        post_assign(actor=None, staff=head, post_code="dept_head", start_date=start,
                    department=department)
        before = managed_ids(head.user)

        department_heads_sync(actor=None, on=start)

        assert (before, managed_ids(head.user)) == (set(), {department.pk})


def test_my_departments_are_those_i_head_and_the_one_i_belong_to(town_a):
    with schema_context(town_a.schema_name):
        home, headed, other = department_make(), department_make(), department_make()
        staff = staff_add(actor=None, username="head-and-member", department=home)
        post_assign(actor=None, staff=staff, post_code="dept_head", department=headed)

        mine = {d.pk: (d.heads, d.belongs) for d in departments_of(user=staff.user)}

    assert mine == {home.pk: (False, True), headed.pk: (True, False)}
    assert other.pk not in mine


# --- project officers -------------------------------------------------------------------------


def project_make(department: Department, code: str = "XM-1"):
    return project_create(actor=None, code=code, name="乡村道路硬化", department=department,
                          allowed_subjects=["31005"])


def test_naming_a_project_officer_grants_the_project_and_replaces_the_previous_one(town_a):
    admin = staff_make(town_a, posts=("budget_officer",)).user
    first, second = staff_make(town_a), staff_make(town_a)
    with schema_context(town_a.schema_name):
        project = project_make(department_make())
        others = project_make(project.department, code="XM-2")

        project_officer_set(actor=admin, project=project, staff=first)
        by_first = project_ids(first.user)
        project_officer_set(actor=admin, project=project, staff=second)

        assert (by_first, project_ids(first.user), project_ids(second.user)) == (
            {project.pk}, set(), {project.pk})
        assert [u.pk for u in project_officers(project=project)] == [second.user.pk]
        assert others.pk not in project_ids(second.user)
        events = list(AuditEvent.objects.filter(object_type="budget.budgetproject",
                                                object_id=str(project.pk))
                      .order_by("seq").values_list("action", "actor_username"))
    assert events == [("budget.project_created", ""), ("object_perm.granted", admin.username),
                      ("object_perm.revoked", admin.username),
                      ("object_perm.granted", admin.username)]


def test_naming_the_same_officer_again_changes_nothing(town_a):
    officer = staff_make(town_a)
    with schema_context(town_a.schema_name):
        project = project_make(department_make())
        project_officer_set(actor=None, project=project, staff=officer)
        count = AuditEvent.objects.count()

        project_officer_set(actor=None, project=project, staff=officer)

        assert AuditEvent.objects.count() == count
        assert project_ids(officer.user) == {project.pk}


def project_ids(user) -> set[int]:
    from apps.budget.models import BudgetProject

    found = projects_officered(user=user, queryset=BudgetProject.objects.all())
    return set(found.values_list("pk", flat=True))
