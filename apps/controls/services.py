"""Raising alerts and their life cycle (open → acknowledged → rectified → closed by the county,
or reopened). Every change is audited and mirrored into the county's public summary
(apps.county.CountyAlert) in the same transaction."""

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.attachments.models import AttachmentKind
from apps.attachments.selectors import attachments_of
from apps.attachments.services import attachment_upload, attachments_lock
from apps.audit.services import audit_record
from apps.controls.models import Alert, AlertStatus
from apps.county.models import CountyAlert
from apps.county.services import stats_refresh_soon
from county_platform.errors import DomainError
from permissions.models import PostCode
from permissions.selectors import holds_post
from tenants.models import Tenant, User

MIRRORED = ("rule", "severity", "status", "object_type", "object_id", "message",
            "responsible_post", "standing", "created_at", "updated_at", "closed_at")


def alert_mirror(alert: Alert) -> None:
    """Copy the alert's state into the public schema for the county and inspectors."""
    tenant_id = Tenant.objects.values_list("id", flat=True).get(
        schema_name=connection.schema_name)
    CountyAlert.objects.update_or_create(
        tenant_id=tenant_id, alert_id=alert.pk,
        defaults={name: getattr(alert, name) for name in MIRRORED})
    stats_refresh_soon()


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


# --- the life cycle: acknowledged and rectified by the township, closed or reopened by the county

ALERT_TYPE = "alert"  # attachments' object_type for rectification evidence
LIVE = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.RECTIFIED)
STATUS_TEXT = dict(AlertStatus.choices)


def _locked(alert_id: int) -> Alert:
    alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None:
        raise DomainError("not_found", "没有这条预警。", 404)
    return alert


def _require_state(alert: Alert, allowed: tuple[str, ...], doing: str) -> None:
    if alert.status not in allowed:
        raise DomainError("invalid_state",
                          f"预警当前为“{STATUS_TEXT[alert.status]}”，不能{doing}。", 409,
                          current=alert.status)


def _require_note(note: str, what: str) -> str:
    note = (note or "").strip()
    if not note:
        raise DomainError("note_required", f"请填写{what}。", 400, field="note")
    return note[:1000]


def alert_handling_post(*, user, alert: Alert) -> str | None:
    """The post under which `user` may acknowledge and rectify `alert`: its responsible post,
    or the tenant's administrator (the only one when no post is named); None if neither."""
    if alert.responsible_post and holds_post(user=user, code=alert.responsible_post):
        return alert.responsible_post
    if holds_post(user=user, code=PostCode.TENANT_ADMIN):
        return PostCode.TENANT_ADMIN
    return None


def alert_may_handle(*, user, alert: Alert) -> bool:
    return alert_handling_post(user=user, alert=alert) is not None


def _require_handler(actor: User, alert: Alert) -> str:
    post = alert_handling_post(user=actor, alert=alert)
    if post is None:
        raise DomainError("permission_denied", "只有责任岗位的人员或本单位系统管理员可以处理"
                          "这条预警。", 403, responsible_post=alert.responsible_post)
    return post


def _require_county_admin(actor: User) -> None:
    """The county of the current township's schema must have `actor` as its county_admin."""
    tenant = Tenant.objects.select_related("parent").get(schema_name=connection.schema_name)
    county = tenant if tenant.is_county else tenant.parent
    allowed = False
    if county is not None:
        with schema_context(county.schema_name):
            allowed = holds_post(user=actor, code=PostCode.COUNTY_ADMIN)
    if not allowed:
        raise DomainError("permission_denied", "只有县局管理员可以关闭或重新打开预警。", 403)


def _changed(alert: Alert, *, actor: User, post: str, action: str, before: dict,
             fields: list[str], after: dict) -> Alert:
    alert.save(update_fields=[*fields, "updated_at"])
    alert_mirror(alert)
    audit_record(actor=actor, post=post, action=action, obj=alert, before=before, after=after)
    return alert


@transaction.atomic
def alert_acknowledge(*, actor: User, alert_id: int, note: str = "") -> Alert:
    """确认: the responsible post has seen the alert and takes it on."""
    alert = _locked(alert_id)
    post = _require_handler(actor, alert)
    _require_state(alert, (AlertStatus.OPEN,), "确认")
    before = {"status": alert.status}
    alert.status, alert.acknowledged_at, alert.acknowledged_by = (
        AlertStatus.ACKNOWLEDGED, timezone.now(), actor)
    return _changed(alert, actor=actor, post=post, action="alert.acknowledged", before=before,
                    fields=["status", "acknowledged_at", "acknowledged_by"],
                    after={"status": alert.status, "note": (note or "").strip()[:1000]})


