"""Audit rules: each fires on real data and stays quiet on a near miss."""

import itertools
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.audit.selectors import chain_head
from apps.audit.services import audit_head_publish
from apps.budget.services import fund_account_create
from permissions.services import post_assign
from tests.apps.audit import tampering
from tests.apps.controls.rules.helpers import audit_events_backdate, scan
from tests.factories import staff_make

pytestmark = pytest.mark.django_db
_n = itertools.count(1)


@pytest.fixture
def clerk(town_a):
    """Someone who acts in town_a; the test runs in town_a's schema."""
    user = staff_make(town_a, posts=("accountant",)).user
    with schema_context(town_a.schema_name):
        yield user


def _accounts_made(user, count: int) -> list[int]:
    """`count` changes by `user`, each leaving one audit event; their event ids."""
    ids = []
    for _ in range(count):
        account = fund_account_create(actor=user, name=f"审计测试账户{next(_n)}", kind="fiscal")
        ids.append(AuditEvent.objects.get(object_type="budget.fundaccount",
                                          object_id=str(account.pk)).pk)
    return ids


def _today():
    return timezone.localdate()


def _last_night(hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(_today() - timedelta(days=1), time(hour, minute)))


def test_audit_head_not_published_fires(town_a, clerk):
    audit_head_publish(tenant=town_a)

    alerts = scan("audit_head_not_published", today=_today() + timedelta(days=3))

    assert [(a.object_id, a.severity) for a in alerts] == [(str(town_a.pk), "warn")]
    assert "已超过 48 小时" in alerts[0].message


def test_audit_head_not_published_quiet(town_a, clerk):
    audit_head_publish(tenant=town_a)

    assert scan("audit_head_not_published", today=_today() + timedelta(days=1)) == []


def test_audit_chain_broken_fires(town_a, clerk):
    [event_id] = _accounts_made(clerk, 1)
    seq = AuditEvent.objects.get(pk=event_id).seq
    _accounts_made(clerk, 1)
    tampering.event_alter(seq=seq)

    alerts = scan("audit_chain_broken", today=_today())

    assert [(a.object_id, a.severity) for a in alerts] == [(str(town_a.pk), "warn")]
    assert f"第 {seq} 条事件的内容与其哈希不符（被篡改）" in alerts[0].message


def test_audit_chain_broken_quiet(town_a, clerk):
    audit_head_publish(tenant=town_a)
    _accounts_made(clerk, 2)

    assert scan("audit_chain_broken", today=_today()) == []


def test_audit_head_diverged_fires(town_a, clerk):
    _accounts_made(clerk, 2)
    published = audit_head_publish(tenant=town_a)
    tampering.tail_cut(keep=published.count - 1)

    alerts = scan("audit_head_diverged", today=_today())

    assert [(a.object_id, a.severity) for a in alerts] == [(str(town_a.pk), "warn")]
    assert f"第 {published.count} 条审计事件，现在该条记录已不存在" in alerts[0].message


def test_audit_head_diverged_quiet(town_a, clerk):
    published = audit_head_publish(tenant=town_a)
    _accounts_made(clerk, 2)

    assert scan("audit_head_diverged", today=_today()) == []
    assert chain_head().count > published.count


def test_after_hours_activity_fires(clerk):
    audit_events_backdate(_accounts_made(clerk, 5), _last_night(23, 30))

    alerts = scan("after_hours_activity", today=_today())

    assert [(a.object_id, a.severity) for a in alerts] == [(str(clerk.pk), "remind")]
    assert f"{clerk.username} 最近 7 天在夜间（22:00至次日6:00）操作了 5 次" in alerts[0].message


def test_after_hours_activity_quiet(clerk):
    night, evening = _accounts_made(clerk, 4), _accounts_made(clerk, 1)
    audit_events_backdate(night, _last_night(5, 59))
    audit_events_backdate(evening, _last_night(21, 59))

    assert scan("after_hours_activity", today=_today()) == []


def test_bulk_changes_fires(clerk):
    _accounts_made(clerk, 30)

    alerts = scan("bulk_changes", today=_today())

    assert [(a.object_id, a.severity) for a in alerts] == [(str(clerk.pk), "remind")]
    assert f"{clerk.username} 在一分钟内连续操作了 30 次" in alerts[0].message


def test_bulk_changes_quiet(clerk):
    made = _accounts_made(clerk, 30)
    audit_events_backdate(made[:1], timezone.now() - timedelta(minutes=2))

    assert scan("bulk_changes", today=_today()) == []


def test_admin_changes_own_posts_fires(town_a):
    admin = staff_make(town_a, posts=("tenant_admin",))
    with schema_context(town_a.schema_name):
        post_assign(actor=admin.user, staff=admin, post_code="leader")

        alerts = scan("admin_changes_own_posts", today=_today())

    assert [(a.object_id, a.severity) for a in alerts] == [(str(admin.user.pk), "warn")]
    assert f"{admin.user.username} 于" in alerts[0].message
    assert "给自己分配了“分管领导”岗位" in alerts[0].message


def test_admin_changes_own_posts_quiet(town_a):
    admin = staff_make(town_a, posts=("tenant_admin",))
    other = staff_make(town_a)
    with schema_context(town_a.schema_name):
        post_assign(actor=admin.user, staff=other, post_code="leader")

        assert scan("admin_changes_own_posts", today=_today()) == []
