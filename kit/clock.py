"""Showing a moment to a person: in UK time, with the zone it was in (GMT or BST).

An hour without its zone is ambiguous once a year: on the night the clocks go
back, 01:30 happens twice, an hour apart. Every page, email and list that
shows an hour says which one it means.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache

from django.utils import dateformat, timezone, translation
from django.utils.timesince import timesince, timeuntil

# The format characters worked out here, as ``dateformat`` works them out in English; any other
# character in a format sends the whole format to ``dateformat`` (``_parts`` gives None).
_MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_FIELDS: dict[str, Callable[[dt.date], str]] = {
    "d": lambda v: f"{v.day:02d}",
    "j": lambda v: str(v.day),
    "D": lambda v: _DAYS[v.weekday()][:3],
    "l": lambda v: _DAYS[v.weekday()],
    "m": lambda v: f"{v.month:02d}",
    "n": lambda v: str(v.month),
    "M": lambda v: _MONTHS[v.month - 1][:3],
    "F": lambda v: _MONTHS[v.month - 1],
    "y": lambda v: f"{v.year % 100:02d}",
    "Y": lambda v: f"{v.year:04d}",
}
_TIME_FIELDS: dict[str, Callable[[dt.datetime], str]] = {
    "H": lambda v: f"{v.hour:02d}",
    "G": lambda v: str(v.hour),
    "i": lambda v: f"{v.minute:02d}",
    "s": lambda v: f"{v.second:02d}",
}


@lru_cache(maxsize=256)
def _parts(format: str, with_time: bool) -> tuple[str | Callable, ...] | None:
    parts: list[str | Callable] = []
    escaped = False
    for char in format:
        if escaped:
            parts.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in _FIELDS:
            parts.append(_FIELDS[char])
        elif with_time and char in _TIME_FIELDS:
            parts.append(_TIME_FIELDS[char])
        elif char.isalpha():
            return None
        else:
            parts.append(char)
    return tuple(parts)


def _formatted(value: dt.date, format: str) -> str:
    """``dateformat.format(value, format)``, without its per-character lookups where it can."""
    parts = _parts(format, isinstance(value, dt.datetime))
    if parts is None or not (translation.get_language() or "en").startswith("en"):
        return dateformat.format(value, format)
    return "".join(part if isinstance(part, str) else part(value) for part in parts)


def moment_text(value: dt.datetime | dt.date | None, format: str) -> str:
    """``value`` in Django's date ``format``, in local (UK) time, followed by the zone: ``01:30 BST``.

    A date alone, with no hour to place, is shown without a zone; nothing is shown as "".
    """
    if value is None or value == "":
        return ""
    if not isinstance(value, dt.datetime):
        return _formatted(value, format)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    else:
        value = timezone.make_aware(value)
    # tzname() honours fold, so the repeated hour of the clocks-back night reads GMT the second time.
    return f"{_formatted(value, format)} {value.tzname()}"


# --- How long ago, how long until ----------------------------------------------------------
# ``timesince``/``timeuntil`` as Django words them in English ("3 days, 4 hours"), worked out
# without a translation lookup per unit: a list of fifty cases shows a hundred of them.
_UNITS = ("year", "month", "week", "day", "hour", "minute")
_UNIT_SECONDS = (7 * 24 * 3600, 24 * 3600, 3600, 60)
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _unit(count: int, name: str) -> str:
    # Non-breaking, as Django's: "3 days" never breaks between the number and its unit.
    return f"{count}\xa0{name}" if count == 1 else f"{count}\xa0{name}s"


def _span(start: dt.datetime, end: dt.datetime, depth: int) -> str:
    seconds = (end - start).days * 86400 + (end - start).seconds
    if seconds <= 0:
        return _unit(0, "minute")
    # Whole calendar months first, from a day of the month that exists in the month reached.
    months = (end.year - start.year) * 12 + end.month - start.month
    if start.day > end.day or (start.day == end.day and start.time() > end.time()):
        months -= 1
    years, months = divmod(months, 12)
    if years or months:
        year, month = start.year + years, start.month + months
        if month > 12:
            year, month = year + 1, month - 12
        start = start.replace(
            year=year,
            month=month,
            day=min(_DAYS_IN_MONTH[month - 1], start.day),
            microsecond=0,
            fold=0,
        )
    left = (end - start).total_seconds()
    counts = [years, months]
    for size in _UNIT_SECONDS:
        count = int(left // size)
        counts.append(count)
        left -= size * count
    first = next((index for index, count in enumerate(counts) if count), None)
    if first is None:
        return _unit(0, "minute")
    words = []
    for index in range(first, min(first + depth, len(_UNITS))):
        if not counts[index]:
            break
        words.append(_unit(counts[index], _UNITS[index]))
    return ", ".join(words)


def _as_moment(value: dt.date) -> dt.datetime:
    return (
        value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
    )


def _english() -> bool:
    return (translation.get_language() or "en").startswith("en")


def time_since(value: dt.date, now: dt.date | None = None, *, depth: int = 2) -> str:
    """How long before ``now`` (the present if None) ``value`` was: Django's ``timesince``."""
    if not _english():
        return timesince(value, now, depth=depth)
    start = _as_moment(value)
    end = _as_moment(now) if now else dt.datetime.now(start.tzinfo)
    if timezone.is_aware(start) and timezone.is_aware(end):
        end = end.astimezone(start.tzinfo)
    return _span(start, end, depth)


def time_until(value: dt.date, now: dt.date | None = None, *, depth: int = 2) -> str:
    """How long after ``now`` (the present if None) ``value`` is: Django's ``timeuntil``."""
    if not _english():
        return timeuntil(value, now, depth=depth)
    end = _as_moment(value)
    start = _as_moment(now) if now else dt.datetime.now(end.tzinfo)
    if timezone.is_aware(start) and timezone.is_aware(end):
        start = start.astimezone(end.tzinfo)
    return _span(start, end, depth)
