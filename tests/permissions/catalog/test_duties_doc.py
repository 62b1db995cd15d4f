"""docs/duties.md shows the default template exactly as permissions/defaults.py defines it.

The tables between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` are generated;
after changing defaults.py, rewrite them with

    .venv/bin/python -m tests.permissions.catalog.test_duties_doc
"""

import re
import sys
from pathlib import Path

from permissions import defaults

DOC = Path(__file__).resolve().parents[3] / "docs" / "duties.md"
NAMES = {p.code: p.name for p in defaults.POSTS}
SCOPES = {"post": "不得同时担任", "document": "同一业务不得兼任"}


def _post(code: str) -> str:
    return f"{NAMES.get(code, code)} `{code}`"


def _table(header: tuple[str, ...], rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def tables() -> dict[str, str]:
    return {
        "posts": _table(
            ("编码", "岗位", "关键岗位", "最长任期（月）", "涉及资金"),
            ((f"`{p.code}`", p.name, "是" if p.is_key else "", p.max_tenure_months or "",
              "是" if p.holds_money else "") for p in defaults.POSTS),
        ),
        "matrix": _table(
            ("经济活动", "顺序", "环节", "环节名称", "岗位"),
            ((f"{defaults.ACTIVITY_NAMES[s.activity]} `{s.activity}`", s.order, f"`{s.step}`",
              s.step_name, _post(s.post)) for s in defaults.MATRIX),
        ),
        "pairs": _table(
            ("规则", "岗位甲", "岗位乙", "范围", "依据"),
            ((f"`{r.code}`", _post(r.post_a), _post(r.post_b), SCOPES[r.scope], r.article)
             for r in defaults.SOD),
        ),
        "parameters": _table(
            ("编码", "参数", "默认值", "下限", "上限"),
            ((f"`{code}`", name, value, low, high)
             for code, name, value, low, high in defaults.PARAMETERS),
        ),
    }


def _block(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- generated:{name} -->\n)(.*?)(\n?<!-- /generated:{name} -->)",
                      re.DOTALL)


def test_every_generated_table_in_the_doc_matches_defaults():
    text = DOC.read_text(encoding="utf-8")

    for name, table in tables().items():
        found = _block(name).search(text)
        assert found is not None, f"docs/duties.md has no generated:{name} block"
        assert found.group(2) == table, (
            f"docs/duties.md table '{name}' differs from permissions/defaults.py; "
            "rewrite it: .venv/bin/python -m tests.permissions.catalog.test_duties_doc"
        )


def rewrite() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, table in tables().items():
        text = _block(name).sub(
            lambda m, t=table: m.group(1) + t + "\n" + m.group(3).lstrip(), text
        )
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    rewrite()
    sys.stdout.write(f"rewrote the generated tables in {DOC}\n")
