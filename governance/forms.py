from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from directory.models import Directorate
from governance.figures import Filters, Period
from incidents.models import Platform

PERIOD_CHOICES = [
    (Period.MONTH, "Month"),
    (Period.QUARTER, "Quarter"),
    (Period.YEAR, "Year"),
    (Period.CUSTOM, "From – to"),
]


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The month, quarter or year that contains ``day``."""
    if period == Period.MONTH:
        start = day.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    elif period == Period.YEAR:
        start, end = dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    else:
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = dt.date(day.year, first_month, 1)
        end = (dt.date(day.year + (first_month == 10), (first_month + 3 - 1) % 12 + 1, 1)) - dt.timedelta(days=1)
    return start, end


class FiguresForm(forms.Form):
    period = forms.ChoiceField(label="Period", choices=PERIOD_CHOICES, initial=Period.QUARTER, required=False)
    on = forms.DateField(
        label="Containing the date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="For a month, quarter or year.",
    )
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"},
                                                                                    format="%Y-%m-%d"))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"},
                                                                                format="%Y-%m-%d"))
    directorate = forms.ModelChoiceField(label="Directorate", queryset=Directorate.objects.all(), required=False,
                                         empty_label="All directorates")
    platform = forms.ChoiceField(label="Site", choices=[("", "All sites")] + list(Platform.choices), required=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("period") == Period.CUSTOM:
            start, end = cleaned.get("start"), cleaned.get("end")
            if not start or not end:
                raise forms.ValidationError("Give both dates for a from–to period.")
            if start > end:
                raise forms.ValidationError("The start date is after the end date.")
            if (end - start).days > 366 * 5:
                raise forms.ValidationError("Choose a period of five years or less.")
        return cleaned

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        period = data.get("period") or Period.QUARTER
        directorate = data.get("directorate")
        platform = data.get("platform") or None
        if period == Period.CUSTOM:
            start, end = data["start"], data["end"]
            granularity = Period.MONTH if (end - start).days <= 400 else Period.QUARTER
        else:
            start, end = period_bounds(period, data.get("on") or timezone.localdate())
            granularity = period
        return Filters(start=start, end=end, period=granularity,
                       directorate_id=directorate.pk if directorate else None, platform=platform)
