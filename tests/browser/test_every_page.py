"""Every page type, as the role that uses it, at a phone's width and a desktop's.

On each page, at 320 px and at 1280 px:

* nothing scrolls sideways (WCAG 2.2 1.4.10 Reflow): the document is no wider
  than the viewport, and when it is, the failure names the elements that stick
  out past the right edge;
* axe-core finds no WCAG 2.0, 2.1 or 2.2 level A or AA violation.

The demo organisation is seeded once and every page is visited in one test,
so a single run lists every offending page rather than stopping at the first;
each role keeps one signed-in browser context throughout. Which pages exist
is read from the URL configuration: ``test_every_url_is_a_page_visited_or_a_
stated_exception`` fails when a URL name is neither visited here nor excused
in ``NOT_PAGES`` with its reason, so a new page can't go unchecked.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, Response

from accounts.links import password_link
from casework.actions import ACTION_SPECS
from casework.models import Case, CaseState
from demo.services import demo_email, demo_seed
from directory.models import User
from governance.models import CommitteePack
from incidents.files import evidence_file_check
from incidents.models import Report
from incidents.services import report_add_evidence
from records.services import legal_hold_place
from summaries.models import CaseSummary
from tests.samples import png_bytes

pytestmark = pytest.mark.browser

# Each page is loaded once at the desktop's width, then narrowed to the phone's, as someone
# zooming in to 400% would see it (WCAG 1.4.10 is about exactly that: the same page, no reload).
WIDTHS = (1280, 320)
HEIGHT = 900

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA (2.2 added no level A rule axe can test).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# When the page scrolls sideways: the elements that stick out past the viewport's right edge,
# outermost first (an element whose parent sticks out too is left to its parent), widest
# first. Fixed elements, and elements clipped by an ancestor that doesn't let them show
# (overflow other than visible, itself inside the viewport), are left out: neither widens the
# page. A table is named by its caption or label, and a sibling by its position, so a page with
# several tables says which one (a table with neither, by the heading before it).
OVERFLOW_JS = """
() => {
  const root = document.documentElement;
  const limit = root.clientWidth;
  if (root.scrollWidth <= limit) return null;
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) return name + '#' + el.id;
    for (const cls of el.classList) name += '.' + cls;
    const parent = el.parentElement;
    const same = parent ? [...parent.children].filter((c) => c.tagName === el.tagName) : [];
    if (same.length > 1) name += `:nth-of-type(${same.indexOf(el) + 1})`;
    return parent && parent !== document.body ? describe(parent) + ' > ' + name : name;
  };
  const heading = (el) => {
    for (let before = el.previousElementSibling; before; before = before.previousElementSibling) {
      if (/^H[1-6]$/.test(before.tagName)) return before.textContent;
    }
    return '';
  };
  const label = (el) => {
    const own = (el.caption && el.caption.textContent) || el.getAttribute('aria-label');
    const text = own || (el.tagName === 'TABLE' ? heading(el) : '');
    const words = (text || '').trim().replace(/\\s+/g, ' ');
    return words ? ` "${words.slice(0, 60)}"` : '';
  };
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.position === 'fixed') return true;
      if (style.overflowX !== 'visible' && up.getBoundingClientRect().right <= limit + 0.5) return true;
    }
    return false;
  };
  const past = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right <= limit + 0.5 || (box.width === 0 && box.height === 0)) continue;
    if (getComputedStyle(el).position === 'fixed' || clipped(el)) continue;
    past.add(el);
  }
  const outermost = [...past].filter((el) => !past.has(el.parentElement)).map((el) => {
    const box = el.getBoundingClientRect();
    return {element: describe(el) + label(el), width: Math.round(box.width), right: Math.round(box.right)};
  });
  outermost.sort((a, b) => b.width - a.width);
  return {scrollWidth: root.scrollWidth, clientWidth: limit, offenders: outermost, count: past.size};
}
"""

AXE_RUN_JS = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}
"""


