"""Key-post rotation (轮岗): tenure from the assignment history, the due list, rotation plans,
substitute special audits (专项审计) and the daily check that raises and closes their alerts.

The tenure arithmetic at the top is pure (dates in, dates out); everything below it reads or
writes the current tenant schema.
"""

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.controls.models import Alert, AlertStatus
from apps.controls.services import alert_close_by_key, alert_raise
from apps.outbox.services import outbox_enqueue
from county_platform.errors import DomainError
from permissions import defaults
from permissions.catalog.models import CountyParameter
from permissions.models import (
    Post,
    PostAssignment,
    PostCode,
    RotationPlan,
    SpecialAudit,
    StaffMember,
)
from permissions.selectors import assignments_current, tenant_current
from permissions.services import post_assignment_check
from tenants.models import Tenant, User

ONE_DAY = timedelta(days=1)
Span = tuple[date, date | None]  # an assignment: first day, last day (None: still open)

# --- pure tenure arithmetic -------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end`: the largest m with add_months(start, m) <= end."""
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if add_months(start, months) > end else months


@dataclass(frozen=True)
class Tenure:
    """One person's current run in one post.

    `days_held` counts the days of the run actually held (bridged gaps not counted), today
    included; `months_held` is that time in whole months; `due_date` is the first day past
    the limit (the post should have changed hands by then), so `overdue` is today >= due_date.
    """

    since: date
    days_held: int
    months_held: int
    limit_months: int | None
    due_date: date | None
    overdue: bool


def _merged(spans: Iterable[Span], today: date) -> list[tuple[date, date]]:
    """Days held up to today as disjoint, non-adjacent closed intervals, in order."""
    clipped = sorted((start, min(end or today, today)) for start, end in spans if start <= today)
    merged: list[tuple[date, date]] = []
    for start, end in clipped:
        if merged and start <= merged[-1][1] + ONE_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _current_run(merged: list[tuple[date, date]], gap_reset_days: int) -> list[tuple[date, date]]:
    """The trailing intervals separated by gaps shorter than `gap_reset_days`."""
    run = merged[-1:]
    for previous in reversed(merged[:-1]):
        gap_days = (run[0][0] - previous[1]).days - 1
        if gap_days >= gap_reset_days:
            break
        run.insert(0, previous)
    return run


def tenure(
    spans: Iterable[Span], *, today: date, limit_months: int | None, gap_reset_days: int
) -> Tenure | None:
    """The current run of a post held today, from every assignment of one person to it
    (any department, overlapping or not); None when the post is not held today."""
    merged = _merged(spans, today)
    if not merged or merged[-1][1] != today:
        return None
    run = _current_run(merged, gap_reset_days)
    days_held = sum((end - start).days + 1 for start, end in run)
    counted_from = today - timedelta(days=days_held - 1)  # as if held without a break
    due = add_months(counted_from, limit_months) if limit_months else None
    return Tenure(
        since=run[0][0],
        days_held=days_held,
        months_held=months_between(counted_from, today),
        limit_months=limit_months,
        due_date=due,
        overdue=due is not None and today >= due,
    )


def audit_covering(
    performed: Iterable[date], *, since: date, today: date, valid_days: int
) -> date | None:
    """The latest special audit of the current run still valid today (valid for
    `valid_days` days, its own day included), or None."""
    valid = [d for d in performed if since <= d <= today and (today - d).days < valid_days]
    return max(valid, default=None)


def is_due(t: Tenure, *, today: date, within_days: int) -> bool:
    """Overdue, or reaching the limit within `within_days` days."""
    return t.due_date is not None and (t.overdue or (t.due_date - today).days <= within_days)


# --- parameters and reads -----------------------------------------------------------------


@dataclass(frozen=True)
class RotationParameters:
    remind_days: int
    gap_reset_days: int
    audit_valid_days: int


