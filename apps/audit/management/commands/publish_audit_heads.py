"""manage.py publish_audit_heads: publish audit chain heads to the public schema on demand."""

from django.core.management.base import BaseCommand, CommandError

from apps.audit.selectors import tenants_audited
from apps.audit.services import audit_head_publish
from county_platform.errors import DomainError


class Command(BaseCommand):
    help = (
        "把审计链头（事件数和哈希）发布到公共 schema。不指定 --tenant 时发布所有启用的租户；"
        "链条与上次发布的链头不一致时拒绝发布并以非零状态退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", help="只发布这个租户（标识）。")

    def handle(self, *args, tenant: str | None, **options):
        tenants = list(tenants_audited(slug=tenant, active_only=tenant is None))
        if tenant is not None and not tenants:
            raise CommandError(f"没有标识为 {tenant} 的租户。")
        refused = []
        for each in tenants:
            try:
                head = audit_head_publish(tenant=each)
            except DomainError as error:
                self.stdout.write(self.style.ERROR(f"{each.slug}：{error.detail}"))
                refused.append(each.slug)
                continue
            self.stdout.write(f"{each.slug}：已发布 {head.count} 条，链头 {head.head_hash[:12]}。")
        self.stdout.write(f"共发布 {len(tenants) - len(refused)} 个租户，拒绝 {len(refused)} 个。")
        if refused:
            raise CommandError("以下租户的链头未发布：" + "，".join(refused))
