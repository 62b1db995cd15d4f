"""Which function delivers which topic: handlers register with `@outbox_handler("topic")`."""

from collections.abc import Callable
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured


class OutboxHandler(Protocol):
    def __call__(self, *, payload: dict[str, Any], idempotency_key: str) -> None: ...


_handlers: dict[str, OutboxHandler] = {}


def outbox_handler(topic: str) -> Callable[[OutboxHandler], OutboxHandler]:
    """Register the decorated function as the one handler of `topic`.

    A handler gets the payload and the message's idempotency key (for channels that can
    deduplicate, e.g. a to-do keyed by it) and raises on failure; the outbox retries it."""

    def register(handler: OutboxHandler) -> OutboxHandler:
        if _handlers.get(topic, handler) is not handler:
            raise ImproperlyConfigured(f"Outbox topic {topic!r} already has a handler.")
        _handlers[topic] = handler
        return handler

    return register


def handler_for(topic: str) -> OutboxHandler:
    try:
        return _handlers[topic]
    except KeyError:
        raise ImproperlyConfigured(f"No outbox handler is registered for {topic!r}.") from None
