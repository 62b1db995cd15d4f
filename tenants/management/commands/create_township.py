"""`create_township`: a town, township or subdistrict of a county, idempotently."""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, schema_context

from tenants.management.commands.create_county import provision, report
from tenants.models import Tenant, TenantKind
from tenants.services import AdminSpec

KINDS = (TenantKind.TOWN, TenantKind.TOWNSHIP, TenantKind.SUBDISTRICT)


def county_get(slug: str) -> Tenant:
    county = (
        Tenant.objects.exclude(schema_name=get_public_schema_name())
        .filter(slug=slug, kind=TenantKind.COUNTY)
        .first()
    )
    if county is None:
        raise CommandError(
            f"没有标识为 {slug!r} 的县。请先创建："
            f"manage.py create_county {slug} --name … --admin … --password …"
        )
    return county


class Command(BaseCommand):
    help = (
        "在一个县下创建镇（town）、乡（township）或街道（subdistrict）：schema、域名 "
        "<SLUG>.<BASE_DOMAIN>，给出 --admin 时还有第一位系统管理员（tenant_admin）。"
        "可重复执行：已存在的租户只报告“已存在”，并确保管理员担任系统管理员；"
        "已存在的用户密码不变。"
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="标识，如 yaolin；网址为 yaolin.<BASE_DOMAIN>")
        parser.add_argument(
            "--county", required=True, metavar="SLUG", help="所属县的标识，如 tonglu"
        )
        parser.add_argument("--name", required=True, help="名称，如 瑶琳镇")
        parser.add_argument(
            "--kind",
            required=True,
            choices=[str(kind) for kind in KINDS],
            help="town 镇、township 乡或 subdistrict 街道",
        )
        parser.add_argument("--admin", metavar="USERNAME", help="担任系统管理员的用户名")
        parser.add_argument("--password", help="新用户的密码（用户已存在时不改动）")
        parser.add_argument("--admin-display-name", default="", metavar="NAME", help="管理员姓名")
        parser.add_argument(
            "--region-code", default="", metavar="CODE", help="行政区划代码，如 330122103"
        )

    def handle(self, *args, **options):
        if options["password"] and not options["admin"]:
            raise CommandError("给出 --password 时须同时给出 --admin USERNAME。")
        with schema_context(get_public_schema_name()):  # tenants are made from the public schema
            self._handle(options)

    def _handle(self, options) -> None:
        county = county_get(options["county"])
        admin = None
        if options["admin"]:
            admin = AdminSpec(
                username=options["admin"],
                password=options["password"],
                display_name=options["admin_display_name"],
            )
        result = provision(
            slug=options["slug"],
            name=options["name"],
            kind=options["kind"],
            parent=county,
            region_code=options["region_code"],
            admin=admin,
        )
        report(self, result)
