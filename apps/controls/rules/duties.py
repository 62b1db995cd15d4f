"""Duty rules (岗位与轮岗): vacancies, rotation, exceptions.

rotation_overdue, rotation_due, sod_exception_expired and sod_existing_conflict are also raised
by the duty modules themselves (permissions.rotation's daily check, the exceptions' expiry,
a tightened pair). The rules here use the same codes and build the same dedupe keys, so the
beat jobs and the library scan raise one alert per situation between them."""

from collections import defaultdict
from datetime import date, timedelta

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Exists, Max, OuterRef

from apps.controls.rules.registry import Finding, Param, rule
from permissions import rotation, sod
from permissions.catalog.models import ExceptionStatus, SodException
from permissions.models import Post, RotationPlan, SpecialAudit, StaffMember
from permissions.selectors import assignments_current, sod_rules_in_force, tenant_current

_IC = "《行政事业单位内部控制规范（试行）》（财会〔2012〕21号）"
ROTATION = (f"{_IC} 单位层面控制：实行关键岗位工作人员轮岗制度，"
            "不具备轮岗条件的应当采用专项审计等控制措施")
SEPARATION = f"{_IC} 单位层面控制：不相容岗位相互分离、相互制约、相互监督"
STAFF = "permissions.staffmember"
EXCEPTION = "catalog.sodexception"


def _holders(today: date) -> list[rotation.RotationRow]:
    params = rotation.rotation_parameters(tenant=tenant_current())
    return rotation.rotation_holders(params=params, today=today)


def _rotation_key(code: str, row: rotation.RotationRow) -> str:
    """The part after "<code>:" of permissions.rotation's own dedupe key."""
    return rotation.dedupe_key(code, row).removeprefix(f"{code}:")


@rule(code="rotation_overdue", title="关键岗位超过任期未轮岗", area="duties",
      article=ROTATION, severity="warn", trigger="schedule", responsible_post="tenant_admin")
def rotation_overdue(params, *, today: date):
    for row in _holders(today):
        if not row.tenure.overdue or row.special_audit is not None:
            continue
        t = row.tenure
        yield Finding(
            message=(f"{row.staff_name}自{t.since:%Y-%m-%d}起担任{row.post.name}，已满"
                     f"{t.months_held}个月，超过{t.limit_months}个月的任期上限"
                     f"（{t.due_date:%Y-%m-%d}），请轮岗或记录专项审计。"),
            object_type=STAFF, object_id=row.staff.pk,
            key=_rotation_key(rotation.RULE_OVERDUE, row))


@rule(code="rotation_due", title="关键岗位任期即将届满", area="duties",
      article=ROTATION, severity="remind", trigger="schedule", responsible_post="tenant_admin")
def rotation_due(params, *, today: date):
    """Within the county's remind days (the same window as the daily rotation check)."""
    window = rotation.rotation_parameters(tenant=tenant_current()).remind_days
    for row in _holders(today):
        t = row.tenure
        if t.overdue or not rotation.is_due(t, today=today, within_days=window):
            continue
        yield Finding(
            message=(f"{row.staff_name}自{t.since:%Y-%m-%d}起担任{row.post.name}，已满"
                     f"{t.months_held}个月，将于{t.due_date:%Y-%m-%d}达到{t.limit_months}"
                     "个月的任期上限，请安排轮岗。"),
            object_type=STAFF, object_id=row.staff.pk,
            key=_rotation_key(rotation.RULE_DUE, row))


@rule(code="special_audit_missing", title="长期超期未轮岗且从未做专项审计", area="duties",
      article=ROTATION, severity="warn", trigger="schedule", responsible_post="principal",
      params={"days": Param(180, "超过任期上限（天）", kind="days", min=30, max=1825)})
def special_audit_missing(params, *, today: date):
    audited = defaultdict(lambda: date.min)
    for staff_id, post_id, last in (SpecialAudit.objects.filter(performed_on__lte=today)
                                    .values("staff_id", "post_id")
                                    .annotate(last=Max("performed_on"))
                                    .values_list("staff_id", "post_id", "last")):
        audited[(staff_id, post_id)] = last
    for row in _holders(today):
        t = row.tenure
        late = (today - t.due_date).days if t.overdue else 0
        if late <= params["days"] or audited[(row.staff.pk, row.post.pk)] >= t.since:
            continue
        yield Finding(
            message=(f"{row.staff_name}担任{row.post.name}已超过任期上限 {late} 天"
                     f"（上限日 {t.due_date:%Y-%m-%d}），本任期内从未记录专项审计，"
                     "请尽快轮岗或组织专项审计。"),
            object_type=STAFF, object_id=row.staff.pk,
            key=f"{row.staff.pk}:{row.post.code}:{t.since.isoformat()}")


