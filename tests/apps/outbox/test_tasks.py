"""Outbox delivery by a real worker: once per committed message, never for a rolled-back one."""

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.outbox.models import OutboxMessage
from apps.outbox.services import outbox_enqueue
from apps.outbox.tasks import outbox_deliver, outbox_sweep_all

pytest_plugins = ["tests.worker"]  # the celery_worker and committed fixtures
pytestmark = pytest.mark.worker


class Rollback(Exception):
    pass


def _payload() -> dict:
    return {
        "subject": f"待办提醒 {uuid.uuid4().hex}",
        "body": "您有一条新的审批待办。",
        "recipients": ["kuaiji@example.cn"],
    }


def _enqueue(tenant) -> OutboxMessage:
    with schema_context(tenant.schema_name), transaction.atomic():
        return outbox_enqueue(topic="email", payload=_payload())


def _row(tenant, message: OutboxMessage) -> OutboxMessage | None:
    with schema_context(tenant.schema_name):
        return OutboxMessage.objects.filter(pk=message.pk).first()


def _delivered(tenant, message: OutboxMessage) -> bool:
    return _row(tenant, message).delivered_at is not None


def _subject(message: OutboxMessage) -> str:
    return message.payload["subject"]


def test_a_committed_message_is_delivered_once_however_often_it_is_sent(celery_worker, committed):
    town_a = committed["town-a"]
    message = _enqueue(town_a)
    celery_worker.wait_until(lambda: _delivered(town_a, message), "the delivery")

    with schema_context(town_a.schema_name):
        outbox_deliver.delay(str(message.pk))
        outbox_deliver.delay(str(message.pk))
    outbox_sweep_all.delay()
    marker = _enqueue(town_a)  # the queue is FIFO: once this is delivered, the above have run
    celery_worker.wait_until(lambda: _delivered(town_a, marker), "the tasks sent after it")

    assert celery_worker.mails_with(_subject(message)) == 1
    assert _row(town_a, message).attempts == 1


def test_a_burst_of_messages_is_delivered_once_each(celery_worker, committed):
    town_a = committed["town-a"]
    burst = [_enqueue(town_a) for _ in range(12)]  # most commit while a drain is asked for

    celery_worker.wait_until(lambda: all(_delivered(town_a, m) for m in burst), "the burst")

    assert [celery_worker.mails_with(_subject(m)) for m in burst] == [1] * len(burst)
    assert {_row(town_a, m).attempts for m in burst} == {1}


def test_a_message_of_a_rolled_back_transaction_is_never_delivered(celery_worker, committed):
    town_a = committed["town-a"]
    with schema_context(town_a.schema_name), pytest.raises(Rollback), transaction.atomic():
        rolled_back = outbox_enqueue(topic="email", payload=_payload())
        raise Rollback

    with schema_context(town_a.schema_name):
        outbox_deliver.delay(str(rolled_back.pk))
    outbox_sweep_all.delay()
    marker = _enqueue(town_a)
    celery_worker.wait_until(lambda: _delivered(town_a, marker), "a later message")

    assert _row(town_a, rolled_back) is None
    assert celery_worker.mails_with(_subject(rolled_back)) == 0


def test_a_failed_delivery_is_retried_and_delivered_once(celery_worker, committed):
    town_a = committed["town-a"]
    mail_dir, away = celery_worker.mail_dir, celery_worker.mail_dir.with_name("mail-away")
    mail_dir.mkdir(exist_ok=True)
    mail_dir.rename(away)
    mail_dir.write_text("a file where the mail directory should be: sending fails")
    try:
        message = _enqueue(town_a)
        celery_worker.wait_until(lambda: _row(town_a, message).attempts == 1, "a failed attempt")
    finally:
        mail_dir.unlink()
        away.rename(mail_dir)

    failed = _row(town_a, message)
    assert failed.delivered_at is None
    assert "ImproperlyConfigured" in failed.last_error
    assert failed.next_attempt_at > timezone.now()
    celery_worker.wait_until(lambda: _delivered(town_a, message), "the retry")
    assert celery_worker.mails_with(_subject(message)) == 1
    assert _row(town_a, message).attempts == 2
    assert _row(town_a, message).last_error == ""


def test_the_sweep_delivers_a_message_whose_task_was_lost(celery_worker, committed):
    town_a, town_b = committed["town-a"], committed["town-b"]
    with celery_worker.messages_lost():
        lost_in_a, lost_in_b = _enqueue(town_a), _enqueue(town_b)
    for tenant, message in ((town_a, lost_in_a), (town_b, lost_in_b)):
        with schema_context(tenant.schema_name):  # the lease of the lost delivery runs out
            OutboxMessage.objects.filter(pk=message.pk).update(
                next_attempt_at=timezone.now() - timedelta(seconds=1)
            )

    outbox_sweep_all.delay()
    celery_worker.wait_until(
        lambda: _delivered(town_a, lost_in_a) and _delivered(town_b, lost_in_b), "the sweep"
    )

    assert celery_worker.mails_with(_subject(lost_in_a)) == 1
    assert celery_worker.mails_with(_subject(lost_in_b)) == 1
