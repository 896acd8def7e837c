"""Security headers, and pages that work under a Content-Security-Policy with no inline code.

The policy forbids inline scripts, inline event handlers and style attributes,
so every template is read for them as well as the pages people see.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from casework.models import CaseState
from directory.models import Role
from tests.factories import PASSWORD, Cast, UserFactory, case_in_state
from tests.security.helpers import production_probe

TEMPLATES = Path(django_settings.BASE_DIR) / "templates"
# Documents, not pages: email HTML is read by mail programs, and the subject access archive's
# index is opened from a downloaded file; neither is served under the policy, and both need
# their styles inline to look right on their own.
DOCUMENT_TEMPLATES = [
    TEMPLATES / "notifications" / "email",
    TEMPLATES / "records" / "sar_archive.html",
]

EXPECTED_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(header: str) -> dict[str, str]:
    directives = [part.strip() for part in header.split(";") if part.strip()]
    return {name: value for name, _, value in (d.partition(" ") for d in directives)}


class InlineCodeFinder(HTMLParser):
    """Collects what a no-inline policy would block: inline scripts, handlers, styles."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value for name, value in attrs}
        for name, value in names.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name == "style":
                self.problems.append(f"<{tag} style=…> attribute")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            # A JSON data block (json_script) never runs; anything else must come from a file.
            is_data = (names.get("type") or "").lower() == "application/json"
            if "src" not in names and not is_data:
                self.problems.append("inline <script>")


def _inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.problems


def _web_templates() -> list[Path]:
    return sorted(
        path
        for path in TEMPLATES.rglob("*.html")
        if not any(path == document or document in path.parents for document in DOCUMENT_TEMPLATES)
    )


# --- The policy and the other headers --------------------------------------------------------


@pytest.mark.django_db
def test_pages_carry_the_content_security_policy(login, reporter) -> None:
    response = login(reporter).get(reverse("incidents:report_create"))
    policy = _policy(response["Content-Security-Policy"])
    assert policy == EXPECTED_POLICY
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_pages_forbid_framing_sniffing_and_leaking_the_address(client) -> None:
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# Framing, type sniffing, the referrer and the policy: on every answer, whatever produced it.
BASELINE = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _baseline_missing(headers) -> dict[str, str | None]:
    missing: dict[str, str | None] = {
        name: headers.get(name) for name, value in BASELINE.items() if headers.get(name) != value
    }
    if _policy(headers.get("Content-Security-Policy", "")) != EXPECTED_POLICY:
        missing["Content-Security-Policy"] = headers.get("Content-Security-Policy")
    return missing


