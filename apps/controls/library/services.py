"""The county's library: kept in step with the registered rules, changed by county_admin."""

from typing import Any

from django.db import transaction

from apps.audit.services import audit_record
from apps.controls.library.models import CountyRule
from apps.controls.rules.registry import Param, RuleSpec, all_rules
from county_platform.errors import DomainError
from tenants.models import Tenant, User

DESCRIBED = ("title", "area", "article", "severity", "trigger")


def _param_row(param: Param, kept: dict[str, Any]) -> dict[str, Any]:
    row = {"label": param.label, "kind": param.kind,
           "value": param.as_json(kept.get("value", param.default))}
    for bound in ("min", "max"):
        value = kept.get(bound, getattr(param, bound))
        row[bound] = None if value is None else param.as_json(value)
    return row


def _parameters(spec: RuleSpec, kept: dict[str, Any]) -> dict[str, Any]:
    return {name: _param_row(param, kept.get(name, {})) for name, param in spec.params.items()}


@transaction.atomic
def library_sync(*, county: Tenant) -> int:
    """Give the county one row per registered rule; refresh what the code says a rule is and
    keep what the county decided (enabled, parameter values and bounds). Returns rows added."""
    rows = {row.code: row for row in CountyRule.objects.select_for_update().filter(county=county)}
    added = []
    for code, spec in all_rules().items():
        row = rows.get(code) or CountyRule(county=county, code=code)
        for name in DESCRIBED:
            setattr(row, name, getattr(spec, name))
        row.parameters = _parameters(spec, row.parameters or {})
        if row.pk is None:
            added.append(row)
        else:
            row.save()
    CountyRule.objects.bulk_create(added)
    return len(added)


def _check_value(spec: RuleSpec, name: str, raw: Any) -> Any:
    param = spec.params.get(name)
    if param is None:
        raise DomainError("invalid", f"规则 {spec.code} 没有参数 {name}。", 400)
    try:
        value = param.parse(raw)
    except (ValueError, ArithmeticError) as error:
        raise DomainError("invalid", f"参数“{param.label}”须为数字。", 400) from error
    too_low = param.min is not None and value < param.parse(param.min)
    if too_low or (param.max is not None and value > param.parse(param.max)):
        raise DomainError("out_of_bounds", f"参数“{param.label}”须在 {param.min} 至 "
                          f"{param.max} 之间。", 422, parameter=name)
    return param.as_json(value)


@transaction.atomic
def county_rule_update(*, actor: User, county: Tenant, code: str, enabled: bool | None = None,
                       parameters: dict[str, dict[str, Any]] | None = None) -> CountyRule:
    """Switch a rule or set its parameters (value, min, max — each inside the rule's own hard
    bounds, with min ≤ value ≤ max) for every township of the county."""
    spec = all_rules().get(code)
    if spec is None:
        raise DomainError("not_found", "没有这条规则。", 404)
    library_sync(county=county)
    row = CountyRule.objects.select_for_update().get(county=county, code=code)
    before = {"enabled": row.enabled, "parameters": row.parameters}
    if enabled is not None:
        row.enabled = enabled
    merged = dict(row.parameters)
    for name, change in (parameters or {}).items():
        current = dict(merged.get(name, {}))
        current.update({key: _check_value(spec, name, value) for key, value in change.items()
                        if key in ("value", "min", "max") and value is not None})
        parse = spec.params[name].parse
        low, high = current.get("min"), current.get("max")
        if (low is not None and parse(current["value"]) < parse(low)) or (
                high is not None and parse(current["value"]) > parse(high)):
            raise DomainError("out_of_bounds", f"参数“{spec.params[name].label}”的取值须在"
                              "县定下限与上限之间。", 422, parameter=name)
        merged[name] = current
    row.parameters, row.updated_by = merged, actor
    row.save()
    audit_record(actor=actor, action="rule_library.changed", obj=row, before=before,
                 after={"enabled": row.enabled, "parameters": row.parameters})
    return row
