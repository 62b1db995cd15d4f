"""The rule registry: every preset risk rule is one small function registered with its metadata.

Adding a rule is one function decorated with `@rule(...)` in the area's module, listed in
AREA_MODULES, and two tests (`test_<code>_fires`, `test_<code>_quiet`) in
tests/apps/controls/rules/. The county's library rows (apps.controls.library) hold what the
county decides about each rule; the code holds what the rule is."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

AREA_MODULES = (
    "apps.controls.rules.budget",
    "apps.controls.rules.expenditure",
    "apps.controls.rules.revenue",
    "apps.controls.rules.approvals",
    "apps.controls.rules.duties",
    "apps.controls.rules.audit",
)

AREAS = {
    "budget": "预算管理",
    "expenditure": "支出管理",
    "revenue": "收入管理",
    "approvals": "审批管理",
    "duties": "岗位与轮岗",
    "audit": "审计留痕",
}
SEVERITIES = ("remind", "warn", "block")
SCHEDULE = "schedule"
# The document events at which rules run; each is raised by the named service.
EVENTS = {
    "spending.submit": ("apps.expenditure.services.request_submit"
                        "（提交支出申请：五项预算控制通过后、进入审批前）"),
    "payment.create": "apps.expenditure.services.payment_create（出纳支付前）",
    "task.decided": "apps.approvals.services.task_decide（审批人作出决定后）",
    "revenue.submit": "apps.budget.revenue.revenue_submit（提交收入登记）",
    "adjustment.submit": "apps.budget.adjustments.adjustment_submit（提交预算调整）",
}
KINDS = ("int", "money", "percent", "days", "hours")


@dataclass(frozen=True)
class Param:
    """A parameter with its default and the hard bounds inside which the county may set it."""

    default: Any
    label: str
    kind: str = "int"
    min: Any = None
    max: Any = None

    def parse(self, raw: Any) -> int | Decimal:
        return int(raw) if self.kind in ("int", "days", "hours") else Decimal(str(raw))

    def as_json(self, value: Any) -> int | str:
        parsed = self.parse(value)
        return parsed if isinstance(parsed, int) else f"{parsed}"


@dataclass(frozen=True)
class Finding:
    """One situation a rule found: what to tell people, about which object, and the key that
    makes raising it twice raise it once."""

    message: str
    object_type: str = ""
    object_id: str | int = ""
    key: str = ""
    responsible_post: str = ""
    # A standing alert describes a state that lasts (an exception, a conflict held), not an act.
    standing: bool = False


@dataclass(frozen=True)
class Event:
    """What an event rule sees: the document, who acts, when, and the event's own facts."""

    name: str
    document: Any
    actor: Any
    now: datetime
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def today(self) -> date:
        from django.utils import timezone

        return timezone.localdate(self.now)


Check = Callable[..., "Finding | Iterable[Finding] | None"]


@dataclass(frozen=True)
class RuleSpec:
    code: str
    title: str
    area: str
    article: str
    severity: str
    trigger: str
    params: dict[str, Param]
    check: Check
    responsible_post: str = ""

    @property
    def is_scheduled(self) -> bool:
        return self.trigger == SCHEDULE

    def defaults(self) -> dict[str, int | Decimal]:
        return {name: p.parse(p.default) for name, p in self.params.items()}


_RULES: dict[str, RuleSpec] = {}


def rule(*, code: str, title: str, area: str, article: str, severity: str, trigger: str,
         params: dict[str, Param] | None = None, responsible_post: str = ""
         ) -> Callable[[Check], Check]:
    """Register the decorated function as the rule `code`."""
    if area not in AREAS or severity not in SEVERITIES:
        raise ValueError(f"rule {code}: unknown area {area!r} or severity {severity!r}")
    if trigger != SCHEDULE and trigger not in EVENTS:
        raise ValueError(f"rule {code}: unknown trigger {trigger!r}")
    if severity == "block" and trigger == SCHEDULE:
        raise ValueError(f"rule {code}: a scheduled rule cannot block an operation")

    def register(check: Check) -> Check:
        if code in _RULES and _RULES[code].check.__qualname__ != check.__qualname__:
            raise ValueError(f"rule {code} registered twice")
        _RULES[code] = RuleSpec(code=code, title=title, area=area, article=article,
                                severity=severity, trigger=trigger, params=dict(params or {}),
                                check=check, responsible_post=responsible_post)
        return check

    return register


def all_rules() -> dict[str, RuleSpec]:
    """Every registered rule, by code (the area modules are imported on first use)."""
    for module in AREA_MODULES:
        importlib.import_module(module)
    return dict(sorted(_RULES.items()))


def rule_get(code: str) -> RuleSpec | None:
    return all_rules().get(code)
