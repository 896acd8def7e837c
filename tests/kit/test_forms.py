"""Error messages name their field; the error summary links to the field's input."""

from __future__ import annotations

import pytest
from django import forms

from accounts.forms import PasswordResetRequestForm, PasswordSetForm
from audit.forms import AuditLogForm
from governance.forms import FiguresForm
from incidents.forms import EvidenceAddForm, ReportForm
from kit.forms import Form, field_noun
from notifications.views import PreferenceForm
from records.forms import LegalHoldLiftForm, LegalHoldPlaceForm, PersonSearchForm
from summaries.views import VerifyForm

GENERIC = {
    str(message)
    for field_class in (
        forms.Field,
        forms.ChoiceField,
        forms.ModelChoiceField,
        forms.ModelMultipleChoiceField,
        forms.DateField,
        forms.DateTimeField,
        forms.IntegerField,
        forms.UUIDField,
    )
    for message in field_class.default_error_messages.values()
} | {"Enter a valid email address."}


class Sample(Form):
    terms_of_reference = forms.CharField(label="Terms of reference", max_length=20)
    outcome = forms.ChoiceField(
        label="Outcome", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect
    )
    appeal_deadline = forms.DateField(label="Appeal deadline")
    handle = forms.CharField(label="Their handle", error_messages={"required": "Say whose."})
    why = forms.CharField(label="Why is it being reopened?")
    email = forms.EmailField(label="Work email", required=False)


@pytest.mark.parametrize(
    "label, noun",
    [
        ("Terms of reference", "the terms of reference"),
        ("Investigator", "the investigator"),
        ("Their handle or pseudonym", "their handle or pseudonym"),
        ("ICO reference", "the ICO reference"),
        (
            "When the organisation became aware (data breaches only)",
            "when the organisation became aware",
        ),
    ],
)
def test_a_label_reads_inside_a_sentence(label: str, noun: str) -> None:
    assert field_noun(label) == noun


def test_generic_messages_are_written_from_the_label_and_a_form_s_own_are_kept() -> None:
    form = Sample(
        {"terms_of_reference": "x" * 21, "appeal_deadline": "31/02/2026", "email": "nobody"}
    )
    assert not form.is_valid()
    assert form.errors == {
        "terms_of_reference": [
            "Keep the terms of reference to 20 characters or fewer (it has 21)."
        ],
        "outcome": ["Choose the outcome."],
        "appeal_deadline": ["Enter a real date for the appeal deadline, for example 01/12/2026."],
        "handle": ["Say whose."],
        "why": ["Answer “Why is it being reopened?”."],
        "email": ["Enter an email address for the work email, like name@nhs.net."],
    }


def test_the_summary_links_to_the_input_or_the_first_option() -> None:
    form = Sample({})
    assert form["terms_of_reference"].error_anchor == "id_terms_of_reference"
    assert form["outcome"].error_anchor == "id_outcome_0"
    assert 'id="id_outcome_0"' in str(form["outcome"])


def test_a_uk_date_is_accepted_in_a_text_box() -> None:
    form = Sample(
        {
            "terms_of_reference": "ToR",
            "outcome": "a",
            "appeal_deadline": "01/12/2026",
            "handle": "h",
            "why": "w",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["appeal_deadline"].isoformat() == "2026-12-01"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make",
    [
        lambda user: ReportForm({}, reporter=user),
        lambda user: EvidenceAddForm({"links": "x" * 3}, uploader=user),
        lambda user: FiguresForm({"period": "custom", "start": "nonsense"}),
        lambda user: AuditLogForm({"start": "32/13/2026", "person": "nobody"}),
        lambda user: LegalHoldPlaceForm({}),
        lambda user: LegalHoldLiftForm({}),
        lambda user: PersonSearchForm({}),
        lambda user: VerifyForm({}),
        lambda user: PreferenceForm({}),
        lambda user: PasswordResetRequestForm({}),
        lambda user: PasswordSetForm(user, {}),
    ],
)
def test_no_form_answers_with_django_s_own_words(make, reporter) -> None:
    form = make(reporter)
    assert not form.is_valid()
    for name, errors in form.errors.items():
        for error in errors:
            assert error not in GENERIC, f"{type(form).__name__}.{name}: {error!r}"
            assert not error.startswith("Answer “"), f"{type(form).__name__}.{name}: {error!r}"