def _pairs_held(*, today: date) -> dict[int, set[str]]:
    """Post codes each active staff member's user holds on `today`, by user id."""
    held: dict[int, set[str]] = defaultdict(set)
    rows = assignments_current(on=today).filter(staff__is_active=True).values_list(
        "staff__user_id", "post__code")
    for user_id, code in rows:
        held[user_id].add(code)
    return held


def _approved_exceptions():
    return SodException.objects.filter(tenant=tenant_current(), status=ExceptionStatus.APPROVED)


def _post_names() -> dict[str, str]:
    return dict(Post.objects.values_list("code", "name"))


def _pair(exception: SodException, names: dict[str, str]) -> str:
    return f"{names.get(exception.post_a, exception.post_a)}与" \
           f"{names.get(exception.post_b, exception.post_b)}"


@rule(code="sod_exception_expired", title="不相容岗位例外已到期仍兼任", area="duties",
      article=SEPARATION, severity="warn", trigger="schedule", responsible_post="tenant_admin")
def sod_exception_expired(params, *, today: date):
    """The library's side of permissions.exceptions.sod_exceptions_expire (same key)."""
    expired = list(_approved_exceptions().filter(valid_to__lt=today).select_related("user"))
    held, names = _pairs_held(today=today), _post_names()
    for exception in expired:
        if not {exception.post_a, exception.post_b} <= held[exception.user_id]:
            continue
        yield Finding(
            message=(f"不相容岗位例外（规则 {exception.rule_code}）已于 "
                     f"{exception.valid_to.isoformat()} 到期，但 {exception.user} 仍同时担任"
                     f"{_pair(exception, names)}，请调整岗位或重新申请例外。")[:500],
            object_type=EXCEPTION, object_id=exception.pk, key=str(exception.pk), standing=True)


@rule(code="sod_exception_ending_soon", title="不相容岗位例外即将到期", area="duties",
      article=SEPARATION, severity="remind", trigger="schedule", responsible_post="tenant_admin",
      params={"days": Param(30, "提前提醒天数", kind="days", min=1, max=180)})
def sod_exception_ending_soon(params, *, today: date):
    ending = list(_approved_exceptions().filter(
        valid_from__lte=today, valid_to__gte=today,
        valid_to__lte=today + timedelta(days=params["days"])).select_related("user"))
    held, names = _pairs_held(today=today), _post_names()
    for exception in ending:
        if not {exception.post_a, exception.post_b} <= held[exception.user_id]:
            continue
        left = (exception.valid_to - today).days
        yield Finding(
            message=(f"{exception.user} 同时担任{_pair(exception, names)}的例外将于 "
                     f"{exception.valid_to.isoformat()} 到期（还有 {left} 天），"
                     "请提前调整岗位或重新申请例外。")[:500],
            object_type=EXCEPTION, object_id=exception.pk,
            key=f"{exception.pk}:{exception.valid_to.isoformat()}")


@rule(code="sod_existing_conflict", title="现任人员同时担任不相容岗位", area="duties",
      article=SEPARATION, severity="warn", trigger="schedule", responsible_post="tenant_admin")
def sod_existing_conflict(params, *, today: date):
    """Whoever holds both posts of a pair in force with no approved exception that has begun
    (an expired one is sod_exception_expired's case). Same key as the alert a tightened pair
    raises in permissions.tightening."""
    rows = assignments_current(on=today).filter(staff__is_active=True).values_list(
        "staff_id", "staff__user_id", "post__code")
    held: dict[tuple[int, int], set[str]] = defaultdict(set)
    for staff_id, user_id, code in rows:
        held[(staff_id, user_id)].add(code)
    excepted = set(_approved_exceptions().filter(valid_from__lte=today)
                   .values_list("user_id", "rule_code"))
    rules, names = sod_rules_in_force(), _post_names()
    for (staff_id, user_id), codes in sorted(held.items()):
        for pair in sod.pairs_in_conflict(held=codes, rules=rules):
            if (user_id, pair.code) in excepted:
                continue
            yield Finding(
                message=(f"规则 {pair.code} 规定{names.get(pair.post_a, pair.post_a)}与"
                         f"{names.get(pair.post_b, pair.post_b)}"
                         f"不相容，但工作人员（编号 {staff_id}）目前同时担任这两个岗位，请调整。"),
                object_type=STAFF, object_id=staff_id, key=f"{pair.code}:{staff_id}",
                standing=True)


def _staff_names(ids) -> dict[int, str]:
    staff = StaffMember.objects.select_related("user").in_bulk(list(ids))
    return {pk: s.user.display_name or s.user.username for pk, s in staff.items()}


@rule(code="key_post_vacant", title="关键岗位空缺", area="duties",
      article=f"{_IC} 单位层面控制：建立关键岗位责任制，关键岗位应当配备具备资格的人员",
      severity="warn", trigger="schedule", responsible_post="tenant_admin",
      params={"days": Param(30, "空缺超过（天）", kind="days", min=1, max=365)})
