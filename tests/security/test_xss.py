"""Script in every free-text field comes back as text: escaped on every page, literal in every PDF.

Each field gets its own payload, tagged with the field's name, typed through
the real forms by the person who would type it; then every page that shows
the case is read as a browser would parse it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from casework.models import Case, CaseState, Flag
from casework.services import case_flag_respond
from directory.models import Role
from governance.figures import Figures, Filters, Period, Table
from governance.pack import committee_pack_render
from incidents.models import Report
from policies.services import principles_for_reporting, register_load
from summaries.models import CaseSummary
from tests.factories import CaseFactory, ReportFactory, UserFactory, case_in_state
from tests.samples import png_bytes, report_form_data, upload

pytestmark = pytest.mark.django_db


def payload(field: str) -> str:
    return f'<script>alert("{field}")</script>"\'><img src=x onerror=alert(1)>'


# The upload's name can't hold a slash (it would be a folder), so its payload has none.
FILE_PAYLOAD = "'><img src=x onerror=alert(7)>.png"


class _Page(HTMLParser):
    """What a browser would make of a page: its elements' attributes, inline scripts and text."""

    def __init__(self) -> None:
        super().__init__()
        self.handlers: list[tuple[str, str]] = []
        self.inline_scripts = 0
        self.images: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handlers += [(tag, name) for name, _ in attrs if name.startswith("on")]
        if tag == "script":
            self._in_script = True
            if not dict(attrs).get("src"):
                self.inline_scripts += 1
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if not self._in_script:
            self.text.append(data)


