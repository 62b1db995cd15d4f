"""Reads about the tenant's alerts, the notices on its documents and the rules in force."""

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from apps.attachments.models import Attachment
from apps.attachments.selectors import attachments_of
from apps.controls.library.models import CountyRule
from apps.controls.models import Alert, AlertStatus, RuleTuning
from apps.controls.rules.registry import AREAS, Param, RuleSpec, all_rules
from tenants.models import Tenant, User


def alerts_list(*, status: str | None = None, severity: str | None = None,
                rule: str | None = None) -> QuerySet[Alert]:
    rows = Alert.objects.order_by("-created_at", "-id")
    if status:
        rows = rows.filter(status=status)
    if severity:
        rows = rows.filter(severity=severity)
    if rule:
        rows = rows.filter(rule=rule)
    return rows


def alert_get(*, alert_id: int) -> Alert:
    """One alert of the tenant (every member sees the tenant's alerts); 404 when missing."""
    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:
        raise Http404
    return alert


def alert_people(alert: Alert) -> dict[str, User]:
    """The users named on the alert (acknowledged, rectified, closed by), in one query."""
    ids = {alert.acknowledged_by_id, alert.rectified_by_id, alert.closed_by_id} - {None}
    return {user.pk: user for user in User.objects.filter(pk__in=ids)}


def alert_evidence(*, alert: Alert) -> QuerySet[Attachment]:
    return attachments_of(object_type="alert", object_id=str(alert.pk))


# --- notices on documents ---------------------------------------------------------------------

def notices_for(*, object_type: str, object_id: str | int) -> list[dict[str, str]]:
    """The alerts rules have left on one document, live ones first."""
    rows = Alert.objects.filter(object_type=object_type, object_id=str(object_id)).order_by(
        "created_at", "id")
    live = [r for r in rows if r.status != AlertStatus.CLOSED]
    closed = [r for r in rows if r.status == AlertStatus.CLOSED]
    return [{"rule": r.rule, "severity": r.severity, "message": r.message, "status": r.status}
            for r in live + closed]


# --- the rules in force in this tenant --------------------------------------------------------

@dataclass(frozen=True)
class TenantRule:
    spec: RuleSpec
    county_enabled: bool
    own_enabled: bool
    parameters: dict[str, dict[str, Any]]

    @property
    def enabled(self) -> bool:
        """In force here: the county has it on, and the tenant too (a block rule always)."""
        return self.county_enabled and (self.own_enabled or self.spec.severity == "block")


def _as_json(param: Param, value: Any) -> Any:
    return None if value is None else param.as_json(value)


def parameter_bounds(param: Param, county: dict[str, Any]) -> tuple[Any, Any]:
    """The county's bounds of one parameter (the rule's own where the county set none)."""
    return county.get("min", param.min), county.get("max", param.max)


def _parameter(param: Param, county: dict[str, Any], own: Any) -> dict[str, Any]:
    low, high = parameter_bounds(param, county)
    county_value = param.parse(county.get("value", param.default))
    value = county_value
    if own is not None:
        parsed = param.parse(own)
        if (low is None or parsed >= param.parse(low)) and (
                high is None or parsed <= param.parse(high)):
            value = parsed
    return {"label": param.label, "kind": param.kind, "county_value": param.as_json(county_value),
            "min": _as_json(param, low), "max": _as_json(param, high),
            "own_value": _as_json(param, own), "value": param.as_json(value)}


def _tenant_rule(spec: RuleSpec, row: CountyRule | None, tuning: RuleTuning | None) -> TenantRule:
    county = row.parameters if row else {}
    own = tuning.parameters if tuning else {}
    return TenantRule(
        spec=spec, county_enabled=row.enabled if row else True,
        own_enabled=tuning.enabled if tuning else True,
        parameters={name: _parameter(param, county.get(name, {}), own.get(name))
                    for name, param in spec.params.items()})


def county_rule_of_tenant(*, code: str) -> CountyRule | None:
    return _county_rows().get(code)


def _county_rows() -> dict[str, CountyRule]:
    tenant = Tenant.objects.get(schema_name=connection.schema_name)
    county_id = tenant.parent_id or tenant.pk
    return {row.code: row for row in CountyRule.objects.filter(county_id=county_id)}


def tenant_rules(*, area: str | None = None) -> list[TenantRule]:
    """Every registered rule as it stands in this tenant: county switch and parameters, then
    the tenant's own tuning inside the county's bounds (three queries)."""
    rows, tunings = _county_rows(), {t.code: t for t in RuleTuning.objects.all()}
    return [_tenant_rule(spec, rows.get(code), tunings.get(code))
            for code, spec in all_rules().items() if not area or spec.area == area]


def tenant_rule_get(*, code: str) -> TenantRule:
    spec = all_rules().get(code)
    if spec is None:
        raise Http404
    return _tenant_rule(spec, county_rule_of_tenant(code=code),
                        RuleTuning.objects.filter(code=code).first())


def area_name(area: str) -> str:
    return AREAS.get(area, area)
