"""Running the rules: at a document event (block rules refuse with their code, the others raise
alerts that show on the document) and on schedule (set-based scans over the tenant's schema).

What is in force for a tenant is the registry, switched and parameterised by its county's
library row, then tuned by the tenant inside the county's bounds — read in two queries."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.controls.library.models import CountyRule
from apps.controls.models import Alert, AlertStatus, RuleTuning
from apps.controls.rules.registry import SCHEDULE, Event, Finding, RuleSpec, all_rules
from apps.controls.services import alert_raise
from county_platform.errors import DomainError
from tenants.config import tenant_config
from tenants.models import Tenant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InForce:
    spec: RuleSpec
    params: dict[str, Any]


def _county_id_subquery():
    return Tenant.objects.filter(schema_name=connection.schema_name).values(
        county=Coalesce(F("parent_id"), F("id")))


def _bounded(spec: RuleSpec, county_row: CountyRule | None, tuning: RuleTuning | None
             ) -> dict[str, Any]:
    values = spec.defaults()
    for name, param in spec.params.items():
        county = (county_row.parameters if county_row else {}).get(name, {})
        if "value" in county:
            values[name] = param.parse(county["value"])
        low, high = county.get("min", param.min), county.get("max", param.max)
        own = (tuning.parameters if tuning else {}).get(name)
        if own is None:
            continue
        own = param.parse(own)
        if (low is None or own >= param.parse(low)) and (high is None or own <= param.parse(high)):
            values[name] = own
    return values


def rules_in_force(*, trigger: str) -> tuple[InForce, ...]:
    """The rules of `trigger` in force in the current tenant, with their parameters (cached
    per tenant until its tuning or its county's library changes: tenants/config.py)."""
    return tenant_config(f"rules_in_force:{trigger}", lambda: _rules_in_force(trigger))


def _rules_in_force(trigger: str) -> tuple[InForce, ...]:
    specs = {code: spec for code, spec in all_rules().items() if spec.trigger == trigger}
    county_rows = {row.code: row for row in CountyRule.objects.filter(
        county_id__in=_county_id_subquery(), code__in=list(specs))}
    tunings = {row.code: row for row in RuleTuning.objects.filter(code__in=list(specs))}
    in_force = []
    for code, spec in specs.items():
        county_row, tuning = county_rows.get(code), tunings.get(code)
        if county_row is not None and not county_row.enabled:
            continue
        if tuning is not None and not tuning.enabled and spec.severity != "block":
            continue
        in_force.append(InForce(spec, _bounded(spec, county_row, tuning)))
    return tuple(in_force)


def _findings(result: Finding | Iterable[Finding] | None) -> list[Finding]:
    if result is None:
        return []
    if isinstance(result, Finding):
        return [result]
    return list(result)


def _key(spec: RuleSpec, finding: Finding, *, default_type: str = "",
         default_id: str | int = "") -> str:
    object_type = finding.object_type or default_type
    object_id = finding.object_id or default_id
    return f"{spec.code}:{finding.key or f'{object_type}:{object_id}'}"


def _closed_keys(code: str) -> set[str]:
    """Situations the county has closed: a scan does not raise them again (the county reopens
    one that is not resolved). A standing finding, a state that lasts, comes back while it
    lasts."""
    return set(Alert.objects.filter(rule=code, status=AlertStatus.CLOSED)
               .values_list("dedupe_key", flat=True))


def _raise_alert(spec: RuleSpec, finding: Finding, *, default_type: str = "",
                 default_id: str | int = "") -> Alert:
    object_type = finding.object_type or default_type
    object_id = finding.object_id or default_id
    return alert_raise(
        rule=spec.code, severity=spec.severity, message=finding.message,
        dedupe_key=_key(spec, finding, default_type=default_type, default_id=default_id),
        object_type=object_type, object_id=object_id,
        responsible_post=finding.responsible_post or spec.responsible_post,
        standing=finding.standing,
    )


def rules_check(event_name: str, *, document: Any, actor: Any, object_type: str,
                object_id: str | int, **facts: Any) -> list[Alert]:
    """Run the event's rules on `document`. A block rule that finds something refuses with its
    own code (422, the article named); the others leave alerts on the document."""
    event = Event(name=event_name, document=document, actor=actor, now=timezone.now(),
                  facts=facts)
    raised: list[Alert] = []
    for rule in rules_in_force(trigger=event_name):
        findings = _findings(rule.spec.check(event, rule.params))
        if not findings:
            continue
        if rule.spec.severity == "block":
            raise DomainError(rule.spec.code, findings[0].message, 422, rule=rule.spec.code,
                              article=rule.spec.article)
        raised += [_raise_alert(rule.spec, finding, default_type=object_type,
                                default_id=object_id) for finding in findings]
    return raised


@dataclass(frozen=True)
class ScanResult:
    rules: int
    findings: int
    failed: tuple[str, ...]


def rules_scan(*, today: date | None = None, codes: Iterable[str] | None = None) -> ScanResult:
    """Run the tenant's scheduled rules once (idempotent: a live alert is not raised twice).
    One failing rule is logged and does not stop the others."""
    today = today or timezone.localdate()
    wanted = set(codes) if codes is not None else None
    count, failed = 0, []
    rules = [r for r in rules_in_force(trigger=SCHEDULE) if wanted is None or r.spec.code in wanted]
    for rule in rules:
        try:
            with transaction.atomic():
                handled = _closed_keys(rule.spec.code)
                for finding in _findings(rule.spec.check(rule.params, today=today)):
                    if finding.standing or _key(rule.spec, finding) not in handled:
                        _raise_alert(rule.spec, finding)
                        count += 1
        except Exception:  # one broken rule must not silence the rest of the library
            logger.exception("rule %s failed in %s", rule.spec.code, connection.schema_name)
            failed.append(rule.spec.code)
    return ScanResult(rules=len(rules), findings=count, failed=tuple(failed))
