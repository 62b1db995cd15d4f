"""How long a scheduled delivery owns a message, and how failed deliveries back off."""

from datetime import timedelta

# A message whose delivery was sent is left to that delivery for this long before the sweep
# resends it; the sweep is the safety net for a lost message, not a second sender.
LEASE = timedelta(minutes=2)
# A drain delivers at most this many new messages, then asks for another for the rest.
DRAIN_BATCH = 200
# A drain asked for and not started within this many seconds is taken as lost: the next new
# message asks for another.
DRAIN_ASKED_TTL = 30
# After this many failed attempts a message is a dead letter: kept, never swept again.
MAX_ATTEMPTS = 10
RETRY_BASE_SECONDS = 5
RETRY_CAP_SECONDS = 3600


def retry_delay(*, attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failure: 5, 10, 20, … capped at one hour."""
    return min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_CAP_SECONDS)