def rotation_parameters(*, tenant: Tenant) -> RotationParameters:
    """The county's values (the tenant's county, or the county itself), else the defaults."""
    values = {code: value for code, _name, value, _lo, _hi in defaults.PARAMETERS}
    county = tenant if tenant.is_county else tenant.parent
    if county is not None:
        values.update(
            CountyParameter.objects.filter(county=county, code__in=values).values_list(
                "code", "value"
            )
        )
    return RotationParameters(
        remind_days=values["rotation_remind_days"],
        gap_reset_days=values["rotation_gap_reset_days"],
        audit_valid_days=values["special_audit_valid_days"],
    )


@dataclass(frozen=True)
class RotationRow:
    """A current holder of a key post and their tenure in it."""

    staff: StaffMember
    post: Post
    tenure: Tenure
    special_audit: SpecialAudit | None
    audit_valid_until: date | None

    @property
    def staff_name(self) -> str:
        return self.staff.user.display_name or self.staff.user.username


def _spans_by_holder(*, today: date) -> dict[tuple[int, int], list[Span]]:
    spans: dict[tuple[int, int], list[Span]] = defaultdict(list)
    rows = PostAssignment.objects.filter(
        post__is_key=True, staff__is_active=True, start_date__lte=today
    ).values_list("staff_id", "post_id", "start_date", "end_date")
    for staff_id, post_id, start, end in rows:
        spans[(staff_id, post_id)].append((start, end))
    return spans


def _audits_by_holder(*, today: date, valid_days: int) -> dict[tuple[int, int], list]:
    audits: dict[tuple[int, int], list[SpecialAudit]] = defaultdict(list)
    recent = SpecialAudit.objects.filter(
        performed_on__lte=today, performed_on__gt=today - timedelta(days=valid_days)
    )
    for audit in recent:
        audits[(audit.staff_id, audit.post_id)].append(audit)
    return audits


def _row(key, spans, *, staff, posts, audits, today, params) -> RotationRow | None:
    post = posts[key[1]]
    held = tenure(spans, today=today, limit_months=post.max_tenure_months,
                  gap_reset_days=params.gap_reset_days)
    if held is None:
        return None
    by_date = {a.performed_on: a for a in audits.get(key, [])}
    covering = audit_covering(by_date, since=held.since, today=today,
                              valid_days=params.audit_valid_days)
    audit = by_date.get(covering) if covering else None
    until = audit.performed_on + timedelta(days=params.audit_valid_days - 1) if audit else None
    return RotationRow(staff[key[0]], post, held, audit, until)


def rotation_holders(*, params: RotationParameters, today: date) -> list[RotationRow]:
    """Every current holder of a key post, overdue first, then by due date (a fixed number
    of queries whatever the number of staff)."""
    spans = _spans_by_holder(today=today)
    posts = {p.pk: p for p in Post.objects.filter(is_key=True)}
    staff = StaffMember.objects.select_related("user").in_bulk({s for s, _ in spans})
    audits = _audits_by_holder(today=today, valid_days=params.audit_valid_days)
    rows = [
        _row(key, held, staff=staff, posts=posts, audits=audits, today=today, params=params)
        for key, held in spans.items()
    ]
    present = [row for row in rows if row is not None]
    return sorted(present, key=lambda r: (r.tenure.due_date or date.max, r.staff.pk, r.post.pk))


def rotation_due(
    *, tenant: Tenant, within_days: int | None = None, everyone: bool = False,
    today: date | None = None,
) -> list[RotationRow]:
    """Key-post holders due within the window (the county's remind days by default) or
    overdue; with `everyone`, every key-post holder."""
    today = today or timezone.localdate()
    params = rotation_parameters(tenant=tenant)
    rows = rotation_holders(params=params, today=today)
    if everyone:
        return rows
    window = params.remind_days if within_days is None else within_days
    return [row for row in rows if is_due(row.tenure, today=today, within_days=window)]


def rotation_plans():
    return RotationPlan.objects.select_related("staff__user", "post", "successor__user").order_by(
        "done", "planned_date", "id"
    )


def rotation_plan_get(*, plan_id: int) -> RotationPlan:
    plan = rotation_plans().filter(pk=plan_id).first()
    if plan is None:
        raise DomainError("not_found", "未找到。", 404)
    return plan


def special_audits():
    return SpecialAudit.objects.select_related("staff__user", "post").order_by(
        "-performed_on", "-id"
    )


