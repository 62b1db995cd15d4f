"""manage.py rules_doc: write docs/rules.md from the registered rules."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.controls.rules.docs import library_markdown


class Command(BaseCommand):
    help = "根据已注册的规则生成 docs/rules.md（规则库文档）。"

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "docs" / "rules.md"),
                            help="输出文件（默认 docs/rules.md）。")

    def handle(self, *args, output: str, **options):
        text = library_markdown()
        Path(output).write_text(text, encoding="utf-8")
        self.stdout.write(f"已写入 {output}：{text.count(chr(10))} 行。")
