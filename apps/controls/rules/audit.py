"""Audit rules (审计留痕): the chain and its published heads, and what the trail shows."""

from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, F, Min, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import ExtractHour
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.audit.selectors import event_hash_at, events_in_order, head_published_last
from apps.audit.verify import chain_check
from apps.controls.rules.registry import Finding, Param, rule
from permissions.models import Post
from tenants.models import Tenant

_IC = "《行政事业单位内部控制规范（试行）》（财会〔2012〕21号）"
_TRAIL = f"{_IC}：经济活动全过程留痕，记录真实完整、不可篡改（内部监督）"
_NIGHT = (22, 6)  # after-hours: from 22:00 to 06:00 local time


def _tenant() -> Tenant:
    return Tenant.objects.get(schema_name=connection.schema_name)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@rule(code="audit_head_not_published", title="审计链头未按时发布", area="audit",
      article=f"{_TRAIL}；链头每日发布到单位之外，供县局核验",
      severity="warn", trigger="schedule", responsible_post="tenant_admin",
      params={"hours": Param(48, "超过几小时未发布", kind="hours", min=24, max=168)})
def audit_head_not_published(params, *, today: date):
    tenant = _tenant()
    published = head_published_last(tenant=tenant)
    # Measured at the scan's day, or now if later (a scan run for a later day looks from there).
    as_of = max(timezone.now(), _day_start(today))
    # A tenant that never published is measured from its creation.
    since = published.published_at if published is not None else tenant.created_at
    if since >= as_of - timedelta(hours=params["hours"]):
        return
    when = ("从未发布过" if published is None else
            f"最近一次发布在 {timezone.localtime(published.published_at):%Y-%m-%d %H:%M}")
    yield Finding(
        message=(f"本单位审计链头{when}，已超过 {params['hours']} 小时；"
                 "请检查定时发布任务，未发布期间的记录无法由县局核验。"),
        object_type="audit_chain", object_id=tenant.pk,
        key=f"{published.pk if published else 'never'}")


@rule(code="audit_chain_broken", title="审计记录链条断裂（记录被删改）", area="audit",
      article=_TRAIL, severity="warn", trigger="schedule", responsible_post="supervisor")
def audit_chain_broken(params, *, today: date):
    # The existing verifier walks the chain in batches; the published head is the next rule's.
    report = chain_check(events=events_in_order(), published=None)
    if report.ok:
        return
    yield Finding(
        message=(f"审计记录校验未通过：{report.broken.message}"
                 "请立即运行 verify_audit 核查，并向县局报告。"),
        object_type="audit_chain", object_id=_tenant().pk,
        key=f"{report.broken.seq}:{report.broken.reason}")


@rule(code="audit_head_diverged", title="审计链与已发布链头不一致", area="audit",
      article=f"{_TRAIL}；已发布的链头之后只能追加，不能截断或重写",
      severity="warn", trigger="schedule", responsible_post="supervisor")
def audit_head_diverged(params, *, today: date):
    tenant = _tenant()
    published = head_published_last(tenant=tenant)
    if published is None:
        return
    found = event_hash_at(seq=published.count)
    if found == published.head_hash:
        return
    when = f"{timezone.localtime(published.published_at):%Y-%m-%d %H:%M}"
    what = ("该条记录已不存在（链尾被截断）" if found is None
            else "该条记录的哈希已改变（链条被重写）")
    yield Finding(
        message=(f"{when} 发布的链头记录了第 {published.count} 条审计事件，现在{what}；"
                 "请立即运行 verify_audit 核查，并向县局报告。"),
        object_type="audit_chain", object_id=tenant.pk, key=f"{published.pk}")


def _night() -> Q:
    late, early = _NIGHT
    return Q(hour__gte=late) | Q(hour__lt=early)


@rule(code="after_hours_activity", title="同一人频繁在夜间操作", area="audit",
      article=f"{_IC} 内部监督：关注异常操作", severity="remind", trigger="schedule",
      responsible_post="supervisor",
      params={"count": Param(5, "夜间操作达到几次", kind="int", min=1, max=200),
              "days": Param(7, "统计最近几天", kind="days", min=1, max=31)})
