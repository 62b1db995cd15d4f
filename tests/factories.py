"""Test data made through the real services."""

import itertools

from django_tenants.utils import schema_context

from permissions.models import StaffMember
from permissions.services import post_assign, staff_add
from tenants.models import Tenant, User

PASSWORD = "s3cret-pass-123"
_counter = itertools.count(1)


def user_make(**fields) -> User:
    n = next(_counter)
    user = User(username=fields.pop("username", f"user{n}"), display_name=f"测试用户{n}", **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def staff_make(tenant: Tenant, *, posts: tuple[str, ...] = (), username: str | None = None,
               display_name: str = "") -> StaffMember:
    """A new global user who is staff of `tenant`, holding `posts` from today."""
    n = next(_counter)
    with schema_context(tenant.schema_name):
        staff = staff_add(
            actor=None,
            username=username or f"staff{n}",
            display_name=display_name or f"工作人员{n}",
            password=PASSWORD,
        )
        for code in posts:
            post_assign(actor=None, staff=staff, post_code=code)
    return staff
