"""Working hours for SLAs: Monday–Friday, 09:00–17:00 Asia/Shanghai (public holidays are not
yet modelled: a holiday counts as a working day)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY_START, DAY_END = time(9, 0), time(17, 0)


def _next_working_start(moment: datetime) -> datetime:
    """`moment` if it falls inside working hours, else the start of the next working period."""
    local = moment.astimezone(SHANGHAI)
    if local.weekday() < 5 and DAY_START <= local.time() < DAY_END:
        return local
    day = local.date() if local.time() < DAY_START else local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, DAY_START, tzinfo=SHANGHAI)


def add_working_hours(start: datetime, hours: float) -> datetime:
    """The moment `hours` working hours after `start`."""
    remaining = timedelta(hours=hours)
    moment = _next_working_start(start)
    while True:
        end_of_day = datetime.combine(moment.date(), DAY_END, tzinfo=SHANGHAI)
        if moment + remaining <= end_of_day:
            return moment + remaining
        remaining -= end_of_day - moment
        moment = _next_working_start(end_of_day)


def working_seconds_between(start: datetime, end: datetime) -> int:
    """Working seconds from `start` to `end` (0 when end ≤ start)."""
    total = timedelta()
    moment = _next_working_start(start)
    while moment < end:
        end_of_day = datetime.combine(moment.date(), DAY_END, tzinfo=SHANGHAI)
        total += min(end_of_day, end) - moment
        moment = _next_working_start(end_of_day)
    return int(total.total_seconds())
