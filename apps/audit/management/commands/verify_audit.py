"""manage.py verify_audit: check every tenant's audit chain and name the first broken link."""

from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand, CommandError

from apps.audit.selectors import tenants_audited
from apps.audit.verify import ChainReport, verify_chain
from tenants.models import Tenant


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ArgumentTypeError("必须是正整数")
    return value


class Command(BaseCommand):
    help = (
        "校验审计链：逐条核对序号、前一哈希和哈希，并与最近发布的链头比对。"
        "不指定 --tenant 时校验所有租户（公共 schema 除外）；发现损坏时以非零状态退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", help="只校验这个租户（标识）。")
        parser.add_argument(
            "--batch-size", type=_positive, default=1000, help="每批读取的事件条数（默认 1000）。"
        )

    def handle(self, *args, tenant: str | None, batch_size: int, **options):
        tenants = list(tenants_audited(slug=tenant))
        if tenant is not None and not tenants:
            raise CommandError(f"没有标识为 {tenant} 的租户。")
        failures = []
        for each in tenants:
            report = verify_chain(tenant=each, batch_size=batch_size)
            self._print(each, report)
            if not report.ok:
                failures.append(f"{each.slug} 第 {report.broken.seq} 条（{report.broken.reason}）")
        self.stdout.write(
            f"共校验 {len(tenants)} 个租户：{len(tenants) - len(failures)} 个完好，"
            f"{len(failures)} 个损坏。"
        )
        if failures:
            raise CommandError("审计链损坏：" + "；".join(failures))

    def _print(self, tenant: Tenant, report: ChainReport) -> None:
        label = f"{tenant.slug}（{tenant.name}）"
        broken = report.broken
        if broken is not None:
            line = f"{label} 损坏：第 {broken.seq} 条 [{broken.reason}] {broken.message}"
            self.stdout.write(self.style.ERROR(line))
            return
        published = (
            "尚未发布链头"
            if report.published_count is None
            else f"最近发布的链头 {report.published_count} 条"
        )
        line = f"{label} 完好：{report.count} 条事件，链头 {report.head_hash[:12]}，{published}。"
        self.stdout.write(self.style.SUCCESS(line))
