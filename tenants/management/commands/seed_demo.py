"""`seed_demo`: the Tonglu demo county (tenants/demo.py), built by small idempotent steps.

Each step is a method named in `Command.steps`; later features add their own step (posts,
budgets, documents, alerts …) after the ones they depend on.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, schema_context

from county_platform.errors import DomainError
from permissions.services import staff_add
from tenants import demo
from tenants.management.commands.create_county import provision, public_ensure, report
from tenants.models import Tenant, User
from tenants.services import AdminSpec


class Command(BaseCommand):
    help = (
        "建立演示数据：桐庐县及其 14 个镇、乡、街道，县局管理员 tonglu_admin，每个租户的系统"
        "管理员 <slug>_admin，若干无岗位的工作人员，以及平台运营员 operator。所有演示账号的"
        f"密码都是 {demo.PASSWORD}。可重复执行；切勿在生产环境运行。"
    )
    steps = ("public", "operator", "county", "tenants", "staff")

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="演示县已存在时不做任何操作（./dev start 使用）",
        )

    def handle(self, *args, **options):
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError(
                "seed_demo 创建的账号使用公开的演示密码，拒绝在生产配置（production）下运行。"
            )
        with schema_context(get_public_schema_name()):  # tenants are made from the public schema
            if options["if_empty"] and Tenant.objects.filter(slug=demo.COUNTY.slug).exists():
                self.stdout.write(f"演示县 {demo.COUNTY.slug} 已存在：不做任何操作（--if-empty）。")
                return
            self.county: Tenant | None = None
            for step in self.steps:
                getattr(self, f"step_{step}")()
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据就绪：在 {demo.COUNTY.slug}.{settings.BASE_DOMAIN} 上以 "
                f"{demo.admin_username(demo.COUNTY.slug)} / {demo.PASSWORD} 登录。"
            )
        )

    def _admin(self, tenant: demo.DemoTenant) -> AdminSpec:
        return AdminSpec(
            username=demo.admin_username(tenant.slug),
            password=demo.PASSWORD,
            display_name=demo.admin_display_name(tenant),
        )

    def step_public(self) -> None:
        public_ensure(self)

    def step_operator(self) -> None:
        name = demo.OPERATOR_USERNAME
        if User.objects.filter(username=name).exists():
            self.stdout.write(f"平台运营员 {name}：已存在")
            return
        User.objects.create_superuser(
            username=name,
            email="",
            password=demo.PASSWORD,
            display_name=demo.OPERATOR_DISPLAY_NAME,
        )
        self.stdout.write(self.style.SUCCESS(f"平台运营员 {name}：已创建（超级用户）"))

    def step_county(self) -> None:
        county = demo.COUNTY
        result = provision(
            slug=county.slug,
            name=county.name,
            kind=county.kind,
            region_code=county.region_code,
            admin=self._admin(county),
        )
        report(self, result)
        self.county = result.tenant

    def step_tenants(self) -> None:
        for tenant in demo.TENANTS:
            report(
                self,
                provision(
                    slug=tenant.slug,
                    name=tenant.name,
                    kind=tenant.kind,
                    parent=self.county,
                    region_code=tenant.region_code,
                    admin=self._admin(tenant),
                ),
            )

    def step_staff(self) -> None:
        added = 0
        for slug, username, display_name in demo.STAFF:
            tenant = Tenant.objects.get(slug=slug)
            with schema_context(tenant.schema_name):
                try:
                    staff_add(
                        actor=None,
                        username=username,
                        display_name=display_name,
                        password=demo.PASSWORD,
                    )
                except DomainError as exc:
                    if exc.code != "already_staff":
                        raise
                    continue
            added += 1
        already = len(demo.STAFF) - added
        self.stdout.write(f"无岗位的工作人员：新增 {added} 人，原有 {already} 人")
