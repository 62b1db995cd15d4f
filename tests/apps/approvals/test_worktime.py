"""Working time for SLAs and step durations: Mon–Fri 09:00–17:00 Asia/Shanghai."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.approvals.worktime import SHANGHAI, add_working_hours, working_seconds_between

HOUR = 3600


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the week of Monday 2025-01-06 (day 6 = Monday … 12 = Sunday)."""
    return datetime(2025, 1, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("start", "hours", "expected"), [
    (at(6, 10), 2, at(6, 12)),  # inside one day
    (at(10, 16), 2, at(13, 10)),  # Friday afternoon runs over the weekend
    (at(11, 12), 1, at(13, 10)),  # Saturday starts on Monday morning
    (at(12, 23), 1, at(13, 10)),  # Sunday night too
    (at(7, 18, 30), 1, at(8, 10)),  # after hours: the next morning
    (at(7, 7), 8, at(7, 17)),  # before hours: a full day ends exactly at 17:00
    (at(6, 9), 20, at(8, 13)),  # several days
    (at(6, 9), 40, at(10, 17)),  # a whole working week
    (at(10, 16, 30), 16, at(14, 16, 30)),  # two days across a weekend
])
def test_add_working_hours(start, hours, expected):
    assert add_working_hours(start, hours) == expected


@pytest.mark.parametrize(("start", "end", "seconds"), [
    (at(6, 10), at(6, 12), 2 * HOUR),
    (at(10, 16), at(13, 10), 2 * HOUR),  # over the weekend: only Friday 16–17 and Monday 9–10
    (at(11, 10), at(12, 18), 0),  # a whole weekend
    (at(6, 8), at(6, 18), 8 * HOUR),  # before and after hours do not count
    (at(6, 17, 30), at(7, 8, 59), 0),  # overnight
    (at(6, 10), at(13, 10), 40 * HOUR),  # one week
    (at(6, 12), at(6, 10), 0),  # end before start
    (at(6, 10), at(6, 10), 0),
    (at(6, 16, 59), at(7, 9, 1), 2 * 60),
])
def test_working_seconds_between(start, end, seconds):
    assert working_seconds_between(start, end) == seconds


def test_moments_in_another_time_zone_are_read_in_shanghai_time():
    # 01:00 UTC is 09:00 in Shanghai; 10:00 UTC is 18:00 there.
    start = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)
    end = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)

    assert working_seconds_between(start, end) == 8 * HOUR
    assert add_working_hours(start, 1) == at(6, 10)


@pytest.mark.parametrize("start", [at(6, 9), at(8, 13, 17), at(10, 16, 45), at(11, 3),
                                   at(12, 21), at(9, 17)])
@pytest.mark.parametrize("hours", [0.5, 1, 7.5, 8, 9, 16, 41])
def test_the_working_time_until_a_deadline_is_its_sla(start, hours):
    deadline = add_working_hours(start, hours)

    assert working_seconds_between(start, deadline) == int(hours * HOUR)
    assert deadline.astimezone(SHANGHAI).weekday() < 5
    assert deadline - start >= timedelta(hours=hours)