@pytest.mark.django_db
def test_the_400_page_carries_the_frame_and_content_policies(settings, client) -> None:
    # A host Flagpost doesn't answer to is refused by CommonMiddleware, before the framing middleware ran.
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["flagpost.example.nhs.uk"]
    response = client.get(reverse("login"), HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert _baseline_missing(response) == {}


@pytest.mark.django_db
def test_a_400_refused_before_any_middleware_still_carries_the_headers(settings) -> None:
    # With the https redirect on, SecurityMiddleware itself asks for the host: the very first middleware fails.
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["flagpost.example.nhs.uk"]
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get(reverse("login"), HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert _baseline_missing(response) == {}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.urls("tests.security.error_urls")
def test_every_error_page_carries_the_security_headers(login, reporter) -> None:
    staff = UserFactory(is_staff=True)
    answers = {
        # Staff without the permission, at an admin page that refuses them.
        "403": login(staff).get(reverse("admin:incidents_report_add")),
        "403 csrf": Client(enforce_csrf_checks=True).post(reverse("login"), {}),
        "404": login(reporter).get("/no-such-page/"),
        "500": Client(raise_request_exception=False).get("/test-only/fails/"),
    }
    assert {name: response.status_code for name, response in answers.items()} == {
        "403": 403,
        "403 csrf": 403,
        "404": 404,
        "500": 500,
    }
    assert {name: _baseline_missing(response) for name, response in answers.items()} == {
        name: {} for name in answers
    }


def test_static_files_carry_the_frame_and_content_policies() -> None:
    static = production_probe()["static_file"]
    assert static["status"] == 200
    assert _baseline_missing(static["headers"]) == {}


def test_production_400_page_carries_the_security_headers() -> None:
    refused = production_probe()["spoofed_host_http"]
    assert refused["status"] == 400
    assert _baseline_missing(refused["headers"]) == {}


def test_no_page_needs_data_images() -> None:
    # The policy allows images from Flagpost's own files only. Nothing of ours, and nothing of the
    # admin's, draws an image from a data: address, so none is allowed.
    import django.contrib.admin

    admin_app = Path(django.contrib.admin.__file__).parent
    roots = [
        Path(django_settings.BASE_DIR) / "static",
        TEMPLATES,
        admin_app / "static",
        admin_app / "templates",
    ]
    data_image = re.compile(
        r"""url\(\s*["']?\s*data:|src\s*=\s*["']\s*data:|["']data:image/""", re.IGNORECASE
    )
    found = [
        str(path)
        for root in roots
        for path in root.rglob("*")
        if path.suffix in {".css", ".js", ".html", ".svg"}
        and data_image.search(path.read_text(errors="replace"))
    ]
    assert found == []


def test_production_sends_hsts_and_the_policy() -> None:
    headers = production_probe()["https_page"]["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert _policy(headers["Content-Security-Policy"]) == EXPECTED_POLICY
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_session_cookie_is_secure_and_http_only_with_production_settings(
    settings, reporter
) -> None:
    settings.SESSION_COOKIE_SECURE = production_probe()["settings"]["SESSION_COOKIE_SECURE"]
    client = Client()
    client.post(reverse("login"), {"username": reporter.email, "password": PASSWORD}, secure=True)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"]
    assert cookie["samesite"] == "Lax"


# --- No inline code ---------------------------------------------------------------------------------


def test_the_finder_catches_what_the_policy_would_block() -> None:
    assert _inline_code("<script>alert(1)</script>") == ["inline <script>"]
    assert _inline_code('<button onclick="go()">Go</button>') == [
        "<button onclick=…> event handler"
    ]
    assert _inline_code('<p style="color:red">x</p>') == ["<p style=…> attribute"]
    assert _inline_code("<style>p{}</style>") == ["<style> element"]
    assert _inline_code('<a href=" JavaScript:go()">x</a>') == ["<a href=javascript:…>"]
    assert (
        _inline_code(
            '<script src="/static/js/a.js"></script>'
            '<script id="d" type="application/json">{}</script>'
        )
        == []
    )


def test_no_web_template_has_inline_code() -> None:
    templates = _web_templates()
    assert len(templates) > 20  # the folder was found
    problems = {
        str(path.relative_to(TEMPLATES)): found
        for path in templates
        if (found := _inline_code(path.read_text()))
    }
    assert problems == {}


def test_no_script_of_ours_writes_markup_or_reads_cookies() -> None:
    # innerHTML and friends would let text become code; document.cookie would need the CSRF
    # cookie readable by scripts, which it is not.
    risky = re.compile(
        r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|document\.cookie|eval\(|new Function"
    )
    scripts = sorted((Path(django_settings.BASE_DIR) / "static" / "js").glob("*.js"))
    assert scripts
    assert {
        path.name: risky.findall(path.read_text())
        for path in scripts
        if risky.search(path.read_text())
    } == {}


@pytest.fixture
def case_cast(reporter, poster, poster_manager, triage_officer, investigator, hr_lead) -> Cast:
    return Cast(
        reporter=reporter,
        poster=poster,
        line_manager=poster_manager,
        triage_officer=triage_officer,
        investigator=investigator,
        decision_maker=hr_lead,
    )


@pytest.fixture
def people(db, case_cast, hr_lead, governance_member):
    admin = UserFactory(roles=[Role.ADMINISTRATOR, Role.HR_LEAD], is_staff=True, is_superuser=True)
    case = case_in_state(CaseState.INVESTIGATION, case_cast)
    return {
        "reporter": case_cast.reporter,
        "triage": case_cast.triage_officer,
        "hr_lead": hr_lead,
        "governance": governance_member,
        "admin": admin,
        "case": case,
    }


def test_the_pages_people_see_have_no_inline_code(login, people, client) -> None:
    case = people["case"]
    pages = {
        None: [reverse("login")],
        "reporter": [
            reverse("home"),
            reverse("incidents:report_create"),
            reverse("incidents:my_reports"),
            reverse("incidents:report_detail", args=[case.reports.first().reference]),
            reverse("notifications:inbox"),
            reverse("notifications:preferences"),
            reverse("summaries:verify"),
        ],
        "triage": [reverse("casework:triage_queue"), reverse("casework:case_list")],
        "hr_lead": [
            reverse("casework:case_detail", args=[case.reference]),
            reverse("casework:investigation", args=[case.reference]),
        ],
        "governance": [reverse("governance:dashboard")],
        "admin": [reverse("admin:index")],
    }
    checked = 0
    for who, urls in pages.items():
        browser = client if who is None else login(people[who])
        for url in urls:
            response = browser.get(url)
            assert response.status_code == 200, url
            assert _inline_code(response.content.decode()) == [], url
            checked += 1
    assert checked == 14


@pytest.mark.django_db
def test_the_error_pages_have_no_inline_code(login, reporter) -> None:
    response = login(reporter).get("/no-such-page/")
    assert response.status_code == 404
    assert _inline_code(response.content.decode()) == []
    csrf_refused = Client(enforce_csrf_checks=True).post(reverse("login"), {})
    assert csrf_refused.status_code == 403
    assert "Your form was not sent" in csrf_refused.content.decode()
    assert _inline_code(csrf_refused.content.decode()) == []
