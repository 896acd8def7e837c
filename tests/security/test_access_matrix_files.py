"""Who gets which file: every persona × evidence, PDF summaries and governance exports.

The expected tables are written out by hand from DOMAIN.md and casework/access.py
(not computed from the access module, so a change to a rule shows up here):
a file someone may not have answers 404, exactly like a file that doesn't exist,
and the person who posted never gets anything about their own case.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from casework.models import Case, CaseState
from directory.models import Role, User, role_group
from governance.figures import Filters
from governance.services import pack_produce, pack_request
from incidents.models import EvidenceFile
from summaries.models import CaseSummary
from summaries.services import summary_produce, summary_request
from tests.factories import case_in_state

pytestmark = pytest.mark.django_db

PERSONAS = (
    "anonymous",
    "reporter",
    "manager",
    "poster",
    "poster_manager",
    "triage_officer",
    "other_triage_officer",
    "investigator",
    "other_investigator",
    "hr_lead",
    "decision_maker",
    "governance_member",
    "safeguarding_lead",
    "ig_lead",
    "communications_lead",
    "outsider",
)
VARIANTS = ("full", "manager", "employee")
HR = {"hr_lead", "decision_maker"}  # the decision maker is an HR lead, who sees every case

# Who may download the case's evidence file, by the case's state.
EVIDENCE = {
    "triage": {"reporter", "triage_officer", "other_triage_officer"} | HR,
    "investigation": {"reporter", "triage_officer", "poster_manager", "investigator"} | HR,
    "closed": {"reporter", "triage_officer", "poster_manager", "investigator"} | HR,
    "flagged": {
        "reporter",
        "triage_officer",
        "poster_manager",
        "investigator",
        "safeguarding_lead",
        "ig_lead",
    }
    | HR,
}
# Who may have each PDF summary: full and employee's bundle for HR and the assigned
# investigator; the manager's summary also for the poster's line manager once involved.
SUMMARIES = {
    "triage": {"full": HR, "manager": HR, "employee": HR},
    "investigation": {
        "full": HR | {"investigator"},
        "manager": HR | {"investigator", "poster_manager"},
        "employee": HR | {"investigator"},
    },
}
SUMMARIES["closed"] = SUMMARIES["flagged"] = SUMMARIES["investigation"]
GOVERNANCE = {"governance_member"} | HR

GOVERNANCE_QUERY = {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"}


@pytest.fixture
def people(
    reporter,
    manager,
    poster,
    poster_manager,
    triage_officer,
    other_triage_officer,
    investigator,
    other_investigator,
    hr_lead,
    decision_maker,
    governance_member,
    safeguarding_lead,
    ig_lead,
    communications_lead,
    outsider,
) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "reporter": reporter,
        "manager": manager,
        "poster": poster,
        "poster_manager": poster_manager,
        "triage_officer": triage_officer,
        "other_triage_officer": other_triage_officer,
        "investigator": investigator,
        "other_investigator": other_investigator,
        "hr_lead": hr_lead,
        "decision_maker": decision_maker,
        "governance_member": governance_member,
        "safeguarding_lead": safeguarding_lead,
        "ig_lead": ig_lead,
        "communications_lead": communications_lead,
        "outsider": outsider,
    }


def _case(scenario: str, cast) -> Case:
    if scenario == "flagged":
        return case_in_state(
            CaseState.INVESTIGATION, cast, flag_safeguarding=True, flag_data_breach=True
        )
    return case_in_state(scenario, cast)


def _client(person: User | None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def _outcome(response) -> str:
    """200 / 404 / "done" for a redirect after a POST that worked / "login" for a sign-in redirect."""
    if response.status_code == 302:
        return "login" if response["Location"].startswith(reverse("login")) else "done"
    return str(response.status_code)


def _drained(response) -> object:
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response


@pytest.mark.parametrize("scenario", ["triage", "investigation", "closed", "flagged"])
def test_case_files_matrix(scenario, cast, people, hr_lead) -> None:
    case = _case(scenario, cast)
    evidence = EvidenceFile.objects.get(report__case=case)
    summaries = {}
    for variant in VARIANTS:
        summary = summary_request(case=case, variant=variant, by=hr_lead)
        summary_produce(summary_id=summary.pk)
        summaries[variant] = CaseSummary.objects.get(pk=summary.pk)
    # The person who posted gets none of this, even holding every role Flagpost has.
    cast.poster.groups.add(*(role_group(role) for role in Role))
    expected: dict[tuple[str, str], str] = {}
    actual: dict[tuple[str, str], str] = {}
    for name in PERSONAS:
        person = people[name]
        client = _client(person)
        allowed = name in EVIDENCE[scenario]
        expected[name, "evidence"] = "login" if person is None else ("200" if allowed else "404")
        actual[name, "evidence"] = _outcome(
            _drained(client.get(reverse("incidents:evidence_download", args=[evidence.pk])))
        )
        for variant, summary in summaries.items():
            allowed = name in SUMMARIES[scenario][variant]
            yes, no = ("login", "login") if person is None else ("200", "404")
            expected[name, f"{variant} status"] = yes if allowed else no
            actual[name, f"{variant} status"] = _outcome(
                client.get(reverse("summaries:status", args=[case.reference, summary.pk]))
            )
            expected[name, f"{variant} download"] = yes if allowed else no
            actual[name, f"{variant} download"] = _outcome(
                _drained(
                    client.get(reverse("summaries:download", args=[case.reference, summary.pk]))
                )
            )
            expected[name, f"{variant} create"] = (
                "login" if person is None else ("done" if allowed else "404")
            )
            actual[name, f"{variant} create"] = _outcome(
                client.post(
                    reverse("summaries:create", args=[case.reference]), {"variant": variant}
                )
            )
    assert actual == expected


def test_governance_exports_matrix(people, hr_lead) -> None:
    pack = pack_request(
        filters=Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31)), by=hr_lead
    )
    pack_produce(pack_id=pack.pk)
    expected: dict[tuple[str, str], str] = {}
    actual: dict[tuple[str, str], str] = {}
    resources = {
        "dashboard": lambda c: c.get(reverse("governance:dashboard"), GOVERNANCE_QUERY),
        "table csv": lambda c: c.get(
            reverse("governance:export_table", args=["by_platform"]), GOVERNANCE_QUERY
        ),
        "all csv zip": lambda c: c.get(reverse("governance:export_all"), GOVERNANCE_QUERY),
        "pack download": lambda c: _drained(
            c.get(reverse("governance:pack_download", args=[pack.pk]))
        ),
        "pack request": lambda c: c.post(reverse("governance:pack_create"), {"period": "quarter"}),
    }
    for name in PERSONAS:
        person = people[name]
        client = _client(person)
        allowed = name in GOVERNANCE
        for resource, fetch in resources.items():
            if person is None:
                expected[name, resource] = "login"
            elif resource == "pack request":
                expected[name, resource] = "done" if allowed else "404"
            else:
                expected[name, resource] = "200" if allowed else "404"
            actual[name, resource] = _outcome(fetch(client))
    assert actual == expected


def test_a_summary_of_another_case_is_404_even_with_its_own_number(
    login, cast, hr_lead, investigator
) -> None:
    """Summary addresses carry the case: a summary can't be fetched through a case the user can see."""
    mine = case_in_state(CaseState.INVESTIGATION, cast)
    other = case_in_state(CaseState.TRIAGE, cast)  # the investigator isn't on this one
    summary = summary_request(case=other, variant="full", by=hr_lead)
    summary_produce(summary_id=summary.pk)
    client = login(investigator)
    assert (
        client.get(reverse("summaries:download", args=[mine.reference, summary.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("summaries:status", args=[mine.reference, summary.pk])).status_code
        == 404
    )
