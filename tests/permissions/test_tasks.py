"""The daily rotation check: reminds before the limit (alert and e-mail), warns after it,
closes what no longer applies, raises nothing new when run again; fans out per tenant; brings
the department heads' grants up to today."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context
from guardian.models import UserObjectPermission

from apps.controls.models import Alert, AlertStatus
from apps.outbox.models import OutboxMessage
from county_platform.celery import SCHEMA_HEADER, PublicSchemaTaskError, app
from permissions import tasks
from permissions.objects import departments_managed
from permissions.rotation import add_months, rotation_check_run, special_audit_record
from permissions.services import department_create, post_assign, post_assignment_end
from tests.factories import staff_make, user_make

pytestmark = pytest.mark.django_db

ONE = timedelta(days=1)


def today():
    return timezone.localdate()


def holder(tenant, post, *, due_in_days, name=""):
    """Staff holding `post` since the day that makes its 60-month limit due in N days."""
    staff = staff_make(tenant, display_name=name)
    with schema_context(tenant.schema_name):
        post_assign(actor=None, staff=staff, post_code=post,
                    start_date=add_months(today() + due_in_days * ONE, -60))
    return staff


def admin_with_email(tenant, email):
    user = user_make(email=email)
    return staff_make(tenant, posts=("tenant_admin",), username=user.username)


def live(rule=None):
    alerts = Alert.objects.exclude(status=AlertStatus.CLOSED)
    return alerts.filter(rule=rule) if rule else alerts


def test_a_holder_due_soon_gets_a_remind_alert_and_the_admins_an_email(town_a):
    admin_with_email(town_a, "admin-a@example.cn")
    admin_with_email(town_a, "admin-b@example.cn")
    staff_make(town_a, posts=("tenant_admin",))  # no address: not a recipient
    staff = holder(town_a, "cashier", due_in_days=30, name="钱出纳")

    with schema_context(town_a.schema_name):
        result = rotation_check_run(tenant=town_a)
        alert = live().get()
        mail = OutboxMessage.objects.get()

    since = add_months(today() + 30 * ONE, -60)
    key = f"rotation_due:{staff.pk}:cashier:{since.isoformat()}"
    assert result.raised == [key]
    assert (alert.rule, alert.severity, alert.dedupe_key) == ("rotation_due", "remind", key)
    assert "钱出纳" in alert.message and "出纳" in alert.message
    assert (mail.topic, mail.idempotency_key) == ("email", key)
    assert mail.payload["recipients"] == ["admin-a@example.cn", "admin-b@example.cn"]
    assert "钱出纳" in mail.payload["subject"]


def test_the_reminder_mail_goes_out_even_when_the_library_scan_raised_the_alert_first(town_a):
    from apps.controls.rules.engine import rules_scan

    admin_with_email(town_a, "admin-d@example.cn")
    holder(town_a, "cashier", due_in_days=30)

    with schema_context(town_a.schema_name):
        rules_scan(codes=["rotation_due"])
        mails_after_scan = OutboxMessage.objects.count()
        result = rotation_check_run(tenant=town_a)
        rotation_check_run(tenant=town_a)
        mails = list(OutboxMessage.objects.values_list("payload", flat=True))

    assert (mails_after_scan, result.raised) == (0, [])
    assert [m["recipients"] for m in mails] == [["admin-d@example.cn"]]


def test_an_overdue_holder_gets_a_warn_alert_and_no_email(town_a):
    admin_with_email(town_a, "admin-c@example.cn")
    staff = holder(town_a, "accountant", due_in_days=-1)

    with schema_context(town_a.schema_name):
        rotation_check_run(tenant=town_a)
        alert = live().get()
        mails = OutboxMessage.objects.count()

    assert (alert.rule, alert.severity) == ("rotation_overdue", "warn")
    assert alert.dedupe_key.startswith(f"rotation_overdue:{staff.pk}:accountant:")
    assert mails == 0


def test_a_holder_far_from_the_limit_and_non_key_posts_raise_nothing(town_a):
    holder(town_a, "cashier", due_in_days=91)
    holder(town_a, "handler", due_in_days=-1000)

    with schema_context(town_a.schema_name):
        result = rotation_check_run(tenant=town_a)
        assert not live().exists()

    assert result.raised == []


def test_running_twice_raises_and_sends_nothing_new(town_a):
    admin_with_email(town_a, "admin-d@example.cn")
    holder(town_a, "cashier", due_in_days=10)
    holder(town_a, "accountant", due_in_days=-10)

    with schema_context(town_a.schema_name):
        first = rotation_check_run(tenant=town_a)
        counts = (Alert.objects.count(), OutboxMessage.objects.count())
        second = rotation_check_run(tenant=town_a)

        assert (Alert.objects.count(), OutboxMessage.objects.count()) == counts
    assert len(first.raised) == 2
    assert (second.raised, second.closed) == ([], [])


def test_leaving_the_post_closes_the_alert(town_a):
    staff = holder(town_a, "cashier", due_in_days=-5)
    with schema_context(town_a.schema_name):
        rotation_check_run(tenant=town_a)
        post_assignment_end(actor=None, assignment=staff.assignments.get(),
                            end_date=today() - ONE)

        result = rotation_check_run(tenant=town_a)

        assert not live().exists()
        assert Alert.objects.get().closed_at is not None
    assert len(result.closed) == 1


def test_crossing_the_limit_replaces_the_remind_alert_by_an_overdue_one(town_a):
    holder(town_a, "cashier", due_in_days=5)
    with schema_context(town_a.schema_name):
        rotation_check_run(tenant=town_a)

        result = rotation_check_run(tenant=town_a, today=today() + 5 * ONE)

        assert list(live().values_list("rule", flat=True)) == ["rotation_overdue"]
    assert result.closed[0].startswith("rotation_due:")


def test_a_valid_special_audit_keeps_the_overdue_alert_away_until_it_expires(town_a):
    staff = holder(town_a, "cashier", due_in_days=-30)
    with schema_context(town_a.schema_name):
        special_audit_record(actor=None, staff=staff, post_code="cashier",
                             performed_on=today() - 10 * ONE, auditor="县审计局",
                             reason="无人可接任", findings="账实相符")

        covered = rotation_check_run(tenant=town_a)
        expired = rotation_check_run(tenant=town_a, today=today() + 356 * ONE)

    assert covered.raised == []
    assert expired.raised[0].startswith("rotation_overdue:")


def test_a_new_run_after_a_long_break_gets_its_own_alert(town_a):
    staff = holder(town_a, "cashier", due_in_days=-5)
    with schema_context(town_a.schema_name):
        rotation_check_run(tenant=town_a)
        post_assignment_end(actor=None, assignment=staff.assignments.get(),
                            end_date=today() - 400 * ONE)
        post_assign(actor=None, staff=staff, post_code="cashier", start_date=today())

        result = rotation_check_run(tenant=town_a)

        assert not live().exists()
    assert (result.raised, len(result.closed)) == ([], 1)


def test_the_task_runs_in_the_schema_it_is_sent_to(town_a, town_b):
    holder(town_a, "cashier", due_in_days=-5)

    with schema_context(town_b.schema_name):
        assert tasks.rotation_check() == {"raised": 0, "closed": 0}
    with schema_context(town_a.schema_name):
        assert tasks.rotation_check() == {"raised": 1, "closed": 0}


def test_the_task_refuses_the_public_schema():
    with pytest.raises(PublicSchemaTaskError):
        tasks.rotation_check()


def test_check_all_sends_one_task_per_active_tenant_with_its_schema(
    monkeypatch, county, town_a, town_b
):
    sent = []
    monkeypatch.setattr(tasks.rotation_check, "apply_async",
                        lambda *args, **kwargs: sent.append(kwargs["headers"][SCHEMA_HEADER]))
    town_b.is_active = False
    town_b.save(update_fields=["is_active"])

    count = tasks.rotation_check_all()

    assert {county.schema_name, town_a.schema_name} <= set(sent)
    assert town_b.schema_name not in sent
    assert "public" not in sent
    assert count == len(sent) == len(set(sent))


def test_the_beat_schedule_names_the_fan_out_task():
    entry = settings.CELERY_BEAT_SCHEDULE["rotation-check"]
    assert entry["task"] == "permissions.tasks.rotation_check_all"
    assert app.tasks[entry["task"]].run is tasks.rotation_check_all.run


def test_the_daily_check_grants_a_department_head_from_their_first_day(town_a):
    head = staff_make(town_a)
    with schema_context(town_a.schema_name):
        department = department_create(actor=None, name="农业办", code="tasks-nyb")
        assignment = post_assign(actor=None, staff=head, post_code="dept_head",
                                 start_date=today() - 10 * ONE, department=department)
        post_assignment_end(actor=None, assignment=assignment, end_date=today() + ONE)
        # "Somehow" past the services (a backup restored): the grant is missing today.
        UserObjectPermission.objects.filter(user=head.user).delete()

        tasks.rotation_check()

        assert list(departments_managed(user=head.user)) == [department]
