"""Services that are one part of their caller's unit of work."""

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")


def in_callers_transaction(service: Callable[P, R]) -> Callable[P, R]:
    """Run `service` inside the transaction its caller already holds, with no savepoint of
    its own (a savepoint costs two round trips on every submit).

    For steps that only make sense together with the caller's change: the audit event, the
    outbox message, the budget commitment and the approval of a document being submitted.
    The caller's `transaction.atomic` commits or rolls back everything as one; calling such a
    service outside one is a programming error and raises at once. Each of them refuses
    (raises DomainError) before it writes anything, so a caller that catches a refusal holds
    an unchanged transaction."""

    @functools.wraps(service)
    def inside(*args: P.args, **kwargs: P.kwargs) -> R:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError(f"{service.__name__} must run inside the transaction of the change")
        return service(*args, **kwargs)

    return inside
