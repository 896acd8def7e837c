"""Working days in England and Wales, and clocks that run in hours.

Working-day arithmetic is done on local (Europe/London) dates and keeps the
time of day, so "3 working days from Friday 15:00" is Wednesday 15:00 and a
bank holiday in between pushes it to Thursday. Hour clocks are absolute: 72
hours is 72 hours, whatever the calendar or the clocks going forward.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year]).keys())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """``start`` moved on by ``days`` working days, at the same local time of day."""
    local = start.astimezone(_zone())
    day = local.date()
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    while remaining:
        day += dt.timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    moved = dt.datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=_zone())
    # Through UTC, so a wall time the clocks skip (01:30 on the spring-forward night)
    # becomes a real instant rather than one that doesn't exist.
    return moved.astimezone(dt.UTC)


def working_days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Whole working days from ``start``'s local date to ``end``'s (0 on the same day)."""
    zone = _zone()
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    sign = 1 if last >= first else -1
    first, last = min(first, last), max(first, last)
    count = 0
    day = first
    while day < last:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return sign * count


def add_hours(start: dt.datetime, hours: float) -> dt.datetime:
    # Through UTC: adding to a Europe/London datetime is wall-clock arithmetic in Python,
    # which would make a 72-hour clock 71 hours over the night the clocks go forward.
    return start.astimezone(dt.UTC) + dt.timedelta(hours=hours)