@dataclass
class Demo:
    """The demo organisation's cases and records, found by what they are rather than by number."""

    photo: Case  # new, two reports (one confidential), screenshots, related cases
    handle: Case  # new, posted from a handle, one report
    triage: Case  # in triage, safeguarding flag
    manager_review: Case
    investigation: Case
    decision: Case  # data-breach flag
    closed: Case  # on legal hold, with summaries
    confidential_report: Report
    withdrawable_report: Report
    summary: CaseSummary
    pack: CommitteePack
    poster: User


@dataclass(frozen=True)
class Visit:
    label: str
    role: str | None  # a demo login; None: signed out
    url_name: str
    path: Callable[[Demo], str]
    status: int = 200
    action: str = ""  # the case action whose form this is
    # For the pages only a form's answer shows: sends it from the page at ``path``.
    submit: Callable[[Page, Demo], Response] | None = None


def _url(
    name: str, *args: Callable[[Demo], object], query: str | Callable[[], str] = ""
) -> Callable[[Demo], str]:
    def path(demo: Demo) -> str:
        url = reverse(name, args=[arg(demo) for arg in args])
        asked = query() if callable(query) else query
        return f"{url}?{asked}" if asked else url

    return path


def _last_days(days: int, *, extra: str = "") -> Callable[[], str]:
    """A period ending today, in the app's time zone."""

    def query() -> str:
        today = timezone.localdate()
        return f"{extra}start={today - dt.timedelta(days=days)}&end={today}"

    return query


def _ref(case: str) -> Callable[[Demo], str]:
    return lambda demo: getattr(demo, case).reference


def _action(role: str, case: str, action: str, *, status: int = 200, label: str = "") -> Visit:
    return Visit(
        label or f"Case action form: {action}",
        role,
        "casework:case_action",
        _url("casework:case_action", _ref(case), lambda demo: action),
        status=status,
        action=action,
    )


def _sent(page: Page, button: str) -> Response:
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button, exact=True).click()
    response = navigation.value
    assert response is not None
    return response


def _sent_empty(button: str) -> Callable[[Page, Demo], Response]:
    """The form sent as it first appears: the page with its errors."""
    return lambda page, demo: _sent(page, button)


def _summary_checked(page: Page, demo: Demo) -> Response:
    page.get_by_label("Fingerprint").fill(demo.summary.fingerprint)
    return _sent(page, "Check")


def _locked_out(page: Page, demo: Demo) -> Response:
    """Sign-in refused after too many wrong passwords (django-axes answers 429)."""
    for _ in range(10):
        page.get_by_label("Work email").fill("someone.forgetful@whc.example")
        page.get_by_label("Password").fill("not the password")
        response = _sent(page, "Sign in")
        if response.status == 429:
            return response
        page.goto(reverse("login"))
    raise AssertionError("Sign-in was never locked")


def _resets_paused(page: Page, demo: Demo) -> Response:
    """Too many reset requests from one address: the page saying to try later (429)."""
    for _ in range(10):
        page.get_by_label("Work email").fill("someone.forgetful@whc.example")
        response = _sent(page, "Send the link")
        if response.status == 429:
            return response
        page.goto(reverse("accounts:password_reset"))
    raise AssertionError("Reset requests were never paused")


def _form_expired(page: Page, demo: Demo) -> Response:
    """A form sent without its CSRF cookie: Django's CSRF failure page (403) for a signed-in user."""
    page.context.clear_cookies(name="csrftoken")
    return _sent(page, "Sign out")


