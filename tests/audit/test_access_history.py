"""A case's access history for the HR lead and the IG lead, and the audit trail page, door by door."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditCheck, AuditEvent, AuditKind
from audit.services import audit_record
from casework.models import Case, CaseState
from directory.models import Role, User, role_group
from incidents.models import EvidenceFile
from tests.factories import PASSWORD, UserFactory, case_in_state

pytestmark = pytest.mark.django_db

WITHHELD = "Withheld (confidential reporter)"

# Every persona of tests/conftest.py, and the leads and administrator the trail is for.
PERSONAS = [
    "reporter",
    "manager",
    "poster_manager",
    "poster",
    "triage_officer",
    "investigator",
    "hr_lead",
    "governance_member",
    "outsider",
    "decision_maker",
    "ig_lead",
    "administrator",
]
MAY_READ_HISTORY = {"hr_lead", "decision_maker", "ig_lead"}
# The person who posted is also an IG lead here: they read the trail, never their own case's rows.
MAY_READ_TRAIL = {"ig_lead", "administrator", "poster"}


def _main(response) -> str:
    html = response.content.decode()
    match = re.search(r"<main\b.*?</main>", html, re.DOTALL)
    return match.group(0) if match else html


@pytest.fixture
def people(request, cast) -> dict[str, User]:
    everyone = {name: request.getfixturevalue(name) for name in PERSONAS[:10]}
    everyone["ig_lead"] = UserFactory(first_name="Iris", last_name="Infogov", roles=[Role.IG_LEAD])
    everyone["administrator"] = UserFactory(
        first_name="Ada", last_name="Admin", roles=[Role.ADMINISTRATOR]
    )
    # The person who posted holds both roles that read access histories: neither opens their own case's.
    for role in (Role.HR_LEAD, Role.IG_LEAD):
        cast.poster.groups.add(role_group(role))
    return everyone


@pytest.fixture
def case(cast) -> Case:
    return case_in_state(CaseState.INVESTIGATION, cast)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_access_history_door(login, people, case, persona) -> None:
    client = login(people[persona])
    response = client.get(reverse("casework:access_history", args=[case.reference]))
    expected = 200 if persona in MAY_READ_HISTORY else 404
    assert response.status_code == expected
    if expected == 404:
        assert case.reference not in _main(response)
    else:
        assert f"Access history of case {case.reference}" in _main(response)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_audit_trail_door(login, people, case, persona) -> None:
    client = login(people[persona])
    expected = 200 if persona in MAY_READ_TRAIL else 404
    assert client.get(reverse("audit:log")).status_code == expected
    assert client.post(reverse("audit:verify")).status_code == (302 if expected == 200 else 404)
    assert AuditCheck.objects.exists() == (expected == 200)
    # The navigation offers it exactly to those it opens for.
    home = client.get(reverse("home")).content.decode()
    assert (reverse("audit:log") in home) == (expected == 200)


@pytest.mark.parametrize(
    ("persona", "linked"),
    [
        ("hr_lead", True),
        ("investigator", False),
        ("triage_officer", False),
        ("decision_maker", True),
    ],
)
def test_the_case_page_links_to_the_history_for_the_leads_only(
    login, people, case, persona, linked
) -> None:
    page = _main(login(people[persona]).get(reverse("casework:case_detail", args=[case.reference])))
    assert (reverse("casework:access_history", args=[case.reference]) in page) == linked


def test_the_ig_lead_reads_the_history_of_a_case_they_cannot_open(login, people, case) -> None:
    client = login(people["ig_lead"])
    assert client.get(reverse("casework:case_detail", args=[case.reference])).status_code == 404
    page = _main(client.get(reverse("casework:access_history", args=[case.reference])))
    assert "Access history of case" in page
    assert (
        f'href="{reverse("casework:case_detail", args=[case.reference])}"' not in page
    )  # no link to a shut door


def test_the_history_shows_who_did_what_and_when_newest_first(login, people, case) -> None:
    hr_lead, outsider, investigator = people["hr_lead"], people["outsider"], people["investigator"]
    evidence = EvidenceFile.objects.get(report__case=case)
    login(hr_lead).get(reverse("casework:case_detail", args=[case.reference]))
    login(outsider).get(reverse("casework:case_detail", args=[case.reference]))
    login(investigator).get(reverse("incidents:evidence_download", args=[evidence.pk]))
    login(hr_lead).post(
        reverse("casework:reveal_reporter", args=[case.reference, case.reference]),
        {"reason": "Checking the investigator has no conflict of interest."},
    )
    other_case = case_in_state(CaseState.TRIAGE, _cast_again(people))
    login(hr_lead).get(reverse("casework:case_detail", args=[other_case.reference]))

    ig_lead = people["ig_lead"]
    response = login(ig_lead).get(reverse("casework:access_history", args=[case.reference]))
    rows = [(row.who, row.event.get_kind_display(), row.what) for row in response.context["rows"]]
    assert rows == [
        (ig_lead.get_full_name(), "Audit trail viewed", "Viewed the case's access history"),
        (
            hr_lead.get_full_name(),
            "Confidential reporter revealed",
            (
                f"Revealed the reporter of {case.reference}. Reason given: Checking the investigator has no "
                "conflict of interest."
            ),
        ),
        (
            investigator.get_full_name(),
            "Evidence file downloaded",
            f"Downloaded evidence file {evidence.pk} of report {case.reference}",
        ),
        (
            outsider.get_full_name(),
            "Access refused",
            f"Refused (404, not found or not allowed): GET /cases/{case.reference}/",
        ),
        (hr_lead.get_full_name(), "Case page viewed", "Viewed the case page"),
        (WITHHELD, "Case event", f"Report received (report {case.reference})"),
    ]
    page = _main(response)
    assert other_case.reference not in page
    assert "Checking the investigator has no conflict of interest." in page


def _cast_again(people: dict[str, User]):
    from tests.factories import Cast

    return Cast(
        reporter=UserFactory(),
        poster=UserFactory(line_manager=UserFactory()),
        line_manager=UserFactory(),
        triage_officer=people["triage_officer"],
        investigator=people["investigator"],
        decision_maker=people["decision_maker"],
    )


def test_the_history_never_names_a_confidential_reporter_to_the_ig_lead(
    login, people, case
) -> None:
    reporter = people["reporter"]
    login(reporter).get(
        reverse("casework:case_detail", args=[case.reference])
    )  # refused, against the case
    page = _main(
        login(people["ig_lead"]).get(reverse("casework:access_history", args=[case.reference]))
    )
    assert reporter.get_full_name() not in page and reporter.email not in page
    assert page.count(WITHHELD) >= 2  # the report received, and the refused look
    # The HR lead sees "reveal" there too, until they reveal.
    hr = login(people["hr_lead"])
    page = _main(hr.get(reverse("casework:access_history", args=[case.reference])))
    assert reporter.get_full_name() not in page and "Confidential reporter — <a" in page


def test_the_history_is_paginated(login, people, case) -> None:
    for _ in range(60):
        audit_record(
            kind=AuditKind.CASE_VIEWED, actor=people["hr_lead"], case=case, detail={"page": "case"}
        )
    client = login(people["ig_lead"])
    first = client.get(reverse("casework:access_history", args=[case.reference]))
    assert len(first.context["rows"]) == 50
    assert first.context["rows"][0].event.kind == AuditKind.AUDIT_VIEWED  # this very look, newest
    older = first.context["page"].older_query
    assert older and "page=" not in older  # keyset paging: the next page starts after this one
    second = client.get(reverse("casework:access_history", args=[case.reference]) + older)
    assert second.context["rows"][-1].event.detail == {
        "event": "report_received",
        "report": case.reference,
        "to": CaseState.INVESTIGATION,
    }


# --- The audit trail page -----------------------------------------------------------


def _rows(client, **query: str) -> list[AuditEvent]:
    response = client.get(reverse("audit:log"), query)
    assert response.status_code == 200
    return [row.event for row in response.context["rows"]]


def test_the_trail_filters_by_kind_person_case_and_date(login, people, case) -> None:
    hr_lead, outsider = people["hr_lead"], people["outsider"]
    with time_machine.travel(timezone.now() - dt.timedelta(days=3)):
        audit_record(kind=AuditKind.CASE_VIEWED, actor=outsider, detail={"page": "case"})
    login(hr_lead).get(reverse("casework:case_detail", args=[case.reference]))
    login(outsider).get(reverse("casework:case_detail", args=[case.reference]))
    client = login(people["ig_lead"])

    assert {row.kind for row in _rows(client, kind="access_refused")} == {AuditKind.ACCESS_REFUSED}
    assert {row.actor for row in _rows(client, person=outsider.email.upper())} == {outsider}
    assert {row.case_reference for row in _rows(client, case=case.reference)} == {case.reference}
    today = timezone.localdate().isoformat()
    recent = _rows(client, person=outsider.email, start=today, end=today)
    assert recent and all(
        timezone.localtime(row.at).date() == timezone.localdate() for row in recent
    )
    assert len(_rows(client, person=outsider.email)) == len(recent) + 1
    bad = client.get(reverse("audit:log"), {"start": today, "end": "2020-01-01"})
    assert "The “To” date must be on or after the “From” date." in bad.content.decode()


def test_failed_sign_ins_are_found_by_the_address_tried(client, login, people) -> None:
    login(people["outsider"])
    client.post(
        reverse("login"), {"username": "nobody.here@trust.example.nhs.uk", "password": PASSWORD}
    )
    client.post(
        reverse("login"), {"username": people["outsider"].email, "password": "wrong-password-1"}
    )
    reader = login(people["ig_lead"])
    response = reader.get(reverse("audit:log"), {"person": "Nobody.Here@trust.example.nhs.uk"})
    assert [row.event.kind for row in response.context["rows"]] == [AuditKind.SIGN_IN_FAILED]
    assert "Nobody in Flagpost has that email address" in response.content.decode()
    kinds = [row.kind for row in _rows(reader, person=people["outsider"].email)]
    assert AuditKind.SIGN_IN_FAILED in kinds and AuditKind.SIGNED_IN in kinds


def test_the_trail_never_gives_away_a_confidential_reporter(login, people, case) -> None:
    reporter = people["reporter"]
    reader = login(people["administrator"])
    page = _main(reader.get(reverse("audit:log")))
    assert reporter.get_full_name() not in page and WITHHELD in page
    # Searching for the reporter finds their sign-in, and nothing on the case they reported in confidence.
    login(reporter)
    found = _rows(reader, person=reporter.email)
    assert [row.kind for row in found] == [AuditKind.SIGNED_IN]


def test_verify_now_says_whether_the_chain_holds(login, people, case) -> None:
    client = login(people["administrator"])
    response = client.post(reverse("audit:verify"), follow=True)
    check = AuditCheck.objects.get()
    assert check.ok and check.by == people["administrator"]
    page = _main(response)
    assert f"The audit trail is intact: {check.rows_verified} rows verified." in page
    assert f"<strong>intact</strong>, {check.rows_verified} rows verified." in page


def test_the_person_who_posted_reads_the_trail_without_their_own_case(login, people, case) -> None:
    login(people["hr_lead"]).get(reverse("casework:case_detail", args=[case.reference]))
    rows = _rows(login(people["poster"]))
    assert rows and all(row.case_id != case.pk for row in rows)
    assert not _rows(login(people["poster"]), case=case.reference)
