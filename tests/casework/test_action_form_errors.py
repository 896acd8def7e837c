"""Every case action form, sent empty by someone allowed to use it, names each missing field.

The error summary at the top of the page has one line per problem; each line must say which
field it is about and link to that field's input, so a keyboard or screen reader user lands on it.
"""

from __future__ import annotations

import re

import pytest
from django import forms
from django.urls import reverse

from casework.actions import ACTION_SPECS
from casework.models import CaseState
from kit.forms import ErrorBoundField
from tests.factories import Cast, case_in_state

pytestmark = pytest.mark.django_db

NEW, TRIAGE, MANAGER_REVIEW = CaseState.NEW, CaseState.TRIAGE, CaseState.MANAGER_REVIEW
INVESTIGATION, DECISION, CLOSED = CaseState.INVESTIGATION, CaseState.DECISION, CaseState.CLOSED

# action: (the state the case is in, who takes the action, extra fields of the case)
SETUP: dict[str, tuple[str, str, dict[str, object]]] = {
    "start_triage": (NEW, "triage_officer", {}),
    "update_details": (TRIAGE, "triage_officer", {}),
    "route_to_manager": (TRIAGE, "triage_officer", {}),
    "dismiss": (TRIAGE, "triage_officer", {}),
    "escalate": (TRIAGE, "hr_lead", {}),
    "resolve_informally": (MANAGER_REVIEW, "line_manager", {}),
    "request_investigation": (MANAGER_REVIEW, "line_manager", {}),
    "assign": (INVESTIGATION, "hr_lead", {}),
    "submit_findings": (INVESTIGATION, "investigator", {}),
    "record_outcome": (DECISION, "decision_maker", {}),
    "reopen": (CLOSED, "hr_lead", {}),
    "set_flag": (TRIAGE, "triage_officer", {}),
    "respond_to_flag": (TRIAGE, "safeguarding_lead", {"flag_safeguarding": True}),
    "link_handle": (TRIAGE, "triage_officer", {}),
    "add_note": (TRIAGE, "triage_officer", {}),
}

GENERIC = {
    str(message)
    for field_class in (
        forms.Field,
        forms.ChoiceField,
        forms.ModelChoiceField,
        forms.DateField,
        forms.DateTimeField,
        forms.IntegerField,
    )
    for message in field_class.default_error_messages.values()
}
_QUIET_WORDS = {"what", "when", "which", "does", "this", "that", "with", "your", "their", "have"}
_LINK = re.compile(r'<li><a href="#([^"]+)">([^<]+)</a></li>')


def _summary(page: str) -> str:
    match = re.search(r'<div class="nhsuk-error-summary".*?</div>', page, re.DOTALL)
    assert match, "no error summary on the page"
    return match.group(0)


def names_field(message: str, label: str) -> bool:
    """The message uses a word of the label (its first six letters, so "reopening" names "reopened")."""
    words = [
        w for w in re.findall(r"[a-z]+", label.lower()) if len(w) >= 4 and w not in _QUIET_WORDS
    ]
    return any(word[:6] in message.lower() for word in words)


def test_every_action_on_the_case_page_is_covered() -> None:
    assert set(SETUP) == set(ACTION_SPECS)


@pytest.mark.parametrize("action", list(SETUP))
def test_an_empty_form_names_and_links_every_required_field(
    action, login, cast: Cast, hr_lead, safeguarding_lead
) -> None:
    state, persona, fields = SETUP[action]
    case = case_in_state(state, cast, **fields)
    people = {"hr_lead": hr_lead, "safeguarding_lead": safeguarding_lead}
    user = people.get(persona) or getattr(cast, persona)
    url = reverse("casework:case_action", args=[case.reference, action])
    client = login(user)
    form = client.get(url).context["form"]
    required = [field for field in form.visible_fields() if field.field.required]

    response = client.post(url, {"seen_revision": case.revision})

    if not required:
        assert response.status_code == 302  # nothing to leave out: the action is taken
        return
    assert response.status_code == 400
    page = response.content.decode()
    links = _LINK.findall(_summary(page))
    assert links, "the summary links to nothing"
    for target, message in links:
        assert message not in GENERIC, f"{action}: Django's own message {message!r}"
        # A question label writes its own message: "Answer “Why …?”." is only the fallback.
        assert not message.startswith("Answer “"), f"{action}: {message!r}"
        assert f'id="{target}"' in page, (
            f"{action}: the summary links to #{target}, not on the page"
        )
    by_target = dict(links)
    for field in required:
        assert isinstance(field, ErrorBoundField)
        target = field.error_anchor
        assert target in by_target, f"{action}: {field.name} is missing from the summary"
        assert names_field(by_target[target], str(field.label)), (
            f"{action}: {by_target[target]!r} doesn't say it is about “{field.label}”"
        )
        # The field shows the same message, in the element its input is described by.
        assert f'id="{field.auto_id}_error"' in page