VISITS: tuple[Visit, ...] = (
    Visit("Sign-in page", None, "login", _url("login")),
    Visit("Sign-in locked", None, "login", _url("login"), status=429, submit=_locked_out),
    Visit("Password reset", None, "accounts:password_reset", _url("accounts:password_reset")),
    Visit(
        "Password reset, sent empty",
        None,
        "accounts:password_reset",
        _url("accounts:password_reset"),
        submit=_sent_empty("Send the link"),
    ),
    Visit(
        "Password reset, paused",
        None,
        "accounts:password_reset",
        _url("accounts:password_reset"),
        status=429,
        submit=_resets_paused,
    ),
    Visit(
        "Password reset link sent",
        None,
        "accounts:password_reset_sent",
        _url("accounts:password_reset_sent"),
    ),
    Visit(
        "Set a password, sent empty",
        None,
        "accounts:password_set",
        lambda demo: password_link(demo.poster),
        submit=_sent_empty("Set password"),
    ),
    Visit(
        "Set a password: the link no longer works",
        None,
        "accounts:password_set",
        _url("accounts:password_set", lambda demo: "MQ", lambda demo: "expired-token"),
    ),
    Visit("Home (reporter)", "rita.reporter", "home", _url("home")),
    Visit("Home (triage officer)", "tara.triage", "home", _url("home")),
    Visit("Home (governance member)", "gordon.governance", "home", _url("home")),
    Visit("Your sign-in", "rita.reporter", "session_state", _url("session_state")),
    Visit(
        "Report form", "rita.reporter", "incidents:report_create", _url("incidents:report_create")
    ),
    Visit(
        "Report form, sent empty",
        "rita.reporter",
        "incidents:report_create",
        _url("incidents:report_create"),
        submit=_sent_empty("Send report"),
    ),
    Visit("My reports", "rita.reporter", "incidents:my_reports", _url("incidents:my_reports")),
    Visit(
        "Report receipt",
        "rita.reporter",
        "incidents:report_receipt",
        _url("incidents:report_receipt", lambda demo: demo.confidential_report.reference),
    ),
    Visit(
        "Report page (evidence, add more)",
        "rita.reporter",
        "incidents:report_detail",
        _url("incidents:report_detail", lambda demo: demo.confidential_report.reference),
    ),
    Visit(
        "Withdraw a report",
        "rita.reporter",
        "incidents:report_withdraw",
        _url("incidents:report_withdraw", lambda demo: demo.withdrawable_report.reference),
    ),
    Visit("Notifications", "hannah.hrlead", "notifications:inbox", _url("notifications:inbox")),
    Visit(
        "Email settings",
        "rita.reporter",
        "notifications:preferences",
        _url("notifications:preferences"),
    ),
    Visit("Cases list", "hannah.hrlead", "casework:case_list", _url("casework:case_list")),
    Visit(
        "Cases list, filtered and searched",
        "hannah.hrlead",
        "casework:case_list",
        _url("casework:case_list", query="q=Paul&state=investigation&platform=tiktok"),
    ),
    Visit("My work, triage officer", "tara.triage", "casework:my_work", _url("casework:my_work")),
    Visit("My work, HR lead", "hannah.hrlead", "casework:my_work", _url("casework:my_work")),
    Visit("Triage queue", "tara.triage", "casework:triage_queue", _url("casework:triage_queue")),
    Visit(
        "Triage queue, oldest first and filtered",
        "tara.triage",
        "casework:triage_queue",
        _url("casework:triage_queue", query="sort=arrival&state=new&platform=facebook"),
    ),
    Visit(
        "Case page (HR lead: reports, evidence, deadlines, timeline, related)",
        "hannah.hrlead",
        "casework:case_detail",
        _url("casework:case_detail", _ref("photo")),
    ),
    Visit(
        "Case page (line manager)",
        "lina.linemanager",
        "casework:case_detail",
        _url("casework:case_detail", _ref("manager_review")),
    ),
    Visit(
        "Case page (on legal hold, with summaries)",
        "hannah.hrlead",
        "casework:case_detail",
        _url("casework:case_detail", _ref("closed")),
    ),
    Visit(
        "Case timeline",
        "hannah.hrlead",
        "casework:case_timeline",
        _url("casework:case_timeline", _ref("photo")),
    ),
    Visit(
        "Case reports",
        "hannah.hrlead",
        "casework:case_reports",
        _url("casework:case_reports", _ref("photo")),
    ),
    Visit(
        "Related cases",
        "hannah.hrlead",
        "casework:case_related",
        _url("casework:case_related", _ref("photo")),
    ),
    Visit(
        "Investigation workspace",
        "ian.investigator",
        "casework:investigation",
        _url("casework:investigation", _ref("investigation")),
    ),
    Visit(
        "Access history",
        "hannah.hrlead",
        "casework:access_history",
        _url("casework:access_history", _ref("photo")),
    ),
    Visit(
        "Reveal a confidential reporter",
        "hannah.hrlead",
        "casework:reveal_reporter",
        _url(
            "casework:reveal_reporter",
            _ref("photo"),
            lambda demo: demo.confidential_report.reference,
        ),
    ),
    _action("tara.triage", "handle", "start_triage"),
    _action("tara.triage", "triage", "update_details"),
    _action("tara.triage", "triage", "route_to_manager"),
    _action("tara.triage", "triage", "dismiss"),
    _action("hannah.hrlead", "triage", "escalate"),
    _action("tara.triage", "triage", "set_flag"),
    _action("tara.triage", "handle", "link_handle"),
    _action("sam.safeguarding", "triage", "respond_to_flag"),
    _action("lina.linemanager", "manager_review", "resolve_informally"),
    _action("lina.linemanager", "manager_review", "request_investigation"),
    _action("hannah.hrlead", "investigation", "assign"),
    Visit(
        "Case action form sent empty: assign",
        "hannah.hrlead",
        "casework:case_action",
        _url("casework:case_action", _ref("investigation"), lambda demo: "assign"),
        status=400,
        submit=_sent_empty("Assign investigator and decision maker"),
    ),
    _action("ian.investigator", "investigation", "submit_findings"),
    _action("hannah.hrlead", "investigation", "add_note"),
    _action("dev.decision", "decision", "record_outcome"),
    _action("hannah.hrlead", "closed", "reopen"),
    Visit(
        "Place a legal hold",
        "hannah.hrlead",
        "records:legal_hold_place",
        _url("records:legal_hold_place", _ref("investigation")),
    ),
    Visit(
        "Lift a legal hold",
        "hannah.hrlead",
        "records:legal_hold_lift",
        _url("records:legal_hold_lift", _ref("closed")),
    ),
    Visit(
        "Subject access request, with results",
        "iris.ig",
        "records:subject_access",
        _url("records:subject_access", query="q=Poster"),
    ),
    Visit(
        "Case summary",
        "hannah.hrlead",
        "summaries:detail",
        _url("summaries:detail", _ref("closed"), lambda demo: demo.summary.pk),
    ),
    Visit("Verify a summary", "hannah.hrlead", "summaries:verify", _url("summaries:verify")),
    Visit(
        "Verify a summary: genuine",
        "hannah.hrlead",
        "summaries:verify",
        _url("summaries:verify"),
        submit=_summary_checked,
    ),
    Visit("Audit trail", "iris.ig", "audit:log", _url("audit:log")),
    Visit(
        "Audit trail, filtered",
        "iris.ig",
        "audit:log",
        _url(
            "audit:log",
            query=_last_days(30),
        ),
    ),
    Visit(
        "Governance dashboard",
        "gordon.governance",
        "governance:dashboard",
        _url("governance:dashboard"),
    ),
    Visit(
        "Governance dashboard, a custom period",
        "gordon.governance",
        "governance:dashboard",
        _url(
            "governance:dashboard",
            query=_last_days(90, extra="period=custom&"),
        ),
    ),
    Visit(
        "Committee pack",
        "gordon.governance",
        "governance:pack_detail",
        _url("governance:pack_detail", lambda demo: demo.pack.pk),
    ),
    Visit(
        "Page not found (signed in)",
        "rita.reporter",
        "casework:case_detail",
        _url("casework:case_detail", lambda demo: "SMP-2026-99999"),
        status=404,
    ),
    _action(
        "lina.linemanager",
        "manager_review",
        "assign",
        status=403,
        label="Not allowed (signed in, an action the role may not take)",
    ),
    Visit(
        "Form not sent (signed in, CSRF check failed)",
        "rita.reporter",
        "home",
        _url("home"),
        status=403,
        submit=_form_expired,
    ),
    Visit("Admin index", "ada.admin", "admin:index", _url("admin:index")),
    Visit(
        "Admin changelist (cases)",
        "ada.admin",
        "admin:casework_case_changelist",
        _url("admin:casework_case_changelist"),
    ),
    Visit(
        "Admin change form (a member of staff)",
        "ada.admin",
        "admin:directory_user_change",
        _url("admin:directory_user_change", lambda demo: demo.poster.pk),
    ),
)