def _read(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _assert_inert(html: str, where: str) -> _Page:
    page = _read(html)
    assert page.handlers == [], where
    assert page.inline_scripts == 0, where
    assert "x" not in page.images, where
    assert "<img src=x" not in html and 'alert("' not in html.replace("&quot;", ""), where
    return page


def _assert_shown(html: str, where: str, *fields: str, lower: tuple[str, ...] = ()) -> None:
    text = "".join(_assert_inert(html, where).text)
    for field in fields:
        assert payload(field) in text, f"{field} not shown as text on {where}"
    for field in lower:
        assert payload(field).lower() in text, f"{field} not shown as text on {where}"


def _pdf_text(data: bytes) -> str:
    # Wrapping puts line breaks anywhere, so spaces and breaks are ignored on both sides.
    return "".join(
        "".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages
    )


def _in_pdf(value: str, text: str) -> bool:
    return "".join(value.split()) in text


# --------------------------------------------------------------------------- the flow


def _act(client, case: Case, action: str, **data: object):
    fresh = Case.objects.get(pk=case.pk)
    response = client.post(
        reverse("casework:case_action", args=[case.reference, action]),
        {"seen_revision": fresh.revision, **data},
    )
    assert response.status_code == 302, (
        action,
        re.findall(r"(?s)<main.*</main>", response.content.decode()),
    )
    return response


@pytest.fixture
def safeguarding_lead(db):
    return UserFactory(first_name="Sam", last_name="Safeguarding", roles=[Role.SAFEGUARDING_LEAD])


@pytest.fixture
def hostile_case(
    login, cast, hr_lead, safeguarding_lead, django_capture_on_commit_callbacks
) -> Case:
    """A case taken from report to outcome with a payload typed into every free-text field on the way."""
    register_load()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.reporter).post(
            reverse("incidents:report_create"),
            report_form_data(
                description=payload("description"),
                poster_kind="handle",
                poster_handle=payload("reporter's handle"),
                screenshots=[upload(FILE_PAYLOAD, png_bytes(), "image/png")],
            ),
        )
        assert response.status_code == 302
        case = Report.objects.get().case
        triage = login(cast.triage_officer)
        _act(triage, case, "start_triage", note=payload("start triage note"))
        principle = principles_for_reporting().first()
        _act(
            triage,
            case,
            "update_details",
            poster=cast.poster.pk,
            poster_handle=payload("triage handle"),
            principles=[principle.pk],
            triage_summary=payload("triage summary"),
            note=payload("details note"),
        )
        _act(triage, case, "set_flag", flag="safeguarding", raised="1", note=payload("flag note"))
        # Through the service: the case page offers no "respond to flag" action (its spec
        # is marked as a transition, and the case has no such transition).
        case_flag_respond(
            case=Case.objects.get(pk=case.pk),
            by=safeguarding_lead,
            flag=Flag.SAFEGUARDING,
            note=payload("flag response"),
        )
        _act(
            triage,
            case,
            "link_handle",
            handle=payload("linked handle"),
            user=cast.poster.pk,
            note=payload("link note"),
        )
        _act(triage, case, "route_to_manager", note=payload("route note"))
        _act(
            login(cast.line_manager),
            case,
            "request_investigation",
            note=payload("investigation request"),
        )
        _act(
            login(hr_lead),
            case,
            "assign",
            investigator=cast.investigator.pk,
            decision_maker=cast.decision_maker.pk,
            note=payload("assign note"),
        )
        _act(login(hr_lead), case, "add_note", note=payload("hr note"))
        _act(
            login(cast.investigator),
            case,
            "submit_findings",
            terms_of_reference=payload("terms of reference"),
            evidence_summary=payload("evidence summary"),
            interview_records=payload("interview records"),
            recommendation=payload("recommendation"),
            note=payload("findings note"),
            **{f"finding_{principle.pk}": "upheld"},
        )
        _act(
            login(cast.decision_maker),
            case,
            "record_outcome",
            outcome="final_written_warning",
            rationale=payload("rationale"),
            note=payload("outcome note"),
            appeal_deadline=(timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        )
    return Case.objects.get(pk=case.pk)


CASE_PAGE_FIELDS = (
    "description",
    "reporter's handle",
    "triage handle",
    "triage summary",
    "recommendation",
    "rationale",
    "start triage note",
    "details note",
    "flag note",
    "link note",
    "route note",
    "investigation request",
    "assign note",
    "flag response",
    "hr note",
    "findings note",
    "outcome note",
)
WORKSPACE_FIELDS = ("terms of reference", "evidence summary", "interview records")


def test_every_field_is_shown_as_text_on_the_case_page(login, hr_lead, hostile_case) -> None:
    html = (
        login(hr_lead)
        .get(reverse("casework:case_detail", args=[hostile_case.reference]))
        .content.decode()
    )
    _assert_shown(html, "case page", *CASE_PAGE_FIELDS, lower=("linked handle",))
    assert FILE_PAYLOAD in "".join(_read(html).text)


def test_investigation_papers_are_shown_as_text_in_the_workspace(login, cast, hostile_case) -> None:
    response = login(cast.investigator).get(
        reverse("casework:investigation", args=[hostile_case.reference])
    )
    assert response.status_code == 200
    html = response.content.decode()
    _assert_shown(html, "investigation workspace", *WORKSPACE_FIELDS)
    assert FILE_PAYLOAD in "".join(_read(html).text)


def test_the_reporters_own_pages_show_their_words_as_text(login, cast, hostile_case) -> None:
    client = login(cast.reporter)
    reference = hostile_case.reports.get().reference
    html = client.get(reverse("incidents:report_detail", args=[reference])).content.decode()
    _assert_shown(html, "report page", "description", "reporter's handle")
    assert FILE_PAYLOAD in "".join(_read(html).text)
    html = client.get(reverse("incidents:report_receipt", args=[reference])).content.decode()
    assert FILE_PAYLOAD in "".join(_assert_inert(html, "receipt").text)
    _assert_inert(client.get(reverse("incidents:my_reports")).content.decode(), "my reports")


def test_lists_inboxes_and_emails_stay_inert(login, cast, hr_lead, hostile_case) -> None:
    pages = [
        (hr_lead, reverse("casework:case_list")),
        (hr_lead, reverse("casework:triage_queue")),
        (cast.triage_officer, reverse("casework:case_list")),
    ]
    people = (
        cast.reporter,
        cast.line_manager,
        cast.triage_officer,
        cast.investigator,
        cast.decision_maker,
        hr_lead,
    )
    pages += [(person, reverse("notifications:inbox")) for person in people]
    for person, url in pages:
        response = login(person).get(url)
        assert response.status_code == 200, url
        _assert_inert(response.content.decode(), url)
    assert mail.outbox
    for message in mail.outbox:
        for body, kind in getattr(message, "alternatives", []):
            if kind == "text/html":
                _assert_inert(body, f"email “{message.subject}”")
        assert "<img src=x" not in message.subject


def test_the_admin_shows_the_words_as_text(login, hostile_case) -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    report = hostile_case.reports.get()
    html = (
        login(admin)
        .get(reverse("admin:incidents_report_change", args=[report.pk]))
        .content.decode()
    )
    _assert_inert(html, "admin report")
    assert payload("description") in "".join(_read(html).text)


def test_other_free_text_fields_are_escaped_too(login, cast, hr_lead) -> None:
    """The fields the main case's path doesn't pass: an informal resolution, a withdrawal, a reflected reference."""
    informal = case_in_state(CaseState.MANAGER_REVIEW, cast, confidential=False)
    _act(
        login(cast.line_manager),
        informal,
        "resolve_informally",
        action_taken=payload("action taken"),
        employee_spoken_to="on",
        note=payload("informal note"),
    )
    html = (
        login(hr_lead)
        .get(reverse("casework:case_detail", args=[informal.reference]))
        .content.decode()
    )
    _assert_shown(html, "informal case", "action taken", "informal note")

    withdrawn = CaseFactory(state=CaseState.NEW)
    report = ReportFactory(case=withdrawn, reference=withdrawn.reference, reporter=cast.reporter)
    response = login(cast.reporter).post(
        reverse("incidents:report_withdraw", args=[report.reference]),
        {"seen_revision": withdrawn.revision, "note": payload("withdrawal")},
    )
    assert response.status_code == 302
    html = (
        login(hr_lead)
        .get(reverse("casework:case_detail", args=[withdrawn.reference]))
        .content.decode()
    )
    _assert_shown(html, "withdrawn case", "withdrawal")

    triage = case_in_state(CaseState.TRIAGE, cast)
    reflected = '"><img src=x onerror=alert(1)>'  # a reference field holds 32 characters
    response = login(cast.triage_officer).post(
        reverse("casework:case_action", args=[triage.reference, "dismiss"]),
        {
            "seen_revision": triage.revision,
            "reason": "duplicate",
            "duplicate_of": reflected,
            "note": "x",
        },
    )
    html = response.content.decode()
    _assert_inert(html, "dismiss form")
    assert reflected.upper() in "".join(_read(html).text)  # named back in the error, as text


# --------------------------------------------------------------------------- PDFs


def _summary(client, case: Case, variant: str, django_capture_on_commit_callbacks) -> bytes:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("summaries:create", args=[case.reference]), {"variant": variant})
    summary = CaseSummary.objects.filter(case=case, variant=variant).latest("pk")
    with summary.file.open("rb") as handle:
        return handle.read()