def after_hours_activity(params, *, today: date):
    since = _day_start(today - timedelta(days=params["days"]))
    rows = (AuditEvent.objects
            .filter(actor_id__isnull=False, created_at__gte=since,
                    created_at__lt=_day_start(today + timedelta(days=1)))
            .annotate(hour=ExtractHour("created_at")).filter(_night())
            .values("actor_id", "actor_username")
            .annotate(n=Count("id"), first=Min("created_at"))
            .filter(n__gte=params["count"]).order_by("actor_id"))
    week = today.isocalendar()
    for row in rows:
        yield Finding(
            message=(f"{row['actor_username']} 最近 {params['days']} 天在夜间"
                     f"（22:00至次日6:00）操作了 {row['n']} 次，"
                     f"最早一次在 {timezone.localtime(row['first']):%Y-%m-%d %H:%M}，请核实。"),
            object_type="user", object_id=row["actor_id"],
            key=f"{row['actor_id']}:{week.year}-W{week.week}")


_BURSTS = """
SELECT actor_id, max(actor_username), max(n), min(created_at) FROM (
    SELECT actor_id, actor_username, created_at, count(*) OVER (
        PARTITION BY actor_id ORDER BY created_at
        RANGE BETWEEN INTERVAL '1 minute' PRECEDING AND CURRENT ROW) AS n
    FROM audit_auditevent
    WHERE actor_id IS NOT NULL AND created_at >= %s AND created_at < %s
) AS per_minute WHERE n >= %s GROUP BY actor_id ORDER BY actor_id
"""


@rule(code="bulk_changes", title="同一人一分钟内大量操作", area="audit",
      article=f"{_IC} 内部监督：关注异常操作（批量修改、脚本操作）", severity="remind",
      trigger="schedule", responsible_post="supervisor",
      params={"count": Param(30, "一分钟内操作达到几次", kind="int", min=5, max=500),
              "days": Param(1, "统计最近几天", kind="days", min=1, max=7)})
def bulk_changes(params, *, today: date):
    window = (_day_start(today - timedelta(days=params["days"])),
              _day_start(today + timedelta(days=1)))
    with connection.cursor() as cursor:
        cursor.execute(_BURSTS, [*window, params["count"]])
        rows = cursor.fetchall()
    for actor_id, username, most, first in rows:
        yield Finding(
            message=(f"{username} 在一分钟内连续操作了 {most} 次"
                     f"（{timezone.localtime(first):%Y-%m-%d} 起），"
                     "请核实是否为批量修改或他人代操作。"),
            object_type="user", object_id=actor_id, key=f"{actor_id}:{today}")


@rule(code="admin_changes_own_posts", title="操作人给自己分配岗位", area="audit",
      article=f"{_IC} 单位层面控制：岗位设置与人员任用由单位决定，不得自行授权",
      severity="warn", trigger="schedule", responsible_post="supervisor",
      params={"days": Param(30, "检查最近几天", kind="days", min=1, max=365)})
def admin_changes_own_posts(params, *, today: date):
    rows = (AuditEvent.objects
            .filter(action="post.assigned", actor_id__isnull=False,
                    created_at__gte=_day_start(today - timedelta(days=params["days"])))
            .annotate(assignee=KeyTextTransform("username", "after"))
            .filter(assignee=F("actor_username"))
            .order_by("seq"))
    names = dict(Post.objects.values_list("code", "name"))
    for event in rows:
        yield Finding(
            message=(f"{event.actor_username} 于 "
                     f"{timezone.localtime(event.created_at):%Y-%m-%d %H:%M} 给自己分配了"
                     f"“{names.get(event.post, event.post)}”岗位"
                     f"（审计记录第 {event.seq} 条），请由主要负责人核实。"),
            object_type="user", object_id=event.actor_id, key=f"{event.seq}")
