"""The handler registry: one handler per topic."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.outbox.handlers import email_send
from apps.outbox.registry import handler_for, outbox_handler


def test_email_is_registered():
    assert handler_for("email") is email_send


def test_a_second_handler_for_a_topic_is_refused():
    with pytest.raises(ImproperlyConfigured, match="already has a handler"):
        outbox_handler("email")(lambda *, payload, idempotency_key: None)


def test_an_unknown_topic_has_no_handler():
    with pytest.raises(ImproperlyConfigured, match="no-such-topic"):
        handler_for("no-such-topic")