# URL names that are not pages a person reads, each with why.
NOT_PAGES: dict[str, str] = {
    "logout": "POST only: signs out and redirects to the sign-in page",
    "incidents:evidence_download": "a file download (the screenshot itself)",
    "summaries:create": "POST only: asks for a summary and redirects to its page",
    "summaries:status": "JSON the summary page polls while the PDF is made",
    "summaries:retry": "POST only: asks again and redirects to the summary page",
    "summaries:download": "a PDF download",
    "notifications:open": "POST only: marks the notification read and redirects to what it is about",
    "notifications:mark_all_read": "POST only: redirects to the inbox",
    "governance:export_table": "a CSV download",
    "governance:export_all": "a zip download of every table's CSV",
    "governance:pack_create": "POST only: asks for a committee pack and redirects to the dashboard",
    "governance:pack_retry": "POST only: redirects to the pack's page",
    "governance:pack_download": "a PDF download",
    "audit:verify": "POST only: runs the chain check and redirects to the audit trail",
    "records:subject_access_download": "POST only: a zip download of the person's archive",
    "directory:people_search": "JSON for the person picker",
    "sso_start": "redirects to an organisation's identity provider (tests/browser/test_sso_in_browser.py)",
    "sso_callback": "where the identity provider sends the browser back: signs in, or the refusal "
    "page (tests/browser/test_sso_in_browser.py)",
}
# Django's admin is one set of templates: its index, a changelist and a change form stand for
# its hundred-odd URL names (add, history, delete, password forms and the like).
ADMIN = "admin"


