"""docs/rules.md is generated from the registry and must be current."""

from pathlib import Path

from django.conf import settings

from apps.controls.rules.docs import library_markdown
from apps.controls.rules.registry import all_rules


def test_docs_rules_md_is_current():
    written = (Path(settings.BASE_DIR) / "docs" / "rules.md").read_text(encoding="utf-8")

    assert written == library_markdown(), "run: manage.py rules_doc"


def test_every_rule_is_on_the_page_with_its_article():
    text = library_markdown()

    assert all(f"`{code}`" in text and spec.article in text for code, spec in all_rules().items())
