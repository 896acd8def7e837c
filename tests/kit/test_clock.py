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


def _spans() -> list[tuple[dt.datetime, dt.datetime]]:
    """Pairs of moments a few minutes to a few years apart, across month ends and leap days."""
    import random

    chosen = random.Random(14)
    zones = [dt.UTC, timezone_london()]
    pairs = []
    for _ in range(4000):
        start = dt.datetime(2023, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
            seconds=chosen.randrange(0, 3 * 365 * 86400), microseconds=chosen.randrange(10**6)
        )
        gap = chosen.choice([59, 60, 3599, 86400, 7 * 86400, 29 * 86400, 400 * 86400])
        end = start + dt.timedelta(seconds=chosen.randrange(0, gap * 3))
        pairs.append((start.astimezone(chosen.choice(zones)), end.astimezone(chosen.choice(zones))))
    # Month ends and the leap day, to the second.
    for day in ("2024-01-31", "2024-02-29", "2023-02-28", "2024-03-31", "2024-12-31"):
        start = dt.datetime.fromisoformat(f"{day}T23:59:59+00:00")
        for later in (1, 60, 86400, 30 * 86400, 31 * 86400, 365 * 86400, 366 * 86400):
            pairs.append((start, start + dt.timedelta(seconds=later)))
    return pairs


def timezone_london() -> dt.tzinfo:
    import zoneinfo

    return zoneinfo.ZoneInfo("Europe/London")


def test_how_long_ago_and_until_read_exactly_as_djangos_timesince_and_timeuntil() -> None:
    from django.utils.timesince import timesince, timeuntil

    from kit.clock import time_since, time_until

    for earlier, later in _spans():
        assert time_since(earlier, later) == timesince(earlier, later), (earlier, later)
        assert time_until(later, earlier) == timeuntil(later, earlier), (earlier, later)
        # The wrong way round is no time at all, as Django has it.
        assert time_since(later, earlier) == timesince(later, earlier)
        assert time_since(earlier, later, depth=1) == timesince(earlier, later, depth=1)
    day = dt.date(2024, 2, 29)
    assert time_since(day, dt.date(2025, 3, 1)) == timesince(day, dt.date(2025, 3, 1))


def test_the_since_and_until_filters_word_the_present_as_django_does() -> None:
    from django.utils import timezone

    now = timezone.now()
    moment = now - dt.timedelta(days=3, hours=4, minutes=5)
    rendered = Template(
        "{% load clock %}{{ moment|since:now }}|{{ due|until:now }}|{{ none|since }}"
    )
    text = rendered.render(
        Context({"moment": moment, "now": now, "due": now + dt.timedelta(hours=2)})
    )
    assert text == "3\xa0days, 4\xa0hours|2\xa0hours|"
    assert Template("{% load clock %}{{ moment|since }}").render(Context({"moment": moment})) == (
        "3\xa0days, 4\xa0hours"
    )


def test_since_follows_the_language_when_it_is_not_english() -> None:
    from django.utils import translation
    from django.utils.timesince import timesince

    from kit.clock import time_since

    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    with translation.override("fr"):
        assert time_since(start, start + dt.timedelta(days=2)) == timesince(
            start, start + dt.timedelta(days=2)
        )
