from __future__ import annotations

from django import forms

from kit.forms import Form
from records.services import HOLD_REASON_MIN


def _reason(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=HOLD_REASON_MIN,
        max_length=1000,
        error_messages={
            "required": "Give the reason for the legal hold.",
            "min_length": f"Give a fuller reason, of at least {HOLD_REASON_MIN} characters.",
            "max_length": "Keep the reason to 1,000 characters or fewer.",
        },
    )


class LegalHoldPlaceForm(Form):
    reason = _reason(
        "Why must this case's records be kept?",
        "For example a tribunal claim, a court case or an inquiry, with its reference. While the hold lasts, "
        "nothing on the case is removed under the retention schedule. Your name, the time and this reason are "
        "recorded in the audit trail.",
    )


class LegalHoldLiftForm(Form):
    reason = _reason(
        "Why can the hold be lifted?",
        "For example, the claim was settled or withdrawn. The case then follows the retention schedule again.",
    )


class PersonSearchForm(Form):
    q = forms.CharField(
        label="Name or work email",
        min_length=2,
        max_length=200,
        help_text="Part of a name or an email address is enough. People who have left are included.",
        error_messages={
            "required": "Enter a name or a work email address to search for.",
            "min_length": "Enter at least 2 characters of a name or an email address.",
            "max_length": "Enter no more than 200 characters.",
        },
    )
