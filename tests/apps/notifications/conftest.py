"""Fixtures: a fake 浙政钉 platform on 127.0.0.1, a tenant configured to use it, and helpers
that deliver the outbox in this process (inside the test's transaction)."""

from collections.abc import Iterator

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from apps.notifications.services import dingtalk_config_update
from apps.outbox.models import OutboxMessage
from apps.outbox.services import DeliveryFailedError, outbox_deliver_message, outbox_enqueue
from tests.apps.notifications.platform import FakePlatform, Server
from tests.factories import staff_make

APP_KEY = "neikong-test-app"
APP_SECRET = "s3cr3t-Of-The-App-do-not-leak"
PLATFORM_TENANT = "196729"


@pytest.fixture
def platform() -> Iterator[Server]:
    with Server(FakePlatform(app_key=APP_KEY, app_secret=APP_SECRET,
                             tenant_id=PLATFORM_TENANT)) as server:
        yield server


@pytest.fixture
def dingtalk_on(town_a, platform) -> Server:
    """town-a's 浙政钉 configuration points at the fake platform, enabled."""
    with schema_context(town_a.schema_name):
        dingtalk_config_update(actor=None, enabled=True, api_base_url=platform.base_url,
                               app_key=APP_KEY, app_secret=APP_SECRET,
                               tenant_id=PLATFORM_TENANT, agent_id="agent-1")
    return platform


def person(tenant, *, email: str = "", dingtalk: str = "", posts: tuple[str, ...] = ()):
    """A staff member's user with the given e-mail address and 浙政钉 account."""
    user = staff_make(tenant, posts=posts).user
    user.email, user.dingtalk_user_id = email, dingtalk
    user.save(update_fields=["email", "dingtalk_user_id"])
    return user


def notify(payload: dict, key: str) -> OutboxMessage:
    """Write a "notify" message as the approval engine does (in the current schema)."""
    with transaction.atomic():
        return outbox_enqueue(topic="notify", payload=payload, idempotency_key=key)


def deliver_pending() -> list[OutboxMessage]:
    """Deliver every pending message of the current schema once, oldest first, including
    those the deliveries themselves write; returns the ones that failed this round."""
    failed, tried = [], set()
    while True:
        pending = OutboxMessage.objects.filter(delivered_at__isnull=True).exclude(pk__in=tried)
        message = pending.order_by("created_at", "id").first()
        if message is None:
            return failed
        tried.add(message.pk)
        try:
            outbox_deliver_message(message_id=message.pk)
        except DeliveryFailedError:
            failed.append(OutboxMessage.objects.get(pk=message.pk))