# --- writes -----------------------------------------------------------------------------


def _post(code: str) -> Post:
    post = Post.objects.filter(code=code).first()
    if post is None:
        raise DomainError("unknown_post", f"没有岗位 {code}。", 400)
    return post


def _name(staff: StaffMember) -> str:
    return staff.user.display_name or staff.user.username


def _check_plan(*, staff, post, planned_date, successor, today) -> None:
    if planned_date < today:
        raise DomainError("planned_date_past", "计划轮岗日期不能早于今天。")
    if not assignments_current(on=today).filter(staff=staff, post=post).exists():
        raise DomainError("post_not_held", f"{_name(staff)} 目前未担任{post.name}。")
    if successor is not None and (successor.pk == staff.pk or not successor.is_active):
        raise DomainError("invalid_successor", "接任人须为本单位在岗的其他工作人员。")
    if RotationPlan.objects.filter(staff=staff, post=post, done=False).exists():
        raise DomainError("plan_exists", f"{_name(staff)} 的{post.name}已有未完成的轮岗计划。", 409)
    if successor is not None:
        # The successor takes the post on the planned date: the same check as assigning it.
        post_assignment_check(staff=successor, post_code=post.code, start_date=planned_date)


@transaction.atomic
def rotation_plan_create(
    *, actor: User | None, staff: StaffMember, post_code: str, planned_date: date,
    successor: StaffMember | None = None, note: str = "",
) -> RotationPlan:
    """Schedule the rotation of `staff` out of a post they hold today."""
    post = _post(post_code)
    _check_plan(staff=staff, post=post, planned_date=planned_date, successor=successor,
                today=timezone.localdate())
    plan = RotationPlan.objects.create(
        staff=staff, post=post, planned_date=planned_date, successor=successor, note=note
    )
    audit_record(actor=actor, action="rotation_plan.created", obj=plan, post=post.code, after={
        "staff": staff.pk, "post": post.code, "planned_date": planned_date.isoformat(),
        "successor": getattr(successor, "pk", None), "note": note,
    })
    return plan


@transaction.atomic
def rotation_plan_done(*, actor: User | None, plan: RotationPlan) -> RotationPlan:
    plan = RotationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.done:
        raise DomainError("plan_done", "该轮岗计划已完成。", 409)
    plan.done = True
    plan.save(update_fields=["done"])
    audit_record(actor=actor, action="rotation_plan.done", obj=plan,
                 before={"done": False}, after={"done": True})
    return plan


def _check_audit(*, staff: StaffMember, post: Post, performed_on: date) -> None:
    if performed_on > timezone.localdate():
        raise DomainError("performed_in_future", "审计日期不能晚于今天。")
    if not post.is_key:
        raise DomainError("not_key_post", f"{post.name}不是关键岗位，无需以专项审计替代轮岗。")
    if not PostAssignment.objects.filter(staff=staff, post=post,
                                         start_date__lte=performed_on).exists():
        raise DomainError("post_not_held", f"{_name(staff)} 在审计日期前未担任{post.name}。")


@transaction.atomic
def special_audit_record(
    *, actor: User | None, staff: StaffMember, post_code: str, performed_on: date,
    auditor: str, reason: str, findings: str,
) -> SpecialAudit:
    """Record the special audit that stands in for a rotation; an overdue alert it now
    covers is closed at once."""
    post = _post(post_code)
    _check_audit(staff=staff, post=post, performed_on=performed_on)
    audit = SpecialAudit.objects.create(
        staff=staff, post=post, performed_on=performed_on, auditor=auditor, reason=reason,
        findings=findings,
    )
    audit_record(actor=actor, action="special_audit.recorded", obj=audit, post=post.code, after={
        "staff": staff.pk, "post": post.code, "performed_on": performed_on.isoformat(),
        "auditor": auditor, "reason": reason,
    })
    _close_covered_overdue(staff=staff, post=post)
    return audit


