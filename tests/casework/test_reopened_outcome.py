"""A reopened case shows the outcome it had as its previous outcome, not as its current one."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import CaseState
from summaries.models import SummaryVariant
from summaries.selectors import summary_data_for
from tests.factories import case_in_state
from tests.helpers import action_form_data, case_refresh

pytestmark = pytest.mark.django_db


def test_a_closed_case_shows_its_outcome(login, cast, hr_lead) -> None:
    case = case_in_state(CaseState.CLOSED, cast)
    page = login(hr_lead).get(reverse("casework:case_detail", args=[case.reference]))
    text = page.content.decode()
    assert (
        'Outcome</dt><dd class="nhsuk-summary-list__value">Final written warning (appeal by' in text
    )
    assert "Previous outcome" not in text


def test_after_reopening_the_outcome_is_the_previous_one(login, cast, hr_lead) -> None:
    case = case_in_state(CaseState.CLOSED, cast)
    client = login(hr_lead)
    response = client.post(
        reverse("casework:case_action", args=[case.reference, "reopen"]),
        action_form_data("reopen", case, cast),
    )
    assert response.status_code == 302
    assert case_refresh(case).state == CaseState.TRIAGE

    text = client.get(reverse("casework:case_detail", args=[case.reference])).content.decode()
    assert ">Outcome</dt>" not in text
    assert (
        'Previous outcome</dt><dd class="nhsuk-summary-list__value">Final written warning, decided'
        in text
    )
    assert "before the case was reopened" in text
    assert "Rationale for the previous outcome" in text
    assert "appeal by" not in text


def test_the_summary_of_a_reopened_case_calls_its_outcome_previous(cast, hr_lead) -> None:
    case = case_in_state(CaseState.TRIAGE, cast, everyone=True, outcome="final_written_warning")
    data = summary_data_for(
        case=case_refresh(case), variant=SummaryVariant.FULL, viewer=hr_lead, now=timezone.now()
    )
    assert data.outcome == "Final written warning (the previous outcome: the case was reopened)"