def key_post_vacant(params, *, today: date):
    """A key post someone held before and nobody has held for more than N days."""
    now_held = assignments_current(on=today).filter(post=OuterRef("pk"), staff__is_active=True)
    posts = (Post.objects.filter(is_key=True)
             .annotate(held=Exists(now_held), last_day=Max("assignments__end_date"))
             .filter(held=False, last_day__lt=today - timedelta(days=params["days"])))
    for post in posts:
        yield Finding(
            message=(f"关键岗位“{post.name}”自 {post.last_day + timedelta(days=1):%Y-%m-%d} "
                     f"起无人担任，已空缺 {(today - post.last_day).days} 天，请尽快安排人员。"),
            object_type="permissions.post", object_id=post.pk,
            key=f"{post.code}:{post.last_day.isoformat()}")


@rule(code="one_person_many_key_posts", title="一人兼任多个关键岗位", area="duties",
      article=f"{_IC} 单位层面控制：关键岗位相互制约，避免权力过于集中",
      severity="warn", trigger="schedule", responsible_post="tenant_admin",
      params={"count": Param(2, "兼任关键岗位数不少于", kind="int", min=2, max=5)})
def one_person_many_key_posts(params, *, today: date):
    rows = list(assignments_current(on=today)
                .filter(post__is_key=True, staff__is_active=True)
                .values("staff_id")
                .annotate(n=Count("post", distinct=True),
                          posts=ArrayAgg("post__name", distinct=True, order_by="post__name"),
                          codes=ArrayAgg("post__code", distinct=True, order_by="post__code"))
                .filter(n__gte=params["count"]))
    names = _staff_names(row["staff_id"] for row in rows)
    for row in rows:
        yield Finding(
            message=(f"{names.get(row['staff_id'], row['staff_id'])} 同时担任 {row['n']} 个关键岗位"
                     f"（{'、'.join(row['posts'])}），请考虑分设岗位或加强监督。"),
            object_type=STAFF, object_id=row["staff_id"],
            key=f"{row['staff_id']}:{'+'.join(row['codes'])}")


@rule(code="rotation_plan_overdue", title="轮岗计划逾期未完成", area="duties",
      article=ROTATION, severity="warn", trigger="schedule", responsible_post="tenant_admin",
      params={"days": Param(7, "超过计划日期（天）", kind="days", min=0, max=90)})
def rotation_plan_overdue(params, *, today: date):
    plans = RotationPlan.objects.filter(
        done=False, planned_date__lt=today - timedelta(days=params["days"])
    ).select_related("staff__user", "post")
    for plan in plans:
        who = plan.staff.user.display_name or plan.staff.user.username
        yield Finding(
            message=(f"{who} 的{plan.post.name}轮岗计划定于 {plan.planned_date:%Y-%m-%d}，"
                     f"已过 {(today - plan.planned_date).days} 天仍未完成，请落实轮岗或更新计划。"),
            object_type="permissions.rotationplan", object_id=plan.pk, key=str(plan.pk))


@rule(code="ic_lead_vacant", title="内部控制牵头或内部监督岗位无人担任", area="duties",
      article=(f"{_IC} 单位层面控制：确定内部控制职能部门或牵头部门，"
               "内部控制的建立实施与内部监督相互分离"),
      severity="warn", trigger="schedule", responsible_post="principal")
def ic_lead_vacant(params, *, today: date):
    now_held = assignments_current(on=today).filter(post=OuterRef("pk"), staff__is_active=True)
    posts = Post.objects.filter(code__in=("ic_lead", "supervisor")).annotate(
        held=Exists(now_held)).filter(held=False)
    for post in posts:
        yield Finding(
            message=f"本单位目前没有人担任“{post.name}”，请指定人员负责。",
            object_type="permissions.post", object_id=post.pk, key=post.code)


@rule(code="inactive_staff_holds_post", title="已离岗人员仍在任岗位", area="duties",
      article=f"{_IC} 单位层面控制：人员变动时及时调整岗位和授权",
      severity="warn", trigger="schedule", responsible_post="tenant_admin")
def inactive_staff_holds_post(params, *, today: date):
    rows = list(assignments_current(on=today).filter(staff__is_active=False)
                .values("staff_id")
                .annotate(posts=ArrayAgg("post__name", distinct=True, order_by="post__name"),
                          codes=ArrayAgg("post__code", distinct=True, order_by="post__code")))
    names = _staff_names(row["staff_id"] for row in rows)
    for row in rows:
        yield Finding(
            message=(f"{names.get(row['staff_id'], row['staff_id'])} 已不在岗，但仍登记担任"
                     f"{'、'.join(row['posts'])}，请结束其任职并安排接任人员。"),
            object_type=STAFF, object_id=row["staff_id"],
            key=f"{row['staff_id']}:{'+'.join(row['codes'])}")
