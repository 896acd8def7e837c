"""Dates read the UK way: "1 December 2026" on the page, 01/12/2026 accepted in a box."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.template import Context, Template
from django.utils import formats

from casework.forms import FlagForm, OutcomeForm
from incidents.forms import ReportForm

DAY = dt.date(2026, 12, 1)
MOMENT = dt.datetime(2026, 12, 1, 14, 30)


def test_dates_and_times_are_written_out() -> None:
    assert formats.date_format(DAY) == "1 December 2026"
    assert formats.date_format(MOMENT, "DATETIME_FORMAT") == "1 December 2026, 14:30"
    assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == "01/12/2026"
    assert Template("{{ day|date }}").render(Context({"day": DAY})) == "1 December 2026"


@pytest.mark.parametrize(
    "typed", ["01/12/2026", "1/12/2026", "01/12/26", "1 December 2026", "2026-12-01"]
)
def test_a_typed_date_is_read_day_first(typed: str) -> None:
    assert forms.DateField().clean(typed) == DAY


@pytest.mark.parametrize(
    "field",
    [
        OutcomeForm.base_fields["appeal_deadline"],
        FlagForm.base_fields["became_aware_at"],
        ReportForm.base_fields["seen_at"],
        ReportForm.base_fields["posted_at"],
    ],
)
def test_the_date_boxes_take_a_uk_date_and_what_a_browser_s_picker_sends(field) -> None:
    if isinstance(field, forms.DateTimeField):
        uk, picker, expected = "01/12/2026 14:30", "2026-12-01T14:30", MOMENT
    else:
        uk, picker, expected = "01/12/2026", "2026-12-01", DAY

    def value(cleaned: dt.date) -> dt.date:
        return cleaned.replace(tzinfo=None) if isinstance(cleaned, dt.datetime) else cleaned

    assert value(field.clean(uk)) == expected
    assert value(field.clean(picker)) == expected
