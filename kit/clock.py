"""Showing a moment to a person: in UK time, with the zone it was in (GMT or BST).

An hour without its zone is ambiguous once a year: on the night the clocks go
back, 01:30 happens twice, an hour apart. Every page, email and list that
shows an hour says which one it means.
"""

from __future__ import annotations

import datetime as dt

from django.utils import dateformat, timezone


def moment_text(value: dt.datetime | dt.date | None, format: str) -> str:
    """``value`` in Django's date ``format``, in local (UK) time, followed by the zone: ``01:30 BST``.

    A date alone, with no hour to place, is shown without a zone; nothing is shown as "".
    """
    if value is None or value == "":
        return ""
    if not isinstance(value, dt.datetime):
        return dateformat.format(value, format)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    else:
        value = timezone.make_aware(value)
    # tzname() honours fold, so the repeated hour of the clocks-back night reads GMT the second time.
    return f"{dateformat.format(value, format)} {value.tzname()}"
