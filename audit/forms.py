from __future__ import annotations

from typing import Any

from django import forms

from audit.models import AuditKind
from audit.selectors import LogFilters
from directory.models import User
from kit.forms import Form

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditLogForm(Form):
    kind = forms.ChoiceField(
        label="What", choices=[("", "Everything")] + list(AuditKind.choices), required=False
    )
    start = forms.DateField(
        label="From",
        required=False,
        widget=_DATE,
        error_messages={"invalid": "Enter a real date in “From”, like 01/12/2026."},
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=_DATE,
        error_messages={"invalid": "Enter a real date in “To”, like 01/12/2026."},
    )
    person = forms.EmailField(
        label="Person (work email)",
        required=False,
        error_messages={"invalid": "Enter the person's work email address, like name@nhs.net."},
        help_text="Their actions, and failed sign-ins with this email address.",
    )
    case = forms.CharField(label="Case reference", required=False, max_length=32)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The “To” date must be on or after the “From” date.")
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
