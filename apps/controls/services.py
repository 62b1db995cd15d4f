"""Raising and closing alerts; the full life cycle (rectification, county close) comes with
the rule library."""

from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.controls.models import Alert, AlertStatus


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
        alert.save(update_fields=["status", "closed_at"])
        audit_record(actor=None, action="alert.closed", obj=alert, after={"note": note})
        closed += 1
    return closed
