"""Raising and closing alerts. Every change is mirrored into the county's public summary
(apps.county.CountyAlert) in the same transaction."""

from django.db import connection, transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.controls.models import Alert, AlertStatus
from apps.county.models import CountyAlert
from tenants.models import Tenant

MIRRORED = ("rule", "severity", "status", "object_type", "object_id", "message",
            "responsible_post", "standing", "created_at", "updated_at", "closed_at")


def alert_mirror(alert: Alert) -> None:
    """Copy the alert's state into the public schema for the county and inspectors."""
    tenant_id = Tenant.objects.values_list("id", flat=True).get(
        schema_name=connection.schema_name)
    CountyAlert.objects.update_or_create(
        tenant_id=tenant_id, alert_id=alert.pk,
        defaults={name: getattr(alert, name) for name in MIRRORED})


@transaction.atomic
def alert_raise(
    *,
    rule: str,
    severity: str,
    message: str,
    dedupe_key: str,
    object_type: str = "",
    object_id: str | int = "",
    responsible_post: str = "",
    standing: bool = False,
) -> Alert:
    """The live alert for `dedupe_key`, raised now if there is none (idempotent)."""
    live = Alert.objects.filter(dedupe_key=dedupe_key).exclude(status=AlertStatus.CLOSED).first()
    if live is not None:
        return live
    alert = Alert.objects.create(
        rule=rule, severity=severity, message=message, dedupe_key=dedupe_key,
        object_type=object_type, object_id=str(object_id),
        responsible_post=responsible_post, standing=standing,
    )
    alert_mirror(alert)
    audit_record(actor=None, action="alert.raised", obj=alert,
                 after={"rule": rule, "severity": severity, "message": message})
    return alert


@transaction.atomic
def alert_close_by_key(*, dedupe_key: str, note: str) -> int:
    """Close the live alert for `dedupe_key` when its situation has ended (system action)."""
    closed = 0
    for alert in Alert.objects.select_for_update().filter(dedupe_key=dedupe_key).exclude(
        status=AlertStatus.CLOSED
    ):
        alert.status = AlertStatus.CLOSED
        alert.closed_at = timezone.now()
        alert.save(update_fields=["status", "closed_at", "updated_at"])
        alert_mirror(alert)
        audit_record(actor=None, action="alert.closed", obj=alert, after={"note": note})
        closed += 1
    return closed
