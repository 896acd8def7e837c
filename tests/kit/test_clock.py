"""Moments shown with their zone: the two 01:30s of the night the clocks go back read differently."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template

from documents.text import when
from kit.clock import moment_text

# 25 October 2026: at 02:00 BST the clocks go back to 01:00 GMT, so 01:30 happens twice.
FIRST_0130 = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)  # 01:30 BST
SECOND_0130 = dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)  # 01:30 GMT


def test_the_repeated_hour_of_the_clocks_back_night_reads_bst_then_gmt() -> None:
    assert moment_text(FIRST_0130, "j M Y, H:i") == "25 Oct 2026, 01:30 BST"
    assert moment_text(SECOND_0130, "j M Y, H:i") == "25 Oct 2026, 01:30 GMT"


def test_summer_and_winter_hours_carry_their_zone() -> None:
    assert moment_text(dt.datetime(2026, 7, 1, 8, 5, tzinfo=dt.UTC), "H:i") == "09:05 BST"
    assert moment_text(dt.datetime(2026, 1, 5, 8, 5, tzinfo=dt.UTC), "H:i:s") == "08:05:00 GMT"


def test_nothing_shows_as_nothing_and_a_date_alone_has_no_zone() -> None:
    assert moment_text(None, "H:i") == ""
    assert moment_text(dt.date(2026, 10, 25), "j F Y") == "25 October 2026"


def test_the_template_filter_shows_the_zone() -> None:
    template = Template('{% load clock %}{{ first|at:"l j F, H:i" }} / {{ second|at:"H:i" }}')

    text = template.render(Context({"first": FIRST_0130, "second": SECOND_0130}))

    assert text == "Sunday 25 October, 01:30 BST / 01:30 GMT"


def test_pdf_times_carry_their_zone_too() -> None:
    assert when(FIRST_0130) == "25 October 2026, 01:30 BST"
    assert when(SECOND_0130) == "25 October 2026, 01:30 GMT"
    assert when(dt.datetime(2026, 10, 25, 1, 30)) == "25 October 2026, 01:30"  # naive: no zone


FORMATS = [
    "j F Y, H:i",
    "l j F Y, H:i",
    "l j F, H:i",
    "j M H:i",
    "D j M Y, H:i",
    "j M Y, H:i:s",
    "H:i, j F Y",
    "d/m/Y G:i",
    "n/j/y",
    r"j \o\f F",
    "N j, Y",  # "N" isn't worked out here: the whole format goes to Django's own formatting
    "P",
]


@pytest.mark.parametrize("format", FORMATS)
def test_moments_read_exactly_as_djangos_date_formatting_gives_them(format) -> None:
    from django.utils import dateformat, timezone

    start = dt.datetime(2025, 1, 1, 0, 7, 9, tzinfo=dt.UTC)
    for step in range(0, 24 * 400, 37):  # every month, weekday and hour, with minutes and seconds
        moment = start + dt.timedelta(hours=step, minutes=step % 60, seconds=step % 59)
        local = timezone.localtime(moment)
        assert moment_text(moment, format) == f"{dateformat.format(local, format)} {local.tzname()}"
        day = local.date()
        if "H" not in format and "G" not in format and "P" not in format:
            assert moment_text(day, format) == dateformat.format(day, format)
