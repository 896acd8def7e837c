from __future__ import annotations

from django import forms

from audit.models import AuditKind
from audit.selectors import LogFilters
from audit.services import REVEAL_REASON_MIN
from directory.models import User

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RevealForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need to know who made this report?",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=REVEAL_REASON_MIN,
        max_length=500,
        help_text="Your name, the time and this reason are kept in the case's access history, which the HR "
        "lead and the information governance lead can read.",
        error_messages={
            "required": "Give a reason for revealing the reporter's name.",
            "min_length": f"Give a fuller reason, of at least {REVEAL_REASON_MIN} characters.",
            "max_length": "Keep the reason to 500 characters or fewer.",
        },
    )


class AuditLogForm(forms.Form):
    kind = forms.ChoiceField(label="What", choices=[("", "Everything")] + list(AuditKind.choices), required=False)
    start = forms.DateField(label="From", required=False, widget=_DATE)
    end = forms.DateField(label="To", required=False, widget=_DATE)
    person = forms.EmailField(
        label="Person (work email)", required=False,
        help_text="Their actions, and failed sign-ins with this email address.",
    )
    case = forms.CharField(label="Case reference", required=False, max_length=32)

    def clean(self) -> dict:
        data = super().clean()
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