def _evidence(alert: Alert, attachment_ids: list[int]) -> list[int]:
    wanted = sorted(set(attachment_ids or []))
    found = set(attachments_of(object_type=ALERT_TYPE, object_id=str(alert.pk)).filter(
        pk__in=wanted).values_list("pk", flat=True))
    foreign = [pk for pk in wanted if pk not in found]
    if foreign:
        raise DomainError("invalid_attachments", "整改材料须先上传到这条预警下（附件的关联单据为"
                          "本预警）。", 400, attachments=foreign)
    return wanted


def alert_rectify_check(*, actor: User, alert: Alert) -> str:
    """The post under which `actor` may rectify `alert` now, or the service's refusal."""
    post = _require_handler(actor, alert)
    _require_state(alert, (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED), "提交整改")
    return post


@transaction.atomic
def alert_rectify(*, actor: User, alert_id: int, note: str,
                  attachment_ids: list[int] | None = None) -> Alert:
    """整改: what was done, with evidence uploaded to the alert; the evidence is locked."""
    alert = _locked(alert_id)
    post = alert_rectify_check(actor=actor, alert=alert)
    note = _require_note(note, "整改说明")
    evidence = _evidence(alert, attachment_ids or [])
    attachments_lock(object_type=ALERT_TYPE, object_id=str(alert.pk))
    before = {"status": alert.status, "rectification_note": alert.rectification_note}
    alert.status, alert.rectified_at, alert.rectified_by = (
        AlertStatus.RECTIFIED, timezone.now(), actor)
    alert.rectification_note = note
    return _changed(alert, actor=actor, post=post, action="alert.rectified", before=before,
                    fields=["status", "rectified_at", "rectified_by", "rectification_note"],
                    after={"status": alert.status, "note": note, "attachments": evidence})


@transaction.atomic
def alert_rectify_with_files(*, actor: User, alert_id: int, note: str, files: list) -> Alert:
    """The web form's rectification: store the uploaded files as the alert's evidence, then
    rectify, all in one transaction (refused before any file is stored if not allowed)."""
    alert = _locked(alert_id)
    alert_rectify_check(actor=actor, alert=alert)
    _require_note(note, "整改说明")
    ids = [attachment_upload(actor=actor, received=received, kind=AttachmentKind.SCAN,
                             object_type=ALERT_TYPE, object_id=str(alert.pk)).pk
           for received in files]
    return alert_rectify(actor=actor, alert_id=alert_id, note=note, attachment_ids=ids)


@transaction.atomic
def alert_close(*, actor: User, alert_id: int, note: str) -> Alert:
    """The county closes an alert (its opinion required); run in the township's schema."""
    alert = _locked(alert_id)
    _require_county_admin(actor)
    _require_state(alert, LIVE, "关闭")
    note = _require_note(note, "关闭意见")
    before = {"status": alert.status, "county_note": alert.county_note}
    alert.status, alert.closed_at, alert.closed_by, alert.county_note = (
        AlertStatus.CLOSED, timezone.now(), actor, note)
    return _changed(alert, actor=actor, post=PostCode.COUNTY_ADMIN, action="alert.closed",
                    before=before, fields=["status", "closed_at", "closed_by", "county_note"],
                    after={"status": alert.status, "note": note})


def _require_no_live_twin(alert: Alert) -> None:
    twin = Alert.objects.filter(dedupe_key=alert.dedupe_key).exclude(pk=alert.pk).exclude(
        status=AlertStatus.CLOSED).values_list("pk", flat=True).first()
    if twin is not None:
        raise DomainError("live_alert_exists", "同一事项已有一条未关闭的预警，请处理那一条。",
                          409, alert=twin)


@transaction.atomic
def alert_reopen(*, actor: User, alert_id: int, note: str) -> Alert:
    """The county sends a closed or rectified alert back to the township (reason required)."""
    alert = _locked(alert_id)
    _require_county_admin(actor)
    _require_state(alert, (AlertStatus.CLOSED, AlertStatus.RECTIFIED), "重新打开")
    note = _require_note(note, "重新打开的理由")
    _require_no_live_twin(alert)
    before = {"status": alert.status, "county_note": alert.county_note}
    alert.status, alert.county_note = AlertStatus.OPEN, note
    alert.closed_at = alert.closed_by = alert.acknowledged_at = alert.acknowledged_by = None
    alert.rectified_at = alert.rectified_by = None
    alert.reopened_count += 1
    try:
        with transaction.atomic():
            return _changed(alert, actor=actor, post=PostCode.COUNTY_ADMIN,
                            action="alert.reopened", before=before,
                            fields=["status", "county_note", "closed_at", "closed_by",
                                    "acknowledged_at", "acknowledged_by", "rectified_at",
                                    "rectified_by", "reopened_count"],
                            after={"status": alert.status, "note": note,
                                   "reopened_count": alert.reopened_count})
    except IntegrityError as error:  # a twin raised concurrently (one live alert per key)
        raise DomainError("live_alert_exists", "同一事项已有一条未关闭的预警，请处理那一条。",
                          409) from error
