"""Reads about the tenant's alerts."""

from django.db.models import QuerySet

from apps.controls.models import Alert


def alerts_list(*, status: str | None = None, severity: str | None = None) -> QuerySet[Alert]:
    rows = Alert.objects.order_by("-created_at", "-id")
    if status:
        rows = rows.filter(status=status)
    if severity:
        rows = rows.filter(severity=severity)
    return rows