def test_every_field_is_printed_literally_in_the_full_summary(
    login, hr_lead, hostile_case, django_capture_on_commit_callbacks
) -> None:
    data = _summary(login(hr_lead), hostile_case, "full", django_capture_on_commit_callbacks)
    text = _pdf_text(data)
    for field in CASE_PAGE_FIELDS + WORKSPACE_FIELDS:
        if field in ("reporter's handle", "triage handle"):
            continue  # the summary names the person identified, not the handles typed on the way
        assert _in_pdf(payload(field), text), f"{field} not printed literally"
    assert _in_pdf(FILE_PAYLOAD, text)
    assert b"/JavaScript" not in data and b"/URI" not in data


def test_the_informal_resolution_is_printed_literally(
    login, cast, hr_lead, django_capture_on_commit_callbacks
) -> None:
    case = case_in_state(CaseState.MANAGER_REVIEW, cast, confidential=False)
    _act(
        login(cast.line_manager),
        case,
        "resolve_informally",
        action_taken=payload("action taken"),
        employee_spoken_to="on",
        note=payload("informal note"),
    )
    text = _pdf_text(_summary(login(hr_lead), case, "full", django_capture_on_commit_callbacks))
    assert _in_pdf(payload("action taken"), text) and _in_pdf(payload("informal note"), text)


def test_the_committee_pack_prints_labels_and_names_literally() -> None:
    figures = Figures(
        filters=Filters(dt.date(2026, 1, 1), dt.date(2026, 3, 31), Period.QUARTER),
        generated_at=dt.datetime(2026, 4, 8, 9, 5, tzinfo=dt.UTC),
        tables=(
            Table(
                "policies",
                "Policy register",
                ("Policy", "Status"),
                ((payload("policy title"), "Past its expiry date"),),
            ),
        ),
    )
    text = _pdf_text(committee_pack_render(figures, prepared_for=payload("prepared for")))
    assert _in_pdf(payload("policy title"), text)
    assert _in_pdf(payload("prepared for"), text)


def test_no_template_marks_text_safe() -> None:
    """Escaping is Django's default; nothing in Flagpost's templates turns it off."""
    offenders = []
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        source = template.read_text()
        if re.search(r"\|\s*safe\b|autoescape\s+off|\|\s*safeseq\b", source):
            offenders.append(str(template))
    assert offenders == []
