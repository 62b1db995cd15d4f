"""manage.py rules_sync: give every county a library row for every registered rule."""

from django.core.management.base import BaseCommand

from apps.controls.library.services import library_sync
from tenants.models import Tenant, TenantKind


class Command(BaseCommand):
    help = "为每个县同步规则库：新增已注册但库中还没有的规则，保留县里已作的设置。"

    def handle(self, *args, **options):
        counties = Tenant.objects.filter(kind=TenantKind.COUNTY).exclude(schema_name="public")
        for county in counties.order_by("slug"):
            added = library_sync(county=county)
            self.stdout.write(f"{county.slug}：新增 {added} 条规则。")
