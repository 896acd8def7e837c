"""Links: only http and https go in, and nothing stored is ever turned into a link that runs."""

from __future__ import annotations

import importlib
import io
import re
from html.parser import HTMLParser

import pytest
from django import forms
from django.urls import reverse
from pypdf import PdfReader

from casework.models import CaseState
from incidents.forms import EvidenceAddForm, ReportForm
from incidents.models import EvidenceLink, Platform, Report
from policies.services import register_load
from summaries.services import summary_produce, summary_request
from tests.factories import ReportFactory, UserFactory, case_in_state
from tests.samples import report_form_data

pytestmark = pytest.mark.django_db

HOSTILE_LINKS = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "  javascript:alert(1)",
    "\x01javascript:alert(1)",
    "\u200bjavascript:alert(1)",
    "java\tscript:alert(1)",
    "javascript&colon;alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/post",
    "https:javascript:alert(1)",
    "https://\u202efacebook.com/post",
    "https://www.facebook.com/p/" + "a" * 2100,
]
SCHEMES_THAT_RUN = ("javascript:", "data:", "vbscript:", "file:")


@pytest.fixture(autouse=True)
def _policy_register(db) -> None:
    register_load()


# --------------------------------------------------------------------------- every form that takes a link


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_the_report_form_refuses_the_link_with_a_message(login, reporter, link: str) -> None:
    response = login(reporter).post(
        reverse("incidents:report_create"), report_form_data(links=link)
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["links"])
    assert any(
        words in errors
        for words in (
            "not a web link",
            "not a complete web link",
            "not a valid web link",
            "hidden characters",
            "characters long",
        )
    )
    assert Report.objects.count() == 0


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_adding_evidence_refuses_the_link_with_a_message(login, reporter, link: str) -> None:
    report = ReportFactory(reporter=reporter)
    response = login(reporter).post(
        reverse("incidents:report_detail", args=[report.reference]), {"links": link}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["links"]
    assert EvidenceLink.objects.count() == 0


def test_a_hostile_line_among_good_ones_is_named_and_nothing_is_kept(login, reporter) -> None:
    links = "https://www.facebook.com/a/posts/1\njavascript:alert(1)\nhttps://x.com/b/status/2"
    response = login(reporter).post(
        reverse("incidents:report_create"), report_form_data(links=links)
    )
    assert "“javascript:alert(1)” is not a web link" in " ".join(
        response.context["form"].errors["links"]
    )
    assert Report.objects.count() == 0


def test_web_links_are_still_accepted(login, reporter) -> None:
    links = "https://www.facebook.com/a/posts/1\nhttp://x.com/b/status/2"
    assert (
        login(reporter)
        .post(reverse("incidents:report_create"), report_form_data(links=links))
        .status_code
        == 302
    )
    assert set(EvidenceLink.objects.values_list("url", flat=True)) == set(links.splitlines())


def _project_forms() -> set[type[forms.BaseForm]]:
    apps = (
        "directory",
        "policies",
        "incidents",
        "casework",
        "notifications",
        "deadlines",
        "summaries",
        "governance",
        "audit",
        "demo",
    )
    for app in apps:
        for part in ("forms", "views", "admin"):
            try:
                importlib.import_module(f"{app}.{part}")
            except ModuleNotFoundError as error:
                if error.name != f"{app}.{part}":
                    raise
    found: set[type[forms.BaseForm]] = set()
    pending = [forms.Form, forms.ModelForm]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.split(".")[0] in apps:
                found.add(sub)
    return found


def test_every_form_field_that_takes_a_link_is_one_tested_here() -> None:
    """A new form with a link field must join the tests above, which check it refuses hostile links."""
    tested = {(ReportForm, "links"), (EvidenceAddForm, "links")}
    taking_links = {
        (form, name)
        for form in _project_forms()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.URLField) or re.search(r"link|url|href|website", name)
    }
    assert taking_links == tested


# --------------------------------------------------------------------------- stored links are never live


class _Attributes(HTMLParser):
    """Every URL-bearing attribute of a page, and its text."""

    URL_ATTRIBUTES = frozenset(
        {
            "href",
            "src",
            "action",
            "formaction",
            "data",
            "xlink:href",
            "srcdoc",
            "poster",
            "background",
        }
    )

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value or "" for name, value in attrs if name in self.URL_ATTRIBUTES]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _assert_no_live_link(html: str, *shown: str) -> None:
    page = _Attributes()
    page.feed(html)
    for url in page.urls:
        # Browsers ignore leading spaces and controls and tabs inside a scheme, so compare as they do.
        bare = re.sub(r"[\x00-\x20]", "", url).lower()
        assert not bare.startswith(SCHEMES_THAT_RUN), url
        assert re.match(r"^(/|#|\?|https?://|mailto:|$)", bare) or ":" not in bare.split("/")[0], (
            url
        )
    text = "".join(page.text)
    for value in shown:
        assert value in text  # the link is shown, as text


STORED = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(2)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
]


@pytest.fixture
def hostile_case(cast):
    """A case under investigation whose report holds links that were never validated (put in directly)."""
    case = case_in_state(CaseState.INVESTIGATION, cast, confidential=False)
    report = case.reports.get()
    for url in STORED:
        EvidenceLink.objects.create(
            report=report,
            url=url,
            normalised_url=url,
            platform=Platform.OTHER,
            added_by=cast.reporter,
        )
    return case


