"""End to end with a real Celery worker: the engine's assignment message becomes an in-app row,
a mail and a to-do on the fake 浙政钉 platform, each once.

The worker sees only committed data and the audit chain is append-only, so this test commits
no approval (whose audit events would stay): it writes the assignment's "notify" message with
the engine's own writer (apps.approvals.events.tasks_assigned) for a task that exists in memory
only, and removes every row it committed afterwards."""

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.approvals import events
from apps.approvals.models import Approval, ApprovalStep, ApprovalTask
from apps.notifications.models import (
    DingTalkConfig,
    DingTalkTodo,
    Notification,
    NotificationDelivery,
)
from tests.apps.notifications.conftest import APP_KEY, APP_SECRET, PLATFORM_TENANT
from tests.factories import user_make

pytest_plugins = ["tests.worker"]  # the celery_worker and committed fixtures
pytestmark = pytest.mark.worker


@pytest.fixture
def configured(committed, platform):
    """town-a, committed, with 浙政钉 pointing at the fake platform, and an assignee with a
    mail address and a 浙政钉 account; all of it removed afterwards."""
    town_a = committed["town-a"]
    user = user_make(email="leader@town-a.example.cn", dingtalk_user_id="acc-leader")
    with schema_context(town_a.schema_name):
        # Directly, not through the audited service: an audit event could not be removed.
        DingTalkConfig.objects.create(pk=1, enabled=True, api_base_url=platform.base_url,
                                      app_key=APP_KEY, app_secret=APP_SECRET,
                                      tenant_id=PLATFORM_TENANT)
    try:
        yield town_a, user
    finally:
        with schema_context(town_a.schema_name):
            for model in (Notification, NotificationDelivery, DingTalkTodo, DingTalkConfig):
                model.objects.all().delete()
        user.is_active = False  # users are never deleted, only deactivated
        user.save(update_fields=["is_active"])


def _assign(tenant, user) -> ApprovalTask:
    step = ApprovalStep(name=f"分管领导审批 {uuid.uuid4().hex[:8]}")
    task = ApprovalTask(pk=900_000 + uuid.uuid4().int % 99_999, step=step, assignee=user,
                        due_at=timezone.now() + timedelta(hours=16))
    with schema_context(tenant.schema_name), transaction.atomic():
        events.tasks_assigned([task], Approval(document_type="seal_use", document_id="42"))
    return task


def test_an_assignment_reaches_in_app_mail_and_dingtalk(celery_worker, configured, platform):
    town_a, user = configured
    task = _assign(town_a, user)
    biz = f"neikong-{town_a.schema_name}-{task.pk}"

    def delivered() -> bool:
        with schema_context(town_a.schema_name):
            return NotificationDelivery.objects.filter(channel="dingtalk_todo").exists()

    celery_worker.wait_until(delivered, "the to-do's delivery")
    with schema_context(town_a.schema_name):
        rows = list(Notification.objects.filter(recipient=user).values_list("title", "link"))
        channels = set(NotificationDelivery.objects.values_list("channel", flat=True))

    title = f"待办：{task.step.name}"
    assert rows == [(title, f"/approvals/tasks/{task.pk}/")]
    assert platform.platform.create_calls[biz] == 1
    assert platform.platform.todos[biz]["mobileUrl"].endswith(f"/approvals/tasks/{task.pk}/")
    celery_worker.wait_until(lambda: celery_worker.mails_with(title) == 1, "the mail")
    celery_worker.wait_until(lambda: len(platform.platform.messages) == 1, "the work notice")
    assert channels >= {"dingtalk_todo"}
