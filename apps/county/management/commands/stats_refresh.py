"""`manage.py stats_refresh [--year YEAR]`: recompute every active township's statistics
snapshot now (what the nightly task does), printing progress."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.county.services import stats_refresh_all

EVERY = 50  # a progress line every this many townships


class Command(BaseCommand):
    help = "重新计算各乡镇的统计快照（县级综合监管看板）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None, help="预算年度，默认今年")

    def handle(self, *args, year=None, **options):
        year = year or timezone.localdate().year

        def progress(done, total, tenant):
            if done % EVERY == 0 or done == total:
                self.stdout.write(f"{done}/{total} {tenant.slug}")

        count = stats_refresh_all(year=year, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"{year}年：已刷新 {count} 个乡镇的统计快照。"))
