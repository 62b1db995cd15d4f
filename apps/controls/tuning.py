"""A township's own tuning of the county's rules: parameters inside the county's bounds, and
switching off a rule that does not block (block rules are the county's to switch)."""

from typing import Any

from django.db import transaction

from apps.audit.services import audit_record
from apps.controls.models import RuleTuning
from apps.controls.rules.registry import RuleSpec, all_rules
from apps.controls.selectors import county_rule_of_tenant, parameter_bounds
from county_platform.errors import DomainError
from permissions.models import PostCode
from permissions.selectors import holds_post
from tenants.models import User


def _checked(spec: RuleSpec, county: dict[str, Any], name: str, raw: Any) -> Any:
    param = spec.params.get(name)
    if param is None:
        raise DomainError("invalid", f"规则 {spec.code} 没有参数 {name}。", 400, parameter=name)
    try:
        value = param.parse(raw)
    except (ValueError, TypeError, ArithmeticError) as error:
        raise DomainError("invalid", f"参数“{param.label}”须为数字。", 400,
                          parameter=name) from error
    low, high = parameter_bounds(param, county.get(name, {}))
    if (low is not None and value < param.parse(low)) or (
            high is not None and value > param.parse(high)):
        raise DomainError("out_of_bounds", f"参数“{param.label}”须在县定范围 {low} 至 {high} "
                          "之内。", 422, parameter=name, min=low, max=high)
    return param.as_json(value)


def _merged(spec: RuleSpec, own: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    row = county_rule_of_tenant(code=spec.code)
    county = row.parameters if row else {}
    merged = dict(own)
    for name, raw in changes.items():
        if raw is None:  # back to the county's value
            merged.pop(name, None)
        else:
            merged[name] = _checked(spec, county, name, raw)
    return merged


@transaction.atomic
def rule_tune(*, actor: User, code: str, enabled: bool | None = None,
              parameters: dict[str, Any] | None = None) -> RuleTuning:
    """Set this tenant's switch and parameter values of rule `code` (tenant_admin)."""
    spec = all_rules().get(code)
    if spec is None:
        raise DomainError("not_found", "没有这条规则。", 404)
    if not holds_post(user=actor, code=PostCode.TENANT_ADMIN):
        raise DomainError("permission_denied", "只有本单位系统管理员可以调整规则参数。", 403)
    if enabled is False and spec.severity == "block":
        raise DomainError("block_rule_required", "阻断类规则必须执行，本单位不能停用。", 422,
                          rule=code)
    tuning, _ = RuleTuning.objects.select_for_update().get_or_create(code=code)
    before = {"enabled": tuning.enabled, "parameters": tuning.parameters}
    tuning.parameters = _merged(spec, tuning.parameters or {}, parameters or {})
    if enabled is not None:
        tuning.enabled = enabled
    tuning.updated_by = actor
    tuning.save(update_fields=["parameters", "enabled", "updated_by", "updated_at"])
    audit_record(actor=actor, action="rule.tuned", obj=tuning, before=before,
                 after={"enabled": tuning.enabled, "parameters": tuning.parameters})
    return tuning
