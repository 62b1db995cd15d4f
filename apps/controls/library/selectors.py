"""Reads of the county's rule library: every registered rule with what the county decided
(a rule the county has not touched yet reads with the code's defaults)."""

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from apps.controls.library.models import CountyRule
from apps.controls.library.services import _parameters
from apps.controls.rules.registry import RuleSpec, all_rules
from tenants.models import Tenant


@dataclass(frozen=True)
class LibraryRule:
    code: str
    title: str
    area: str
    article: str
    severity: str
    trigger: str
    parameters: dict[str, Any]
    enabled: bool


def _library_rule(spec: RuleSpec, row: CountyRule | None) -> LibraryRule:
    return LibraryRule(code=spec.code, title=spec.title, area=spec.area, article=spec.article,
                       severity=spec.severity, trigger=spec.trigger,
                       parameters=_parameters(spec, row.parameters if row else {}),
                       enabled=row.enabled if row else True)


def county_rules(*, county: Tenant, area: str | None = None,
                 severity: str | None = None) -> list[LibraryRule]:
    rows = {row.code: row for row in CountyRule.objects.filter(county=county)}
    return [_library_rule(spec, rows.get(code)) for code, spec in all_rules().items()
            if (not area or spec.area == area) and (not severity or spec.severity == severity)]


def county_rule_get(*, county: Tenant, code: str) -> LibraryRule:
    spec = all_rules().get(code)
    if spec is None:
        raise Http404
    return _library_rule(spec, CountyRule.objects.filter(county=county, code=code).first())
