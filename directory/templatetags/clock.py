"""``{{ moment|at:"j M Y, H:i" }}``: a moment as the date filter shows it, with its zone (GMT or BST).

Every template that shows an hour uses it (``{% load clock %}``); dates alone keep ``|date``.
"""

from __future__ import annotations

import datetime as dt

from django import template

from kit.clock import moment_text

register = template.Library()


@register.filter
def at(value: dt.datetime | dt.date | None, format: str) -> str:
    return moment_text(value, format)
