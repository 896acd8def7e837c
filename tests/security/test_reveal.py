"""A confidential reporter's name stays hidden, even from those allowed to know it, until revealed with a reason."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent, AuditKind
from casework.models import Case, CaseEvent, CaseState, EventKind
from directory.models import Role
from summaries.models import CaseSummary
from summaries.services import summary_produce, summary_request
from tests.factories import UserFactory, case_in_state, evidence_file_make, report_make

pytestmark = pytest.mark.django_db

WITHHELD = "Withheld (confidential reporter)"
REASON = "Checking for a conflict of interest before assigning the investigator."


def _main(response) -> str:
    html = response.content.decode()
    match = re.search(r"<main\b.*?</main>", html, re.DOTALL)
    return match.group(0) if match else html


def _reveal_url(case: Case, **query: str) -> str:
    url = reverse("casework:reveal_reporter", args=[case.reference, case.reference])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def case(cast) -> Case:
    """Under investigation, reported in confidence, with a file the reporter added."""
    return case_in_state(CaseState.INVESTIGATION, cast)


def _page(client, case: Case, name: str = "casework:case_detail") -> str:
    response = client.get(reverse(name, args=[case.reference]))
    assert response.status_code == 200
    return _main(response)


@pytest.mark.parametrize("who", ["hr_lead", "investigator"])
def test_those_allowed_see_reveal_instead_of_the_name_everywhere(
    login, cast, case, hr_lead, who
) -> None:
    person = hr_lead if who == "hr_lead" else cast.investigator
    client = login(person)
    for page_name in ("casework:case_detail", "casework:investigation"):
        page = _page(client, case, page_name)
        assert cast.reporter.get_full_name() not in page and WITHHELD not in page
        reveal = reverse("casework:reveal_reporter", args=[case.reference, case.reference])
        assert f'Confidential reporter — <a href="{reveal}' in page
    detail = _page(client, case)
    # The report card, the file's "added by" and the timeline's "report received" line.
    assert detail.count("Confidential reporter — <a") == 3


def test_revealing_needs_a_reason(login, case, hr_lead) -> None:
    client = login(hr_lead)
    form = client.get(_reveal_url(case))
    assert (
        form.status_code == 200
        and "Why do you need to know who made this report?" in form.content.decode()
    )
    for reason, message in [
        ("", "Give a reason for revealing the reporter&#x27;s name."),
        ("   ", "Give a reason for revealing the reporter&#x27;s name."),
        ("curious", "Give a fuller reason, of at least 10 characters."),
    ]:
        response = client.post(_reveal_url(case), {"reason": reason})
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not AuditEvent.objects.filter(kind=AuditKind.REPORTER_REVEALED).exists()
    assert "Confidential reporter — <a" in _page(client, case)


def test_a_reveal_is_audited_and_lasts_for_the_session(login, cast, case, hr_lead) -> None:
    client = login(hr_lead)
    response = client.post(_reveal_url(case), {"reason": REASON})
    assert response.status_code == 302 and response["Location"] == reverse(
        "casework:case_detail", args=[case.reference]
    )
    [row] = AuditEvent.objects.filter(kind=AuditKind.REPORTER_REVEALED)
    assert row.actor == hr_lead and row.case == case
    assert row.detail == {"report": case.reference, "reason": REASON}
    for _ in range(2):
        page = _page(client, case)
        assert cast.reporter.get_full_name() in page and "Confidential reporter" not in page
    assert cast.reporter.get_full_name() in _page(client, case, "casework:investigation")
    # A new session starts hidden again; so does anyone else's.
    assert cast.reporter.get_full_name() not in _page(login(hr_lead), case)
    assert cast.reporter.get_full_name() not in _page(login(cast.investigator), case)


def test_a_reveal_covers_one_report_only(login, cast, case, hr_lead) -> None:
    other = UserFactory(first_name="Olga", last_name="Otherreporter")
    second = report_make(
        case=case, reporter=other, confidential=True, reference=f"{case.reference}-2"
    )
    client = login(hr_lead)
    client.post(_reveal_url(case), {"reason": REASON})
    page = _page(client, case)
    assert cast.reporter.get_full_name() in page and other.get_full_name() not in page
    assert reverse("casework:reveal_reporter", args=[case.reference, second.reference]) in page


def test_reveal_from_the_workspace_returns_there_and_nowhere_else(login, case, hr_lead) -> None:
    client = login(hr_lead)
    back = client.post(_reveal_url(case, **{"from": "investigation"}), {"reason": REASON})
    assert back["Location"] == reverse("casework:investigation", args=[case.reference])
    elsewhere = client.post(
        _reveal_url(case, **{"from": "https://evil.example/"}), {"reason": REASON}
    )
    assert elsewhere["Location"] == reverse("casework:case_detail", args=[case.reference])


@pytest.mark.parametrize(
    "who", ["line_manager", "triage_officer", "ig_lead", "outsider", "reporter", "poster"]
)
def test_nobody_else_can_reveal(login, cast, case, outsider, who) -> None:
    case.flag_data_breach = (
        True  # so the IG lead sees the case, and still may not know the reporter
    )
    case.save(update_fields=["flag_data_breach"])
    people = {
        "line_manager": cast.line_manager,
        "triage_officer": cast.triage_officer,
        "ig_lead": UserFactory(roles=[Role.IG_LEAD]),
        "outsider": outsider,
        "reporter": cast.reporter,
        "poster": cast.poster,
    }
    client = login(people[who])
    assert client.get(_reveal_url(case)).status_code == 404
    assert client.post(_reveal_url(case), {"reason": REASON}).status_code == 404
    assert not AuditEvent.objects.filter(kind=AuditKind.REPORTER_REVEALED).exists()
    if who in ("line_manager", "ig_lead", "triage_officer"):
        page = _page(client, case)
        assert (
            WITHHELD in page and "Reveal" not in page and cast.reporter.get_full_name() not in page
        )


def test_a_report_not_made_in_confidence_has_nothing_to_reveal(login, cast, hr_lead) -> None:
    open_case = case_in_state(CaseState.INVESTIGATION, cast, confidential=False)
    client = login(hr_lead)
    assert cast.reporter.get_full_name() in _page(client, open_case)
    assert client.get(_reveal_url(open_case)).status_code == 404


@pytest.mark.parametrize("variant", ["full", "manager", "employee"])
def test_no_pdf_summary_prints_a_confidential_reporters_name(case, cast, hr_lead, variant) -> None:
    evidence_file_make(report=case.reports.get(), by=cast.reporter)
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.NOTE,
        actor=cast.reporter,
        note="More context.",
        to_state=case.state,
    )
    summary = summary_request(case=case, variant=variant, by=hr_lead)
    summary_produce(summary_id=summary.pk)
    with CaseSummary.objects.get(pk=summary.pk).file.open("rb") as handle:
        data = handle.read()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Withheld" in text
    for part in (cast.reporter.get_full_name(), cast.reporter.first_name, cast.reporter.email):
        assert part not in text


@pytest.mark.parametrize("who", ["hr_lead", "poster_manager"])
def test_an_open_report_by_a_confidential_reporter_does_not_name_them(
    login, cast, case, hr_lead, who
) -> None:
    """One report in confidence and one not, on the same case: the open one must not give the first away."""
    report_make(
        case=case, reporter=cast.reporter, confidential=False, reference=f"{case.reference}-2"
    )
    person = hr_lead if who == "hr_lead" else cast.line_manager
    page = _page(login(person), case)
    assert cast.reporter.get_full_name() not in page
    if who == "hr_lead":
        client = login(hr_lead)
        client.post(_reveal_url(case), {"reason": REASON})
        assert cast.reporter.get_full_name() in _page(client, case)