def _url_names(patterns: list, namespace: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_url_is_a_page_visited_or_a_stated_exception() -> None:
    names = set(_url_names(get_resolver().url_patterns))
    visited = {visit.url_name for visit in VISITS}
    own = {name for name in names if not name.startswith(f"{ADMIN}:")}
    unchecked = sorted(own - visited - set(NOT_PAGES))
    assert not unchecked, (
        f"URL names neither visited in VISITS nor excused in NOT_PAGES: {unchecked}"
    )
    stale = sorted((visited | set(NOT_PAGES)) - names)
    assert not stale, f"Named in VISITS or NOT_PAGES but not a URL name: {stale}"
    assert not visited & set(NOT_PAGES), "A URL name is both visited and excused"
    admin = {name for name in visited if name.startswith(f"{ADMIN}:")}
    assert "admin:index" in admin, "The admin's index is not visited"
    assert any(name.endswith("_changelist") for name in admin), "No admin changelist is visited"
    actions = {visit.action for visit in VISITS if visit.action and visit.status == 200}
    missing = sorted(set(ACTION_SPECS) - actions)
    assert not missing, f"Case actions whose form no visit opens: {missing}"


def _demo_build() -> Demo:
    demo_seed()
    live = Case.objects.filter(reference__startswith="SMP-", merged_into=None)
    photo = live.annotate(reports_count=Count("reports")).get(
        state=CaseState.NEW, reports_count__gte=2
    )
    hannah = User.objects.get(email=demo_email("hannah.hrlead"))
    confidential = photo.reports.get(confidential=True)
    # Screenshots on the case page and the report page.
    for name in ("ward.png", "whiteboard.png"):
        upload = SimpleUploadedFile(name, png_bytes(40, 30), content_type="image/png")
        report_add_evidence(
            report=confidential,
            by=confidential.reporter,
            links=[],
            files=[evidence_file_check(upload)],
        )
    closed = live.get(state=CaseState.CLOSED)
    legal_hold_place(case=closed, by=hannah, reason="A claim is expected from the employee.")
    handle = live.get(state=CaseState.NEW, reports__poster_handle__startswith="@")
    return Demo(
        photo=photo,
        handle=handle,
        triage=live.get(state=CaseState.TRIAGE),
        manager_review=live.get(state=CaseState.MANAGER_REVIEW),
        investigation=live.get(state=CaseState.INVESTIGATION),
        decision=live.get(state=CaseState.DECISION),
        closed=closed,
        confidential_report=confidential,
        withdrawable_report=handle.reports.get(),
        summary=CaseSummary.objects.filter(case=closed)
        .exclude(fingerprint="")
        .order_by("pk")
        .first()
        or pytest.fail("The demo's closed case has no finished summary"),
        pack=CommitteePack.objects.order_by("pk").first()
        or pytest.fail("The demo has no committee pack"),
        poster=User.objects.get(email=demo_email("paul.poster")),
    )


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    checked: int = 0
    seconds: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(("load", "reflow", "axe"), 0.0)
    )

    def add(self, visit: Visit, width: int, problem: str) -> None:
        self.problems.append(
            f"{visit.label} [{visit.role or 'signed out'}] at {width} px: {problem}"
        )


