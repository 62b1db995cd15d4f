"""Exceptions to separation of duties (不相容岗位例外): a township asks, its county decides.

While an approved exception is live the pair it names may be held by that one person, and a
standing alert keeps it visible; once it has expired the alert is closed and, if the person
still holds both posts, an "expired" alert is raised. Nothing is unassigned automatically:
who leaves which post is the township's decision.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.services import audit_record
from apps.controls.models import Severity
from apps.controls.services import alert_close_by_key, alert_raise
from county_platform.errors import DomainError
from permissions.catalog.models import ExceptionStatus, SodException
from permissions.catalog.services import county_of
from permissions.models import PostCode
from permissions.selectors import (
    holds_post,
    post_get,
    posts_held,
    sod_exceptions_expired,
    sod_rule_get,
    staff_get_for_user,
)
from tenants.models import Tenant, User

MAX_DAYS = 365


def _forbidden(detail: str) -> DomainError:
    return DomainError("permission_denied", detail, 403)


def _validate_request(*, reason: str, substitute_control: str, valid_from: date,
                      valid_to: date) -> None:
    if not reason.strip() or not substitute_control.strip():
        raise DomainError("invalid", "必须写明例外原因和替代控制措施。", 400)
    if valid_to < valid_from:
        raise DomainError("invalid_period", "截止日期不能早于生效日期。", 400)
    if (valid_to - valid_from).days > MAX_DAYS:
        raise DomainError("invalid_period", f"例外期限不能超过 {MAX_DAYS} 天。", 400)
    if valid_to < timezone.localdate():
        raise DomainError("invalid_period", "截止日期已过。", 400)


def _audit_both(*, actor: User, exception: SodException, action: str, after: dict) -> None:
    """The same event in the township's chain and in its county's."""
    county = county_of(exception.tenant)
    for schema in dict.fromkeys([exception.tenant.schema_name, county.schema_name]):
        with schema_context(schema):
            audit_record(actor=actor, action=action, obj=exception,
                         object_type="catalog.sodexception", after=after)


@transaction.atomic
def sod_exception_request(
    *,
    actor: User,
    tenant: Tenant,
    user: User,
    rule_code: str,
    reason: str,
    substitute_control: str,
    valid_from: date,
    valid_to: date,
) -> SodException:
    """A township's `tenant_admin` asks the county to let `user` hold the pair `rule_code`."""
    with schema_context(tenant.schema_name):
        if not holds_post(user=actor, code=PostCode.TENANT_ADMIN):
            raise _forbidden("只有本单位系统管理员可以申请不相容岗位例外。")
        if staff_get_for_user(user=user) is None:
            raise DomainError("not_staff", f"{user.username} 不是本单位在岗工作人员。", 400)
        rule = sod_rule_get(code=rule_code)
    if rule is None:
        raise DomainError("unknown_rule", f"没有可申请例外的不相容岗位规则 {rule_code}。", 400)
    _validate_request(reason=reason, substitute_control=substitute_control,
                      valid_from=valid_from, valid_to=valid_to)
    exception = SodException.objects.create(
        tenant=tenant, user=user, rule_code=rule.code, post_a=rule.post_a.code,
        post_b=rule.post_b.code, reason=reason.strip(),
        substitute_control=substitute_control.strip(), valid_from=valid_from,
        valid_to=valid_to, requested_by=actor,
    )
    _audit_both(actor=actor, exception=exception, action="sod_exception.requested", after={
        "tenant": tenant.slug, "username": user.username, "rule": rule.code,
        "reason": exception.reason, "substitute_control": exception.substitute_control,
        "valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat(),
    })
    return exception


@transaction.atomic
def sod_exception_decide(
    *, actor: User, exception: SodException, approve: bool, note: str = ""
) -> SodException:
    """The county's `county_admin` approves or rejects a requested exception."""
    exception = SodException.objects.select_for_update(of=("self",)).select_related(
        "tenant__parent", "user"
    ).get(pk=exception.pk)
    county = county_of(exception.tenant)
    with schema_context(county.schema_name):
        if not holds_post(user=actor, code=PostCode.COUNTY_ADMIN):
            raise _forbidden("只有本县县局管理员可以审批不相容岗位例外。")
    if actor.pk == exception.requested_by_id:
        raise DomainError("self_approval", "不能审批自己提出的申请。", 403)
    if exception.status != ExceptionStatus.REQUESTED:
        raise DomainError("already_decided", "该申请已经审批过。", 409)
    exception.status = ExceptionStatus.APPROVED if approve else ExceptionStatus.REJECTED
    exception.decided_by = actor
    exception.decided_at = timezone.now()
    exception.decision_note = note.strip()
    exception.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _audit_both(actor=actor, exception=exception, action=f"sod_exception.{exception.status}",
                after={"status": exception.status, "note": exception.decision_note})
    if approve:
        with schema_context(exception.tenant.schema_name):
            _standing_alert(exception)
    return exception


def _pair_names(exception: SodException) -> str:
    posts = [post_get(code=code) for code in (exception.post_a, exception.post_b)]
    return "与".join(post.name if post else code
                    for post, code in zip(posts, (exception.post_a, exception.post_b),
                                          strict=True))


def _standing_alert(exception: SodException) -> None:
    alert_raise(
        rule="sod_exception",
        severity=Severity.WARN,
        standing=True,
        dedupe_key=f"sod_exception:{exception.pk}",
        object_type="catalog.sodexception",
        object_id=exception.pk,
        responsible_post=PostCode.TENANT_ADMIN,
        message=(
            f"不相容岗位例外（规则 {exception.rule_code}）：{exception.user} 同时担任"
            f"{_pair_names(exception)}，期限 {exception.valid_from.isoformat()} 至 "
            f"{exception.valid_to.isoformat()}；替代控制：{exception.substitute_control}"
        )[:500],
    )


def sod_exceptions_expire(*, today: date | None = None) -> int:
    """Daily: for every approved exception past its last day, close its standing alert and,
    while the person still holds both posts, keep an "expired" alert open. Idempotent;
    returns how many exceptions were looked at."""
    today = today or timezone.localdate()
    expired = list(sod_exceptions_expired(today=today))
    for exception in expired:
        with schema_context(exception.tenant.schema_name), transaction.atomic():
            _expire_one(exception, on=today)
    return len(expired)


def _expire_one(exception: SodException, *, on: date) -> None:
    alert_close_by_key(dedupe_key=f"sod_exception:{exception.pk}", note="例外已到期")
    key = f"sod_exception_expired:{exception.pk}"
    staff = staff_get_for_user(user=exception.user)
    held = {code for code, _ in posts_held(staff=staff, on=on)} if staff else set()
    if not {exception.post_a, exception.post_b} <= held:
        alert_close_by_key(dedupe_key=key, note="已不再同时担任不相容岗位")
        return
    alert_raise(
        rule="sod_exception_expired",
        severity=Severity.WARN,
        standing=True,
        dedupe_key=key,
        object_type="catalog.sodexception",
        object_id=exception.pk,
        responsible_post=PostCode.TENANT_ADMIN,
        message=(
            f"不相容岗位例外（规则 {exception.rule_code}）已于 {exception.valid_to.isoformat()} "
            f"到期，但 {exception.user} 仍同时担任{_pair_names(exception)}，"
            "请调整岗位或重新申请例外。"
        )[:500],
    )

