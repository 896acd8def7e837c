from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from directory.models import Directorate
from governance.figures import Filters, Period, whole_months
from incidents.models import Platform
from kit.forms import Form

PERIOD_CHOICES = [
    (Period.MONTH, "Month"),
    (Period.QUARTER, "Quarter"),
    (Period.YEAR, "Year"),
    (Period.CUSTOM, "From – to"),
]


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar month, quarter or year that contains ``day``."""
    if period == Period.MONTH:
        return whole_months(day, day)
    if period == Period.YEAR:
        return whole_months(dt.date(day.year, 1, 1), dt.date(day.year, 12, 1))
    first_month = 3 * ((day.month - 1) // 3) + 1
    return whole_months(dt.date(day.year, first_month, 1), dt.date(day.year, first_month + 2, 1))


class FiguresForm(Form):
    period = forms.ChoiceField(
        label="Period", choices=PERIOD_CHOICES, initial=Period.QUARTER, required=False
    )
    on = forms.DateField(
        label="Containing the date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date for the period to contain, like 01/12/2026."},
        help_text="For a month, quarter or year.",
    )
    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date in “From”, like 01/12/2026."},
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date in “To”, like 01/12/2026."},
    )
    directorate = forms.ModelChoiceField(
        label="Directorate",
        queryset=Directorate.objects.all(),
        required=False,
        empty_label="All directorates",
    )
    platform = forms.ChoiceField(
        label="Site", choices=[("", "All sites")] + list(Platform.choices), required=False
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("period") == Period.CUSTOM:
            start, end = cleaned.get("start"), cleaned.get("end")
            if self.errors:
                return cleaned  # a date that isn't one has already been named
            if not start:
                self.add_error("start", "Enter the date a from–to period starts.")
            if not end:
                self.add_error("end", "Enter the date a from–to period ends.")
            if not start or not end:
                return cleaned
            if start > end:
                self.add_error("end", "The “To” date must be on or after the “From” date.")
            elif (end - start).days > 366 * 5:
                self.add_error("end", "Choose a from–to period of five years or less.")
        return cleaned

    @property
    def is_custom(self) -> bool:
        """A valid from–to period was asked for (the page then says which whole months it shows)."""
        return (
            self.is_bound and self.is_valid() and self.cleaned_data.get("period") == Period.CUSTOM
        )

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        period = data.get("period") or Period.QUARTER
        directorate = data.get("directorate")
        platform = data.get("platform") or None
        if period == Period.CUSTOM:
            # Whole months only, so that ranges a day apart can't be set side by side to isolate
            # that day. The fields keep what was typed; the page states the months shown.
            start, end = whole_months(data["start"], data["end"])
            granularity = Period.MONTH if (end - start).days <= 400 else Period.QUARTER
        else:
            start, end = period_bounds(period, data.get("on") or timezone.localdate())
            granularity = period
        return Filters(
            start=start,
            end=end,
            period=granularity,
            directorate_id=directorate.pk if directorate else None,
            platform=platform,
        )
