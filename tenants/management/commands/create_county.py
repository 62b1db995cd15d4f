"""`create_county`: a county tenant and its first `county_admin`, idempotently.

Also home of `provision`, the idempotent "this tenant, with this administrator" step that
`create_township` and `seed_demo` share: commands call the tenant and staff services only.
"""

import re
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, schema_context

from county_platform.errors import DomainError
from permissions.models import PostCode
from permissions.selectors import assignments_current
from permissions.services import staff_ensure_with_post
from tenants.models import Tenant, TenantKind, User
from tenants.services import (
    RESERVED_SLUGS,
    SLUG_RE,
    AdminSpec,
    public_tenant_ensure,
    tenant_ensure,
)

USERNAME_RE = re.compile(r"^[\w.@+-]{3,150}$")
REGION_CODE_RE = re.compile(r"^\d{6,12}$")
NAME_MAX = Tenant._meta.get_field("name").max_length


@dataclass
class Provisioned:
    tenant: Tenant
    created: bool
    notes: list[str] = field(default_factory=list)


def _check_input(*, slug: str, name: str, region_code: str, admin: AdminSpec | None) -> None:
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise CommandError(
            f"标识 {slug!r} 无效：只能包含小写字母、数字和连字符，以字母开头，长度 3–42，"
            f"且不能是 {', '.join(sorted(RESERVED_SLUGS))} 之一。"
        )
    if not name.strip() or len(name) > NAME_MAX:
        raise CommandError(f"--name 须为 1–{NAME_MAX} 个字符。")
    if region_code and not REGION_CODE_RE.match(region_code):
        raise CommandError(f"--region-code {region_code!r} 无效：应为 6–12 位数字。")
    if admin is not None and not USERNAME_RE.match(admin.username):
        raise CommandError(f"--admin {admin.username!r} 无效：3–150 个字母、数字或 . @ + - _。")


def _check_same(tenant: Tenant, *, kind: str, parent: Tenant | None) -> None:
    """An existing tenant is only "already there" if it is the same kind under the same county."""
    if tenant.kind != kind or tenant.parent_id != getattr(parent, "pk", None):
        where = f"，属 {tenant.parent.slug}" if tenant.parent_id else ""
        raise CommandError(
            f"标识 {tenant.slug!r} 已被 {tenant.name}（{tenant.get_kind_display()}{where}）"
            "使用，请换一个标识。"
        )


def _admin_holds(tenant: Tenant, username: str, post: str) -> bool:
    with schema_context(tenant.schema_name):
        return (
            assignments_current()
            .filter(staff__user__username=username, staff__is_active=True, post__code=post)
            .exists()
        )


def _admin_ensure(tenant: Tenant, admin: AdminSpec, *, tenant_created: bool) -> str:
    post = PostCode.COUNTY_ADMIN if tenant.is_county else PostCode.TENANT_ADMIN
    held = f"{post.label}（{post.value}）"
    if tenant_created:  # tenant_create made the admin in the same transaction
        return f"管理员 {admin.username} 担任{held}"
    if _admin_holds(tenant, admin.username, post):
        return f"管理员 {admin.username} 已担任{held}"
    with schema_context(tenant.schema_name):
        staff_ensure_with_post(
            actor=None,
            username=admin.username,
            password=admin.password,
            display_name=admin.display_name,
            post_code=post,
        )
    return f"管理员 {admin.username} 现已担任{held}"


def provision(
    *,
    slug: str,
    name: str,
    kind: str,
    parent: Tenant | None = None,
    region_code: str = "",
    admin: AdminSpec | None = None,
) -> Provisioned:
    """The tenant `slug` exists as asked and `admin` holds its administrator post; idempotent.

    An existing tenant of the same kind and county is kept as it is (name and region code
    are not changed); an existing user keeps their password."""
    _check_input(slug=slug, name=name, region_code=region_code, admin=admin)
    user_existed = admin is not None and User.objects.filter(username=admin.username).exists()
    if admin is not None and not user_existed and not admin.password:
        raise CommandError(f"新用户 {admin.username!r} 需要 --password。")
    try:
        tenant, created = tenant_ensure(
            actor=None,
            slug=slug,
            name=name,
            kind=kind,
            parent=parent,
            region_code=region_code,
            admin=admin,
        )
    except DomainError as exc:
        raise CommandError(f"{exc.detail} ({exc.code})") from exc
    result = Provisioned(tenant=tenant, created=created)
    if not created:
        _check_same(tenant, kind=kind, parent=parent)
        if tenant.name != name:
            result.notes.append(f"名称保持为 {tenant.name}（未改为 {name}）")
    if admin is not None:
        result.notes.append(_admin_ensure(tenant, admin, tenant_created=created))
        if user_existed:
            result.notes.append(f"用户 {admin.username} 原已存在：密码未改动")
    return result


def report(command: BaseCommand, result: Provisioned) -> None:
    tenant = result.tenant
    domain = tenant.get_primary_domain()
    line = (
        f"{tenant.get_kind_display()} {tenant.slug}（{tenant.name}）："
        f"{'已创建' if result.created else '已存在'}，"
        f"schema {tenant.schema_name}，http://{domain.domain if domain else '?'}/"
    )
    command.stdout.write(command.style.SUCCESS(line) if result.created else line)
    for note in result.notes:
        command.stdout.write(f"  {note}")


def public_ensure(command: BaseCommand) -> None:
    public = public_tenant_ensure()
    domain = public.get_primary_domain()
    command.stdout.write(
        f"公共 schema {get_public_schema_name()}：就绪，平台运营后台 "
        f"http://{domain.domain if domain else '?'}/admin/"
    )


class Command(BaseCommand):
    help = (
        "创建县级租户（类型 county）：schema、域名 <SLUG>.<BASE_DOMAIN> 和第一位县局管理员"
        "（county_admin）；先确保公共租户存在。可重复执行：已存在的县只报告“已存在”，"
        "并确保管理员担任县局管理员；已存在的用户密码不变。"
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="标识，如 tonglu；网址为 tonglu.<BASE_DOMAIN>")
        parser.add_argument("--name", required=True, help="名称，如 桐庐县")
        parser.add_argument(
            "--admin", required=True, metavar="USERNAME", help="担任县局管理员的用户名"
        )
        parser.add_argument("--password", required=True, help="新用户的密码（用户已存在时不改动）")
        parser.add_argument("--admin-display-name", default="", metavar="NAME", help="管理员姓名")
        parser.add_argument(
            "--region-code", default="", metavar="CODE", help="行政区划代码，如 330122"
        )

    def handle(self, *args, **options):
        admin = AdminSpec(
            username=options["admin"],
            password=options["password"],
            display_name=options["admin_display_name"],
        )
        with schema_context(get_public_schema_name()):  # tenants are made from the public schema
            public_ensure(self)
            result = provision(
                slug=options["slug"],
                name=options["name"],
                kind=TenantKind.COUNTY,
                region_code=options["region_code"],
                admin=admin,
            )
            report(self, result)