def _close_covered_overdue(*, staff: StaffMember, post: Post) -> None:
    params = rotation_parameters(tenant=tenant_current())
    for row in rotation_holders(params=params, today=timezone.localdate()):
        if (row.staff.pk, row.post.pk) == (staff.pk, post.pk) and row.special_audit:
            alert_close_by_key(dedupe_key=dedupe_key(RULE_OVERDUE, row), note="已记录专项审计。")


# --- the daily check --------------------------------------------------------------------

RULE_DUE, RULE_OVERDUE = "rotation_due", "rotation_overdue"


@dataclass(frozen=True)
class CheckResult:
    raised: list[str]  # dedupe keys of alerts raised by this run
    closed: list[str]  # dedupe keys of alerts this run closed


def dedupe_key(rule: str, row: RotationRow) -> str:
    return f"{rule}:{row.staff.pk}:{row.post.code}:{row.tenure.since.isoformat()}"


def _wanted(row: RotationRow, *, params: RotationParameters, today: date) -> str | None:
    """Which alert the holder should have now: overdue (unless a special audit covers it),
    due soon, or none."""
    if row.tenure.overdue:
        return None if row.special_audit else RULE_OVERDUE
    if is_due(row.tenure, today=today, within_days=params.remind_days):
        return RULE_DUE
    return None


def _message(rule: str, row: RotationRow) -> str:
    t = row.tenure
    held = f"{row.staff_name}自{t.since:%Y-%m-%d}起担任{row.post.name}，已满{t.months_held}个月"
    if rule == RULE_OVERDUE:
        return f"{held}，超过{t.limit_months}个月的任期上限（{t.due_date:%Y-%m-%d}），" \
               "请轮岗或记录专项审计。"
    return f"{held}，将于{t.due_date:%Y-%m-%d}达到{t.limit_months}个月的任期上限，请安排轮岗。"


def _admin_emails() -> list[str]:
    """E-mail addresses of the tenant's current administrators."""
    emails = assignments_current().filter(
        post__code=PostCode.TENANT_ADMIN, staff__is_active=True
    ).exclude(staff__user__email="").values_list("staff__user__email", flat=True)
    return sorted(set(emails))


@transaction.atomic
def _raise(rule: str, row: RotationRow, *, key: str, recipients: list[str]) -> None:
    message = _message(rule, row)
    severity = "warn" if rule == RULE_OVERDUE else "remind"
    alert_raise(rule=rule, severity=severity, message=message, dedupe_key=key,
                object_type="permissions.staffmember", object_id=row.staff.pk,
                responsible_post=PostCode.TENANT_ADMIN)
    if rule == RULE_DUE and recipients:
        subject = f"轮岗提醒：{row.staff_name}（{row.post.name}）"
        outbox_enqueue(topic="email", idempotency_key=key,
                       payload={"subject": subject, "body": message, "recipients": recipients})


def _live_keys() -> set[str]:
    live = Alert.objects.filter(rule__in=[RULE_DUE, RULE_OVERDUE]).exclude(
        status=AlertStatus.CLOSED
    )
    return set(live.values_list("dedupe_key", flat=True))


def rotation_check_run(*, tenant: Tenant, today: date | None = None) -> CheckResult:
    """Bring the current schema's rotation alerts in line with today's tenures: raise the
    missing remind/overdue alerts (a remind also e-mails the administrators, once), close
    those whose situation has ended. Running it again changes nothing."""
    today = today or timezone.localdate()
    params = rotation_parameters(tenant=tenant)
    live, wanted = _live_keys(), set()
    recipients = _admin_emails()
    raised = []
    for row in rotation_holders(params=params, today=today):
        rule = _wanted(row, params=params, today=today)
        if rule is None:
            continue
        key = dedupe_key(rule, row)
        wanted.add(key)
        # Also when the library's nightly scan raised the alert first: the reminder mail is
        # still due, and its idempotency key sends it once.
        _raise(rule, row, key=key, recipients=recipients)
        if key not in live:
            raised.append(key)
    closed = sorted(live - wanted)
    for key in closed:
        alert_close_by_key(dedupe_key=key, note="轮岗情况已变化（已离岗、已超期或已有专项审计）。")
    return CheckResult(raised=raised, closed=closed)
