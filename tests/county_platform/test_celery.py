"""A real worker runs each task in the schema that sent it, and no schema leaks between tasks."""

import uuid

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from apps.outbox.models import OutboxMessage
from apps.outbox.services import outbox_enqueue
from apps.outbox.tasks import outbox_deliver

pytest_plugins = ["tests.worker"]  # the celery_worker and committed fixtures
pytestmark = pytest.mark.worker


def _enqueue(tenant, subject: str) -> OutboxMessage:
    """Commit an e-mail message in `tenant`; its delivery task is sent on commit."""
    with schema_context(tenant.schema_name), transaction.atomic():
        return outbox_enqueue(
            topic="email",
            payload={"subject": subject, "body": "请及时处理。", "recipients": ["a@example.cn"]},
        )


def _delivered(tenant, message: OutboxMessage) -> bool:
    with schema_context(tenant.schema_name):
        return OutboxMessage.objects.get(pk=message.pk).delivered_at is not None


def _subject() -> str:
    return f"审批提醒 {uuid.uuid4().hex}"


def test_a_task_runs_in_the_schema_it_was_sent_from(celery_worker, committed):
    town_a, town_b = committed["town-a"], committed["town-b"]
    with celery_worker.messages_lost():
        only_in_a = _enqueue(town_a, _subject())

    with schema_context(town_b.schema_name):
        outbox_deliver.delay(str(only_in_a.pk))  # the same id, sent from B: not found there
    marker = _enqueue(town_b, _subject())
    celery_worker.wait_until(lambda: _delivered(town_b, marker), "B's message")

    assert not _delivered(town_a, only_in_a)
    assert celery_worker.mails_with(only_in_a.payload["subject"]) == 0

    with schema_context(town_a.schema_name):
        outbox_deliver.delay(str(only_in_a.pk))
    celery_worker.wait_until(lambda: _delivered(town_a, only_in_a), "A's message, sent from A")
    assert celery_worker.mails_with(only_in_a.payload["subject"]) == 1


def test_a_delivery_sent_on_commit_after_leaving_the_schema_still_runs_in_it(
    celery_worker, committed
):
    town_a = committed["town-a"]
    # The schema context closes first: the commit, and with it the send, runs in public.
    with transaction.atomic(), schema_context(town_a.schema_name):
        message = outbox_enqueue(
            topic="email",
            payload={"subject": _subject(), "body": "正文", "recipients": ["b@example.cn"]},
        )

    celery_worker.wait_until(lambda: _delivered(town_a, message), "the delivery")
    assert celery_worker.mails_with(message.payload["subject"]) == 1


def test_search_path_does_not_leak_from_one_task_into_the_next(celery_worker, committed):
    town_a, town_b = committed["town-a"], committed["town-b"]
    with celery_worker.messages_lost():
        left_in_a = _enqueue(town_a, _subject())
    with schema_context(town_a.schema_name):  # tried once: A's drain leaves it to its retry
        OutboxMessage.objects.filter(pk=left_in_a.pk).update(attempts=1)

    ran_in_a = _enqueue(town_a, _subject())  # the worker's connection is set to A for this
    with schema_context(town_b.schema_name):
        outbox_deliver.delay(str(left_in_a.pk))  # would deliver it if A's search_path leaked
    ran_in_b = _enqueue(town_b, _subject())
    celery_worker.wait_until(lambda: _delivered(town_b, ran_in_b), "the task in B")

    assert _delivered(town_a, ran_in_a)
    assert not _delivered(town_a, left_in_a)
    assert celery_worker.mails_with(left_in_a.payload["subject"]) == 0


def test_a_task_sent_without_a_tenant_is_refused_in_the_public_schema(celery_worker, committed):
    town_a = committed["town-a"]
    with celery_worker.messages_lost():
        message = _enqueue(town_a, _subject())

    outbox_deliver.delay(str(message.pk))  # sent from the public schema
    celery_worker.wait_until(
        lambda: "PublicSchemaTaskError" in celery_worker.log(), "the refusal in the worker log"
    )

    assert not _delivered(town_a, message)
    assert celery_worker.mails_with(message.payload["subject"]) == 0
