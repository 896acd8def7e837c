"""What the action pages say: the case's state in a sentence, and a sentence when it is done."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from casework.actions import ACTIONS
from casework.models import STATE_PHRASES, CaseState
from tests.casework.test_action_form_errors import SETUP
from tests.factories import Cast, case_in_state
from tests.helpers import action_form_data

pytestmark = pytest.mark.django_db


def test_every_state_reads_in_a_sentence() -> None:
    assert set(STATE_PHRASES) == set(CaseState.values)
    assert STATE_PHRASES[CaseState.INVESTIGATION] == "under investigation"
    assert STATE_PHRASES[CaseState.TRIAGE] == "at triage"


def _actor(persona: str, cast: Cast, hr_lead, safeguarding_lead):
    return {"hr_lead": hr_lead, "safeguarding_lead": safeguarding_lead}.get(persona) or getattr(
        cast, persona
    )


@pytest.mark.parametrize(
    "action",
    ["start_triage", "dismiss", "request_investigation", "assign", "record_outcome", "reopen"],
)
def test_the_action_page_says_where_the_case_is_in_a_sentence(
    action, login, cast, hr_lead, safeguarding_lead
) -> None:
    state, persona, fields = SETUP[action]
    case = case_in_state(state, cast, **fields)
    page = (
        login(_actor(persona, cast, hr_lead, safeguarding_lead))
        .get(reverse("casework:case_action", args=[case.reference, action]))
        .content.decode()
    )
    assert f"Case {case.reference} is <strong>{STATE_PHRASES[state]}</strong>." in page


def test_an_action_at_the_wrong_stage_says_so_in_a_sentence(login, cast) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    response = login(cast.triage_officer).get(
        reverse("casework:case_action", args=[case.reference, "dismiss"])
    )
    assert response.status_code == 409
    message = "“Dismiss” can't be done while the case is under investigation."
    assert html.escape(message) in response.content.decode()


def test_every_done_message_is_a_sentence() -> None:
    for name, declared in ACTIONS.items():
        assert re.fullmatch(r"[A-Z][^:]*\.", declared.done), f"{name}: {declared.done!r}"
        assert " hr " not in f" {declared.done} ", name


@pytest.mark.parametrize("action", ["request_investigation", "assign", "dismiss"])
def test_a_done_action_is_told_in_a_sentence_naming_roles_properly(
    action, login, cast, hr_lead, safeguarding_lead
) -> None:
    state, persona, fields = SETUP[action]
    case = case_in_state(state, cast, **fields)
    response = login(_actor(persona, cast, hr_lead, safeguarding_lead)).post(
        reverse("casework:case_action", args=[case.reference, action]),
        action_form_data(action, case, cast),
    )
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == ACTIONS[action].done
    assert not message.startswith("Done")
    if action == "request_investigation":
        assert message == "You have asked HR for a formal investigation."
