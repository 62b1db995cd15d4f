"""`seed_demo`: the Tonglu demo county (tenants/demo.py), built by small idempotent steps.

Each step is a method named in `Command.steps`; later features add their own step (posts,
budgets, documents, alerts …) after the ones they depend on.
"""

import random
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from apps.budget.demo import budget_seed, spending_seed
from apps.controls.demo import alerts_seed
from apps.controls.library.services import library_sync
from county_platform.errors import DomainError
from permissions.exceptions import sod_exception_decide, sod_exception_request
from permissions.models import Origin, StaffMember
from permissions.rotation import (
    add_months,
    rotation_check_run,
    rotation_plan_create,
    rotation_plans,
)
from permissions.selectors import (
    assignments_current,
    posts_list,
    sod_exceptions_of_tenant,
    staff_get_for_user,
)
from permissions.services import post_assign, staff_add
from tenants import demo
from tenants.management.commands.create_county import provision, public_ensure, report
from tenants.models import Tenant, User
from tenants.services import AdminSpec


class Command(BaseCommand):
    help = (
        "建立演示数据：桐庐县及其 14 个镇、乡、街道，县局管理员 tonglu_admin，每个租户的系统"
        "管理员 <slug>_admin，各乡镇街道每个岗位的任职人员（如 yaolin_cashier），一项超期未轮岗、"
        "一项轮岗计划和一项经县局批准的不相容岗位例外，以及平台运营员 operator。所有演示账号的"
        f"密码都是 {demo.PASSWORD}。可重复执行；切勿在生产环境运行。"
    )
    steps = ("public", "operator", "county", "tenants", "staff", "duties", "budget", "controls")

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="演示县已存在时不做任何操作（./dev start 使用）",
        )
        parser.add_argument(
            "--skip",
            action="append",
            default=[],
            choices=self.steps[3:],
            help="跳过某一步（可重复），例如 --skip budget",
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
                if step not in options["skip"]:
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

    # --- duties: every template post filled in every township (not the county) ---------------

    def step_duties(self) -> None:
        filled = 0
        for index, spec in enumerate(demo.TENANTS):
            with schema_context(Tenant.objects.get(slug=spec.slug).schema_name):
                filled += self._fill_posts(index, spec.slug)
        exception = self._exception()
        plan = self._plan()
        alerts = 0
        for spec in demo.TENANTS:
            township = Tenant.objects.select_related("parent").get(slug=spec.slug)
            with schema_context(township.schema_name):
                alerts += len(rotation_check_run(tenant=township).raised)
        self.stdout.write(
            f"岗位任职：新增 {filled} 项；不相容岗位例外：{exception}；轮岗计划：{plan}；"
            f"新增轮岗预警 {alerts} 条"
        )

    # --- budget: a year of indicators and spending in every township -------------------------

    def step_budget(self) -> None:
        year, indicators, requests = timezone.localdate().year, 0, 0
        for spec in demo.TENANTS:
            with schema_context(Tenant.objects.get(slug=spec.slug).schema_name):
                indicators += budget_seed(year=year)
                rng = random.Random(spec.slug)  # noqa: S311  (demo amounts, not secrets)
                requests += spending_seed(year=year, rng=rng)
        self.stdout.write(f"预算：新增指标 {indicators} 项；支出申请 {requests} 笔（各种状态）")

    # --- controls: the rule library's findings, and alerts in every state -------------------

    def step_controls(self) -> None:
        county = Tenant.objects.get(slug=demo.COUNTY.slug)
        library_sync(county=county)
        county_admin = User.objects.get(username=demo.admin_username(demo.COUNTY.slug))
        totals: dict[str, int] = {}
        for spec in demo.TENANTS:
            with schema_context(Tenant.objects.get(slug=spec.slug).schema_name):
                for name, value in alerts_seed(county_admin=county_admin).items():
                    totals[name] = totals.get(name, 0) + value
        self.stdout.write(
            f"风险规则：拆分支付演示 {totals.get('split_requests', 0)} 笔；扫描发现 "
            f"{totals.get('found', 0)} 项；预警已确认 {totals.get('acknowledged', 0)}、"
            f"已整改 {totals.get('rectified', 0)}、已关闭 {totals.get('closed', 0)}、"
            f"重新打开 {totals.get('reopened', 0)} 条")

    def _fill_posts(self, tenant_index: int, slug: str) -> int:
        """Give every county-template post without a holder to its demo holder."""
        today = timezone.localdate()
        ordinary = [username for s, username, _ in demo.STAFF if s == slug]
        posts = [post for post in posts_list() if post.origin == Origin.COUNTY]
        added = 0
        for index, post in enumerate(posts):
            if (slug, post.code) == (demo.EXCEPTION.slug, demo.EXCEPTION.extra_post):
                continue  # held under the approved exception, see _exception
            if assignments_current().filter(post=post).exists():
                continue
            username = ordinary[index] if index < len(ordinary) else demo.holder_username(
                slug, post.code
            )
            staff = self._staff(username, demo.holder_display_name(tenant_index, index))
            months = demo.months_in_post(tenant_index, index)
            if (slug, post.code) == (demo.OVERDUE.slug, demo.OVERDUE.post):
                months = demo.OVERDUE.months
            post_assign(actor=None, staff=staff, post_code=post.code,
                        start_date=add_months(today, -months))
            added += 1
        return added

    @staticmethod
    def _staff(username: str, display_name: str) -> StaffMember:
        user = User.objects.filter(username=username).first()
        staff = staff_get_for_user(user=user) if user else None
        return staff or staff_add(actor=None, username=username, display_name=display_name,
                                  password=demo.PASSWORD)

    @staticmethod
    def _holder(post_code: str) -> StaffMember:
        current = assignments_current().filter(post__code=post_code).select_related("staff__user")
        return current.order_by("start_date", "id").first().staff

    def _exception(self) -> str:
        """The county-approved exception: the asset keeper is also acceptance officer."""
        spec = demo.EXCEPTION
        tenant = Tenant.objects.get(slug=spec.slug)
        with schema_context(tenant.schema_name):
            staff = self._holder(spec.holder_of)
        existing = sod_exceptions_of_tenant(tenant=tenant).filter(
            user=staff.user, rule_code=spec.rule
        )
        created = not existing.exists()
        if created:
            today = timezone.localdate()
            exception = sod_exception_request(
                actor=User.objects.get(username=demo.admin_username(spec.slug)),
                tenant=tenant, user=staff.user, rule_code=spec.rule, reason=spec.reason,
                substitute_control=spec.substitute_control, valid_from=today,
                valid_to=today + timedelta(days=spec.days),
            )
            sod_exception_decide(
                actor=User.objects.get(username=demo.admin_username(demo.COUNTY.slug)),
                exception=exception, approve=True, note="同意。期满前须调整岗位分工。",
            )
        with schema_context(tenant.schema_name):
            if not assignments_current().filter(post__code=spec.extra_post).exists():
                post_assign(actor=None, staff=staff, post_code=spec.extra_post)
        return f"{spec.slug} {staff.user.username}（{'已创建' if created else '已存在'}）"

    def _plan(self) -> str:
        spec = demo.PLAN
        with schema_context(Tenant.objects.get(slug=spec.slug).schema_name):
            staff = self._holder(spec.post)
            if rotation_plans().filter(staff=staff, post__code=spec.post, done=False).exists():
                return "已存在"
            rotation_plan_create(
                actor=None, staff=staff, post_code=spec.post,
                planned_date=timezone.localdate() + timedelta(days=spec.days_ahead),
                successor=staff_get_for_user(user=User.objects.get(username=spec.successor)),
                note=spec.note,
            )
        return "已创建"
