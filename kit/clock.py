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
