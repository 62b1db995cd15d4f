"""The county's list of its townships' alerts, read from the public mirror (never across
schemas), limited to what the reader may see."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django_tenants.utils import schema_context

from apps.attachments.models import Attachment
from apps.controls.models import Alert
from apps.controls.selectors import alert_evidence, alert_people
from apps.county.models import CountyAlert
from permissions.access import Membership
from tenants.models import Tenant, User


def county_alerts(*, county: Tenant, membership: Membership, tenant: str | None = None,
                  status: str | None = None, severity: str | None = None,
                  rule: str | None = None) -> QuerySet[CountyAlert]:
    """Alerts of the county's townships, newest first; an inspector sees those of the
    townships their grant names (all of them for a county-wide grant)."""
    rows = _visible(county=county, membership=membership)
    if tenant:
        rows = rows.filter(tenant__slug=tenant)
    if status:
        rows = rows.filter(status=status)
    if severity:
        rows = rows.filter(severity=severity)
    if rule:
        rows = rows.filter(rule=rule)
    return rows.select_related("tenant").order_by("-created_at", "-id")


def _visible(*, county: Tenant, membership: Membership) -> QuerySet[CountyAlert]:
    rows = CountyAlert.objects.filter(tenant__parent=county)
    grant = membership.inspector_grant if membership.is_inspector else None
    if grant is not None and not grant.all_tenants:
        rows = rows.filter(tenant__in=grant.tenants.all())
    return rows


def county_alert_get(*, county: Tenant, membership: Membership, pk: int) -> CountyAlert:
    """One mirrored alert the reader may see; another county's (or township's, for an
    inspector's grant) is the same 404 as a missing one."""
    row = _visible(county=county, membership=membership).select_related("tenant").filter(
        pk=pk).first()
    if row is None:
        raise Http404
    return row


@dataclass(frozen=True)
class CountyAlertDetail:
    """The township's own alert behind a mirrored row: its life cycle and its evidence."""

    row: CountyAlert
    alert: Alert
    evidence: list[Attachment]
    people: dict[int, User]


def county_alert_detail(*, row: CountyAlert) -> CountyAlertDetail:
    """Read one alert in its township's schema (one schema visit, for one alert)."""
    with schema_context(row.tenant.schema_name):
        alert = Alert.objects.filter(pk=row.alert_id).first()
        if alert is None:
            raise Http404
        return CountyAlertDetail(row=row, alert=alert, people=alert_people(alert),
                                 evidence=list(alert_evidence(alert=alert)))


def county_alert_evidence(*, row: CountyAlert, attachment_id: int) -> Attachment:
    """One evidence file of the alert (404 for any other attachment of the township)."""
    with schema_context(row.tenant.schema_name):
        attachment = Attachment.objects.filter(
            pk=attachment_id, object_type="alert", object_id=str(row.alert_id)).first()
    if attachment is None:
        raise Http404
    return attachment


def county_townships(*, county: Tenant) -> QuerySet[Tenant]:
    return Tenant.objects.filter(parent=county).order_by("slug")
