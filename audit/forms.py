from __future__ import annotations

from typing import Any

from django import forms

from audit.models import AuditKind
from audit.selectors import LogFilters
from directory.models import User

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditLogForm(forms.Form):
    kind = forms.ChoiceField(
        label="What", choices=[("", "Everything")] + list(AuditKind.choices), required=False
    )
    start = forms.DateField(label="From", required=False, widget=_DATE)
    end = forms.DateField(label="To", required=False, widget=_DATE)
    person = forms.EmailField(
        label="Person (work email)",
        required=False,
        help_text="Their actions, and failed sign-ins with this email address.",
    )
    case = forms.CharField(label="Case reference", required=False, max_length=32)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end date must be on or after the start date.")
        return data

    def filters(self) -> LogFilters:
        if not self.is_valid():
            return LogFilters()
        data = self.cleaned_data
        email = (data.get("person") or "").strip()
        person = User.objects.filter(email__iexact=email).first() if email else None
        return LogFilters(
            kind=data.get("kind") or "",
            start=data.get("start"),
            end=data.get("end"),
            person=person,
            person_email=email,
            case_reference=(data.get("case") or "").strip(),
        )