def _signed_in(browser: Browser, base_url: str, role: str | None) -> BrowserContext:
    """A browser context signed in as the role, through a session made as the test client does.

    The sign-in page itself is one of the pages checked; going through it for every role
    would only add a dozen page loads to the run.
    """
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": WIDTHS[0], "height": HEIGHT},
        locale="en-GB",
        timezone_id="Europe/London",
    )
    context.set_default_timeout(15_000)
    if role is not None:
        client = Client()
        client.force_login(
            User.objects.get(email=demo_email(role)),
            backend="django.contrib.auth.backends.ModelBackend",
        )
        session = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.value,
                    "url": base_url,
                    "httpOnly": True,
                    "secure": settings.SESSION_COOKIE_SECURE,
                    "sameSite": "Lax",
                }
            ]
        )
    return context


def _load(page: Page, visit: Visit, path: str, demo: Demo) -> Response | None:
    response = page.goto(path)
    if visit.submit is not None:
        response = visit.submit(page, demo)
    return response


def sideways_scroll(page: Page) -> str | None:
    """What makes the page scroll sideways, or None when it fits its viewport."""
    overflow = page.evaluate(OVERFLOW_JS)
    if overflow is None:
        return None
    offenders = overflow["offenders"]
    described = [
        f"{o['element']} ({o['width']} px wide, to {o['right']} px)" for o in offenders[:3]
    ]
    if len(offenders) > 3:
        described.append(f"{len(offenders) - 3} more")
    return (
        f"scrolls sideways: {overflow['scrollWidth']} px wide in a {overflow['clientWidth']} px "
        f"viewport; past the edge: {'; '.join(described) or 'nothing found'}"
    )


