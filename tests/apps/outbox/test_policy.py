"""Failed deliveries back off exponentially, up to a cap."""

from apps.outbox.policy import RETRY_CAP_SECONDS, retry_delay


def test_the_retry_delay_doubles_from_five_seconds_up_to_an_hour():
    delays = [retry_delay(attempts=n) for n in range(1, 12)]

    assert delays[:5] == [5, 10, 20, 40, 80]
    assert delays[-1] == RETRY_CAP_SECONDS == 3600
