"""Helpers the tests import: plain functions, never fixtures (those live in conftest.py)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.test import Client
from django.utils import timezone

from casework.models import Case, CaseEvent, Finding
from directory.models import User
from incidents.models import Report
from tests.factories import Cast


def require_service(variable: str, why: str) -> None:
    """Skip a test that needs a service it cannot reach, naming the variable.

    Under FLAGPOST_REQUIRE_SERVICES=1 (set by CI) a missing service fails the
    test instead, so CI can never go green by skipping.
    """
    message = f"{why} (set {variable})"
    if os.environ.get("FLAGPOST_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required service missing: {message}")
    pytest.skip(message)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def action_form_data(action: str, case: Case, cast: Cast) -> dict[str, object]:
    """A submission of an action's form that is valid for someone allowed to make it."""
    data: dict[str, object] = {"seen_revision": case.revision, "note": "Checked the screenshots."}
    principles = list(case.principles.all())
    if action == "update_details":
        data |= {
            "poster": cast.poster.pk,
            "poster_handle": "ward_paul",
            "principles": [p.pk for p in principles],
            "triage_summary": "Updated summary.",
        }
    elif action == "dismiss":
        data |= {"reason": "no_breach"}
    elif action == "resolve_informally":
        data |= {
            "action_taken": "Post removed; we talked about the policy.",
            "post_removed": "on",
            "employee_spoken_to": "on",
        }
    elif action == "assign":
        data |= {"investigator": cast.investigator.pk, "decision_maker": cast.decision_maker.pk}
    elif action == "submit_findings":
        data |= {
            "terms_of_reference": "Did the post identify a patient?",
            "evidence_summary": "Screenshots.",
            "interview_records": "",
            "recommendation": "Final written warning.",
        }
        data |= {f"finding_{p.pk}": "upheld" for p in principles}
    elif action == "record_outcome":
        data |= {
            "outcome": "final_written_warning",
            "rationale": "The post identified a patient.",
            "appeal_deadline": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        }
    elif action == "reopen":
        data |= {"reason": "appeal"}
    elif action == "set_flag":
        data |= {"flag": "data_breach", "raised": "1"}
    elif action == "link_handle":
        data |= {"handle": "ward_paul", "user": cast.poster.pk}
    return data


def case_refresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def snapshot(case: Case) -> tuple[str, int, int, int, int]:
    """What a refused action must leave alone: state, revision, timeline, findings, reports."""
    fresh = case_refresh(case)
    return (
        fresh.state,
        fresh.revision,
        CaseEvent.objects.filter(case=case).count(),
        Finding.objects.filter(case=case).count(),
        Report.objects.filter(case=case).count(),
    )