def test_a_stored_hostile_link_is_never_a_link_on_any_page(
    login, cast, hr_lead, hostile_case
) -> None:
    report = hostile_case.reports.get()
    shown = [url.strip() for url in STORED]
    pages = [
        (cast.reporter, reverse("incidents:report_detail", args=[report.reference])),
        (cast.reporter, reverse("incidents:report_receipt", args=[report.reference])),
        (hr_lead, reverse("casework:case_detail", args=[hostile_case.reference])),
        (cast.investigator, reverse("casework:case_detail", args=[hostile_case.reference])),
        (cast.investigator, reverse("casework:investigation", args=[hostile_case.reference])),
    ]
    for person, url in pages:
        response = login(person).get(url)
        assert response.status_code == 200, url
        _assert_no_live_link(response.content.decode(), *shown)


def test_a_stored_hostile_link_is_not_a_link_in_the_admin(login, hostile_case) -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    report = hostile_case.reports.get()
    response = login(admin).get(reverse("admin:incidents_report_change", args=[report.pk]))
    assert response.status_code == 200
    _assert_no_live_link(response.content.decode(), "javascript:alert(document.cookie)")


def test_a_stored_hostile_link_is_printed_as_text_in_the_pdf_summary(hr_lead, hostile_case) -> None:
    summary = summary_request(case=hostile_case, variant="full", by=hr_lead)
    summary_produce(summary_id=summary.pk)
    summary.refresh_from_db()
    with summary.file.open("rb") as handle:
        data = handle.read()
    reader = PdfReader(io.BytesIO(data))
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    for url in STORED:
        assert "".join(url.split()) in text
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            assert not re.sub(r"[\x00-\x20]", "", uri).lower().startswith(SCHEMES_THAT_RUN)
    assert b"/JavaScript" not in data


# --------------------------------------------------------------------------- look-alike hosts, sign-in details

LOOK_ALIKE = "https://f\u0430cebook.com/some.one/posts/123"  # Cyrillic a
LOOK_ALIKE_ASCII = "xn--fcebook-2fg.com"
WARNING = "This address uses look-alike characters: it is not facebook.com"


def _page_text(html: str) -> str:
    page = _Attributes()
    page.feed(html)
    return " ".join("".join(page.text).split())


def test_a_look_alike_link_is_kept_and_shown_with_its_true_form_and_a_warning(
    login, reporter
) -> None:
    client = login(reporter)
    response = client.post(
        reverse("incidents:report_create"), report_form_data(links=LOOK_ALIKE), follow=True
    )

    link = EvidenceLink.objects.get()
    assert link.url == LOOK_ALIKE  # the evidence as the reporter saw it
    assert link.normalised_url == f"https://{LOOK_ALIKE_ASCII}/some.one/posts/123"
    receipt = _page_text(response.content.decode())
    assert LOOK_ALIKE_ASCII in receipt and WARNING in receipt
    report = link.report
    assert report.platform == Platform.OTHER
    detail = _page_text(
        client.get(reverse("incidents:report_detail", args=[report.reference])).content.decode()
    )
    assert LOOK_ALIKE_ASCII in detail and WARNING in detail


def test_the_case_team_sees_the_look_alike_warning(login, cast, hr_lead) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast, confidential=False)
    EvidenceLink.objects.create(
        report=case.reports.get(),
        url=LOOK_ALIKE,
        normalised_url=LOOK_ALIKE,
        platform=Platform.OTHER,
        added_by=cast.reporter,
    )
    for person, url in [
        (hr_lead, reverse("casework:case_detail", args=[case.reference])),
        (cast.investigator, reverse("casework:investigation", args=[case.reference])),
    ]:
        text = _page_text(login(person).get(url).content.decode())
        assert LOOK_ALIKE_ASCII in text and WARNING in text, url


def test_an_ordinary_link_carries_no_warning(login, reporter) -> None:
    response = login(reporter).post(
        reverse("incidents:report_create"), report_form_data(), follow=True
    )
    assert "look-alike" not in response.content.decode()


def test_sign_in_details_are_removed_from_a_reported_link_and_the_reporter_told(
    login, reporter
) -> None:
    given = "https://jo.bloggs:Secret123@www.facebook.com/some.one/posts/123"
    response = login(reporter).post(
        reverse("incidents:report_create"), report_form_data(links=given), follow=True
    )

    assert EvidenceLink.objects.get().url == "https://www.facebook.com/some.one/posts/123"
    assert EvidenceLink.objects.get().platform == Platform.FACEBOOK
    page = response.content.decode()
    assert "Secret123" not in page and "jo.bloggs" not in page
    assert (
        "The link https://www.facebook.com/some.one/posts/123 had a user name or password in it. "
        "We removed them before saving the link."
    ) in _page_text(page)


def test_sign_in_details_are_removed_from_added_evidence_too(login, reporter) -> None:
    report = ReportFactory(reporter=reporter)
    url = reverse("incidents:report_detail", args=[report.reference])
    response = login(reporter).post(url, {"links": "https://me:pw@x.com/a/status/2"}, follow=True)

    assert list(report.links.values_list("url", flat=True)) == ["https://x.com/a/status/2"]
    assert "We removed them before saving the link." in _page_text(response.content.decode())
