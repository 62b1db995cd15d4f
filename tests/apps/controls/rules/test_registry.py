"""The library's own promises: every registered rule says what it is, and has a test that makes
it fire and one that keeps it quiet."""

import ast
from pathlib import Path

from apps.controls.rules.registry import AREAS, EVENTS, SCHEDULE, SEVERITIES, all_rules

HERE = Path(__file__).parent


def _test_names() -> set[str]:
    names = set()
    for path in HERE.glob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    return names


def test_the_library_has_at_least_sixty_rules_across_the_areas():
    rules = all_rules()

    assert len(rules) >= 60
    assert {spec.area for spec in rules.values()} == set(AREAS)


def test_every_rule_has_its_metadata():
    for code, spec in all_rules().items():
        assert spec.title and spec.article, code
        assert spec.severity in SEVERITIES, code
        assert spec.trigger == SCHEDULE or spec.trigger in EVENTS, code
        assert all(p.label and p.kind for p in spec.params.values()), code


def test_every_rule_has_a_test_that_fires_it_and_one_that_keeps_it_quiet():
    names = _test_names()
    missing = [f"test_{code}_{kind}" for code in all_rules() for kind in ("fires", "quiet")
               if f"test_{code}_{kind}" not in names]

    assert missing == []
