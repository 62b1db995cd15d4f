"""The outbox services in one process: writing in the caller's transaction, delivering once."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from apps.outbox.models import OutboxMessage
from apps.outbox.policy import LEASE, MAX_ATTEMPTS
from apps.outbox.services import (
    DeliveryFailedError,
    outbox_deliver_message,
    outbox_drain_start,
    outbox_enqueue,
    outbox_sweep,
)
from apps.outbox.tasks import outbox_deliver, outbox_drain
from county_platform.celery import PublicSchemaTaskError, app

pytest_plugins = ["tests.worker"]  # committed: a test outside any transaction

EMAIL = {"subject": "会议通知", "body": "明天上午九点开会。", "recipients": ["a@example.cn"]}


def _enqueue(**fields) -> OutboxMessage:
    with transaction.atomic():
        return outbox_enqueue(**{"topic": "email", "payload": EMAIL, **fields})


def _due_now(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


def test_enqueue_writes_the_row_and_sends_its_delivery_only_on_commit(
    town_a, in_tenant, django_capture_on_commit_callbacks
):
    with in_tenant(town_a), django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = _enqueue()

        assert OutboxMessage.objects.get(pk=message.pk).idempotency_key == str(message.pk)
    assert len(callbacks) == 1
    assert message.delivered_at is None
    assert message.next_attempt_at == message.created_at + LEASE


def test_enqueue_outside_a_transaction_is_refused(committed, in_tenant):
    with in_tenant(committed["town-a"]):
        with pytest.raises(RuntimeError, match="inside the transaction"):
            outbox_enqueue(topic="email", payload=EMAIL)

        assert not OutboxMessage.objects.exists()


def test_enqueue_in_the_public_schema_is_refused(db):
    with pytest.raises(PublicSchemaTaskError), transaction.atomic():
        outbox_enqueue(topic="email", payload=EMAIL)


def test_enqueue_of_an_unknown_topic_is_refused(town_a, in_tenant):
    with in_tenant(town_a):
        with pytest.raises(ImproperlyConfigured, match="no-such-topic"):
            _enqueue(topic="no-such-topic")

        assert not OutboxMessage.objects.exists()


def test_the_same_idempotency_key_makes_one_message(
    town_a, in_tenant, django_capture_on_commit_callbacks
):
    with in_tenant(town_a), django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = _enqueue(idempotency_key="approval-task-7-assigned")
        second = _enqueue(idempotency_key="approval-task-7-assigned")

        assert OutboxMessage.objects.count() == 1
    assert second.pk == first.pk
    assert len(callbacks) == 1


def test_delivery_sends_the_mail_once(town_a, in_tenant, mailoutbox):
    with in_tenant(town_a):
        message = _enqueue()

        assert outbox_deliver_message(message_id=message.pk) is True
        assert outbox_deliver_message(message_id=message.pk) is False
        delivered = OutboxMessage.objects.get(pk=message.pk)

    assert [(m.subject, m.to) for m in mailoutbox] == [("会议通知", ["a@example.cn"])]
    assert delivered.delivered_at is not None
    assert delivered.attempts == 1


def test_a_failing_handler_is_recorded_and_reported_for_retry(town_a, in_tenant, mailoutbox):
    with in_tenant(town_a):
        message = _enqueue(payload={"subject": "缺少收件人", "body": "正文"})

        with pytest.raises(DeliveryFailedError) as failure:
            outbox_deliver_message(message_id=message.pk)
        failed = OutboxMessage.objects.get(pk=message.pk)

    assert failure.value.retry_in == 5
    assert (failed.attempts, failed.delivered_at) == (1, None)
    assert "recipients" in failed.last_error
    assert failed.next_attempt_at > timezone.now() + LEASE
    assert mailoutbox == []


def test_the_sweep_resends_only_due_pending_messages_and_claims_them(
    town_a, in_tenant, mailoutbox, django_capture_on_commit_callbacks
):
    with in_tenant(town_a):
        due, fresh, delivered, dead = _enqueue(), _enqueue(), _enqueue(), _enqueue()
        outbox_deliver_message(message_id=delivered.pk)
        OutboxMessage.objects.filter(pk=dead.pk).update(attempts=MAX_ATTEMPTS)
        for message in (due, delivered, dead):
            _due_now(message)

        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            claimed = outbox_sweep()
        claimed_until = OutboxMessage.objects.get(pk=due.pk).next_attempt_at

    assert claimed == [due.pk]
    assert len(callbacks) == 1
    assert claimed_until > timezone.now() + LEASE - timedelta(seconds=5)
    assert fresh.pk not in claimed


def test_a_message_that_always_fails_becomes_a_dead_letter(town_a, in_tenant, mailoutbox):
    with in_tenant(town_a):
        message = _enqueue(payload={"subject": "缺少收件人", "body": "正文"})

        # Run eagerly in this process: each retry runs at once instead of after its delay.
        result = outbox_deliver.apply(args=[str(message.pk)])
        dead = OutboxMessage.objects.get(pk=message.pk)
        _due_now(dead)

        assert outbox_sweep() == []
    assert result.get() is False
    assert (dead.attempts, dead.delivered_at) == (MAX_ATTEMPTS, None)
    assert mailoutbox == []


@pytest.fixture
def own_queue():
    """Tasks sent meanwhile go to a queue of this test's own; returns its length in Redis."""
    from tests.worker import queues_delete  # loaded as a plugin above: not imported twice

    queue, previous = f"neikong-test-drain-{uuid.uuid4().hex[:12]}", app.conf.task_default_queue
    app.conf.task_default_queue = queue

    def waiting() -> int:
        with app.connection_for_write() as broker:
            return broker.default_channel.client.llen(queue)

    try:
        yield waiting
    finally:
        app.conf.task_default_queue = previous
        queues_delete(queue)


def test_messages_committed_before_the_drain_starts_ask_for_one_drain(
    town_a, in_tenant, own_queue, django_capture_on_commit_callbacks
):
    with in_tenant(town_a):
        with django_capture_on_commit_callbacks(execute=True):
            first = _enqueue()
        with django_capture_on_commit_callbacks(execute=True):
            second, third = _enqueue(), _enqueue()
        asked_before_start = own_queue()

        to_deliver = outbox_drain_start()
        with django_capture_on_commit_callbacks(execute=True):
            after_start = _enqueue()

    assert asked_before_start == 1
    assert to_deliver == [first.pk, second.pk, third.pk]  # in the order they were written
    assert after_start.pk not in to_deliver
    assert own_queue() == 2  # the drain has started: the next message asks for another


def test_the_drain_delivers_each_new_message_and_leaves_a_failure_to_its_retries(
    town_a, in_tenant, own_queue, mailoutbox
):
    with in_tenant(town_a):
        good = _enqueue()
        failing = _enqueue(payload={"subject": "缺少收件人", "body": "正文"})
        also_good = _enqueue(payload={**EMAIL, "subject": "第二封"})

        delivered = outbox_drain()
        rows = {m.pk: m for m in OutboxMessage.objects.all()}

    assert delivered == 2
    assert [m.subject for m in mailoutbox] == ["会议通知", "第二封"]
    assert rows[good.pk].delivered_at and rows[also_good.pk].delivered_at
    assert (rows[failing.pk].attempts, rows[failing.pk].delivered_at) == (1, None)
    assert own_queue() == 1  # the failed one's own delivery task, with its retries