def axe_inject(page: Page, axe: str) -> None:
    # The app's CSP (script-src 'self', no inline script) blocks page.add_script_tag, which
    # inserts the file as an inline <script>. page.evaluate runs it through the DevTools
    # protocol, which the CSP doesn't govern, so the page's own policy stays as served.
    page.evaluate(axe)


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.x A and AA violations on the page, each with where it is."""
    found = []
    for violation in page.evaluate(AXE_RUN_JS, AXE_TAGS):
        targets = ", ".join(violation["targets"][:5])
        more = len(violation["targets"]) - 5
        found.append(
            f"axe {violation['id']} ({violation['impact']}: {violation['help']}) at {targets}"
            + (f" and {more} more" if more > 0 else "")
        )
    return found


NEXT_FRAME_JS = (
    "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
)


def _check(page: Page, visit: Visit, demo: Demo, axe: str, findings: Findings) -> None:
    path = visit.path(demo)
    page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    began = time.monotonic()
    response = _load(page, visit, path, demo)
    findings.seconds["load"] += time.monotonic() - began
    if response is None or response.status != visit.status:
        got = response.status if response else "no response"
        findings.add(visit, WIDTHS[0], f"{path} answered {got}, expected {visit.status}")
        return
    if visit.submit is None and not page.url.endswith(path):
        findings.add(visit, WIDTHS[0], f"{path} ended at {page.url}")
        return
    began = time.monotonic()
    axe_inject(page, axe)
    findings.seconds["axe"] += time.monotonic() - began
    for width in WIDTHS:
        findings.checked += 1
        began = time.monotonic()
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.evaluate(NEXT_FRAME_JS)  # the page's own resize handlers have run
        overflow = sideways_scroll(page)
        if overflow:
            findings.add(visit, width, overflow)
        measured = time.monotonic()
        findings.seconds["reflow"] += measured - began
        for problem in axe_violations(page):
            findings.add(visit, width, problem)
        findings.seconds["axe"] += time.monotonic() - measured


def test_every_page_reflows_and_has_no_wcag_violation(
    transactional_db: None, live_server, browser: Browser
) -> None:
    started = time.monotonic()
    demo = _demo_build()
    seeded = time.monotonic()
    axe = AXE.read_text()
    findings = Findings()
    contexts: dict[str | None, BrowserContext] = {}
    pages: dict[str | None, Page] = {}
    try:
        for visit in VISITS:
            if visit.role not in contexts:
                contexts[visit.role] = _signed_in(browser, live_server.url, visit.role)
                pages[visit.role] = contexts[visit.role].new_page()
            _check(pages[visit.role], visit, demo, axe, findings)
    finally:
        for context in contexts.values():
            context.close()
    finished = time.monotonic()
    phases = ", ".join(f"{name} {spent:.1f} s" for name, spent in findings.seconds.items())
    print(
        f"{findings.checked} page views checked in {finished - seeded:.1f} s ({phases}; "
        f"demo seeded in {seeded - started:.1f} s)"
    )
    assert not findings.problems, (
        f"{len(findings.problems)} problems on {findings.checked} page views:\n"
        + "\n".join(findings.problems)
    )
    assert findings.checked == len(VISITS) * len(WIDTHS)


# A page that fits at 320 px whatever is hidden on it, and the same page with a table that doesn't.
FITS = """<!doctype html><html lang="en"><head><title>Fits</title><style>
body { margin: 0; }
.skip { position: absolute; left: -999px; }
.hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.scroller { overflow-x: auto; }
.banner { position: fixed; top: 0; left: 0; width: 2000px; }
.wide { width: 900px; }
</style></head><body>
<a class="skip" href="#main">Skip to main content</a>
<main id="main"><h1>Fits</h1><span class="hidden">Only for screen readers</span>
<div class="scroller" tabindex="0" role="region" aria-label="Wide table"><table><caption>Scrolls inside its box</caption>
<tr><th>A wide cell</th><td><div class="wide">wide</div></td></tr></table></div>
<div class="banner">A fixed banner</div></main></body></html>"""
TOO_WIDE = FITS.replace(
    "</main>",
    '<table><caption>Cases</caption><tr><th>Reference</th><td><div class="wide">x</div></td></tr>'
    '</table><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main>',
)


def test_the_checks_catch_a_wide_table_and_a_missing_alt_but_not_hidden_or_contained_content(
    browser: Browser,
) -> None:
    context = browser.new_context(viewport={"width": min(WIDTHS), "height": HEIGHT})
    page = context.new_page()
    axe = AXE.read_text()
    try:
        page.set_content(FITS)
        axe_inject(page, axe)
        assert sideways_scroll(page) is None
        assert axe_violations(page) == []

        page.set_content(TOO_WIDE)
        axe_inject(page, axe)
        problem = sideways_scroll(page)
        assert problem is not None
        assert 'past the edge: main#main > table "Cases" (' in problem
        for contained in ("skip", "hidden", "banner", "scroller"):
            assert contained not in problem
        assert [found.split(" ")[1] for found in axe_violations(page)] == ["image-alt"]
    finally:
        context.close()
