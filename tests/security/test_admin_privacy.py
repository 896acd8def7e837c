"""The admin keeps the case pages' promises: no confidential reporter, no case about oneself, every look recorded.

The administrator looks after users, roles and timings, not cases. Where the
admin shows cases, reports, evidence, the audit trail or notifications, a
confidential reporter is "Confidential reporter" (the only way to learn who
it was is the audited Reveal on the case page, for the HR lead and the
investigator), stored links are text, a case about the administrator is not
there at all, and each page showing a case is a line in the audit trail.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from audit.models import AuditEvent, AuditKind
from casework.models import Case, CaseState
from directory.models import Role, User
from incidents.models import EvidenceFile
from notifications.models import Notification, NotificationKind
from notifications.services import notification_create
from tests.factories import (
    CaseFactory,
    Cast,
    EvidenceLinkFactory,
    UserFactory,
    case_in_state,
    report_make,
)

pytestmark = pytest.mark.django_db

METADATA_URL = "http://169.254.169.254/latest/meta-data/"
HREF = re.compile(r"""href\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
# An address with a scheme (http:, javascript:) or another host (//host): not a page of Flagpost's.
ABSOLUTE = re.compile(r"\s*([a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


@pytest.fixture
def reporter(db, manager: User) -> User:
    # Names found nowhere else on an admin page (unlike "Reporter", a column heading).
    return UserFactory(
        first_name="Rosalind",
        last_name="Quenby",
        email="rosalind.quenby@trust.example.nhs.uk",
        line_manager=manager,
    )


@pytest.fixture
def administrator(db) -> User:
    return UserFactory(
        first_name="Ada",
        last_name="Admin",
        roles=[Role.ADMINISTRATOR],
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def admin_browser(administrator: User) -> Client:
    client = Client()
    client.force_login(administrator)
    return client


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
def confidential_case(case_cast: Cast) -> Case:
    """A case whose one report, its link, its file and its timeline line were all made by a confidential reporter."""
    case = case_in_state(CaseState.INVESTIGATION, case_cast, confidential=True)
    report = case.reports.get()
    # The reporter's own receipt, as intake sends it.
    notification_create(
        recipient=report.reporter,
        kind=NotificationKind.REPORT_RECEIPT,
        context={"report": report, "joined_existing": False, "link_count": 1, "file_count": 1},
        link=reverse("incidents:report_detail", args=[report.reference]),
    )
    return case


def _admin_pages(case: Case) -> dict[str, str]:
    report = case.reports.get()
    evidence = EvidenceFile.objects.get(report=report)
    received = AuditEvent.objects.filter(case=case, actor=report.reporter).order_by("seq").first()
    receipt = Notification.objects.get(
        recipient=report.reporter, kind=NotificationKind.REPORT_RECEIPT
    )
    return {
        "report list": reverse("admin:incidents_report_changelist"),
        "report": reverse("admin:incidents_report_change", args=[report.pk]),
        "case list": reverse("admin:casework_case_changelist"),
        "case": reverse("admin:casework_case_change", args=[case.pk]),
        "evidence list": reverse("admin:incidents_evidencefile_changelist"),
        "evidence": reverse("admin:incidents_evidencefile_change", args=[evidence.pk]),
        "audit list": reverse("admin:audit_auditevent_changelist"),
        "audit row": reverse("admin:audit_auditevent_change", args=[received.seq]),
        "notification list": reverse("admin:notifications_notification_changelist"),
        "notification": reverse("admin:notifications_notification_change", args=[receipt.pk]),
    }


def _names_of(person: User) -> list[str]:
    return [person.email, person.first_name, person.last_name, person.get_full_name()]


# --- Item 3: confidential reporters -----------------------------------------------------------


def test_admin_change_page_hides_confidential_reporter(
    admin_browser, confidential_case, reporter
) -> None:
    report = confidential_case.reports.get()
    html = admin_browser.get(
        reverse("admin:incidents_report_change", args=[report.pk])
    ).content.decode()
    assert "Confidential reporter" in html
    assert [name for name in _names_of(reporter) if name in html] == []
    # Not even as a link to the person's own admin page.
    assert reverse("admin:directory_user_change", args=[reporter.pk]) not in html


def test_no_admin_page_names_a_confidential_reporter(
    admin_browser, confidential_case, reporter
) -> None:
    for page, url in _admin_pages(confidential_case).items():
        response = admin_browser.get(url)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert [name for name in _names_of(reporter) if name in html] == [], page
        assert reverse("admin:directory_user_change", args=[reporter.pk]) not in html, page


def test_the_admin_shows_where_a_confidential_reporter_acted(
    admin_browser, confidential_case
) -> None:
    # Withheld, not silently dropped: the timeline, evidence and trail still say someone did it.
    for page in [
        "report",
        "case",
        "evidence",
        "evidence list",
        "audit list",
        "audit row",
        "notification list",
        "notification",
    ]:
        html = admin_browser.get(_admin_pages(confidential_case)[page]).content.decode()
        assert "Confidential reporter" in html, page


def test_the_admin_still_names_a_reporter_who_did_not_ask_for_confidentiality(
    admin_browser, case_cast
) -> None:
    case = case_in_state(CaseState.TRIAGE, case_cast, confidential=False)
    report = case.reports.get()
    html = admin_browser.get(
        reverse("admin:incidents_report_change", args=[report.pk])
    ).content.decode()
    assert report.reporter.get_full_name() in html
    assert "Confidential reporter" not in html


@pytest.mark.parametrize("term", ["email", "last_name", "first_name"])
def test_admin_search_does_not_match_a_confidential_reporter(
    admin_browser, confidential_case, reporter, term
) -> None:
    query = {"q": getattr(reporter, term)}
    found = {
        name: list(
            admin_browser.get(reverse(f"admin:{name}_changelist"), query).context["cl"].result_list
        )
        for name in [
            "incidents_report",
            "casework_case",
            "incidents_evidencefile",
            "audit_auditevent",
            "notifications_notification",
        ]
    }
    assert found["incidents_report"] == []
    assert found["casework_case"] == []
    assert found["incidents_evidencefile"] == []
    assert [row for row in found["audit_auditevent"] if row.case_id == confidential_case.pk] == []
    assert [
        row for row in found["notifications_notification"] if row.recipient_id == reporter.pk
    ] == []


def test_admin_search_still_finds_people_on_rows_that_are_not_withheld(
    admin_browser, confidential_case, investigator
) -> None:
    notification_create(
        recipient=investigator,
        kind=NotificationKind.INVESTIGATION_ASSIGNED,
        context={"case": confidential_case, "assigned_as": "investigator"},
        case=confidential_case,
    )
    response = admin_browser.get(
        reverse("admin:notifications_notification_changelist"), {"q": investigator.email}
    )
    assert [row.recipient for row in response.context["cl"].result_list] == [investigator]


def test_a_reporter_confidential_on_one_case_is_named_on_another(
    admin_browser, case_cast, reporter
) -> None:
    confidential = case_in_state(CaseState.TRIAGE, case_cast, confidential=True)
    open_case = case_in_state(CaseState.TRIAGE, case_cast, confidential=False)
    html = admin_browser.get(
        reverse("admin:casework_case_change", args=[open_case.pk])
    ).content.decode()
    assert reporter.get_full_name() in html
    html = admin_browser.get(
        reverse("admin:casework_case_change", args=[confidential.pk])
    ).content.decode()
    assert reporter.get_full_name() not in html


# --- Item 3: every admin look at a case is recorded ------------------------------------------------


def test_admin_views_of_cases_reports_and_evidence_are_recorded(
    admin_browser, administrator, confidential_case
) -> None:
    pages = _admin_pages(confidential_case)
    for page in ["case", "report", "evidence", "case list", "report list", "evidence list"]:
        assert admin_browser.get(pages[page]).status_code == 200, page
    rows = list(
        AuditEvent.objects.filter(kind=AuditKind.CASE_VIEWED, actor=administrator).order_by("seq")
    )
    assert [row.detail["page"] for row in rows] == [
        "admin_case",
        "admin_report",
        "admin_evidence",
        "admin_case_list",
        "admin_report_list",
        "admin_evidence_list",
    ]
    # A page about one case is in that case's access history; a list names the cases it showed.
    assert [row.case for row in rows[:3]] == [confidential_case] * 3
    assert all(row.ip_address == "127.0.0.1" for row in rows)
    assert all(row.detail["shown"] == [confidential_case.reference] for row in rows[3:])


def test_the_access_history_says_the_case_was_viewed_in_the_admin(
    admin_browser, login, hr_lead, confidential_case
) -> None:
    admin_browser.get(reverse("admin:casework_case_change", args=[confidential_case.pk]))
    html = (
        login(hr_lead)
        .get(reverse("casework:access_history", args=[confidential_case.reference]))
        .content.decode()
    )
    assert "Viewed the case in the admin" in html


def test_a_refused_or_missing_admin_page_is_not_recorded_as_a_view(
    admin_browser, administrator
) -> None:
    assert (
        admin_browser.get(reverse("admin:casework_case_change", args=[999999])).status_code == 302
    )
    assert not AuditEvent.objects.filter(kind=AuditKind.CASE_VIEWED, actor=administrator).exists()


# --- Item 3: no case about the administrator ---------------------------------------------------------


@pytest.fixture
def cases_about_the_administrator(administrator, case_cast) -> list[Case]:
    """One case with the administrator as its poster, one where a report names them."""
    as_poster = case_in_state(CaseState.TRIAGE, case_cast, poster=administrator, confidential=False)
    named = CaseFactory(state=CaseState.NEW)
    report_make(case=named, reporter=case_cast.reporter, poster=administrator)
    EvidenceLinkFactory(report=named.reports.get())
    return [as_poster, named]


def test_the_admin_does_not_open_a_case_about_the_administrator(
    admin_browser, cases_about_the_administrator, administrator
) -> None:
    for case in cases_about_the_administrator:
        report = case.reports.first()
        for url in [
            reverse("admin:casework_case_change", args=[case.pk]),
            reverse("admin:casework_case_history", args=[case.pk]),
            reverse("admin:incidents_report_change", args=[report.pk]),
        ]:
            response = admin_browser.get(url)
            assert response.status_code == 302, (
                url
            )  # the admin's answer to an object it doesn't have
        for evidence in EvidenceFile.objects.filter(report__case=case):
            url = reverse("admin:incidents_evidencefile_change", args=[evidence.pk])
            assert admin_browser.get(url).status_code == 302, url
    assert not AuditEvent.objects.filter(
        kind=AuditKind.CASE_VIEWED, actor=administrator, case__in=cases_about_the_administrator
    ).exists()


def test_admin_lists_leave_out_cases_about_the_administrator(
    admin_browser, cases_about_the_administrator, case_cast
) -> None:
    other = case_in_state(CaseState.TRIAGE, case_cast)
    about = {case.pk for case in cases_about_the_administrator}

    def listed(name: str) -> list[object]:
        return list(
            admin_browser.get(reverse(f"admin:{name}_changelist")).context["cl"].result_list
        )

    assert [case.pk for case in listed("casework_case")] == [other.pk]
    assert {report.case_id for report in listed("incidents_report")} == {other.pk}
    assert {evidence.report.case_id for evidence in listed("incidents_evidencefile")} == {other.pk}
    assert [row for row in listed("audit_auditevent") if row.case_id in about] == []


def test_the_admin_follows_the_access_modules_rule_for_cases_about_someone(
    administrator, cases_about_the_administrator
) -> None:
    from casework import access, admin_privacy

    # One rule for the pages and the admin alike, so the two can't drift apart.
    assert admin_privacy.case_ids_about is access.case_ids_about
    mine = set(access.cases_about(administrator).values_list("pk", flat=True))
    assert mine == {case.pk for case in cases_about_the_administrator}


# --- Item 4: stored links are text --------------------------------------------------------------------


def test_admin_shows_evidence_links_as_text(admin_browser, case_cast) -> None:
    case = case_in_state(CaseState.TRIAGE, case_cast, confidential=False)
    report = case.reports.get()
    EvidenceLinkFactory(report=report, url=METADATA_URL, normalised_url=METADATA_URL)
    html = admin_browser.get(
        reverse("admin:incidents_report_change", args=[report.pk])
    ).content.decode()
    assert METADATA_URL in html
    assert [href for href in HREF.findall(html) if "169.254" in href] == []


def test_no_admin_page_links_to_an_address_outside_flagpost(
    admin_browser, confidential_case
) -> None:
    report = confidential_case.reports.get()
    EvidenceLinkFactory(report=report, url=METADATA_URL, normalised_url=METADATA_URL)
    for page, url in _admin_pages(confidential_case).items():
        html = admin_browser.get(url).content.decode()
        # Every link in the admin stays on the site; a stored address is never one of them.
        assert [href for href in HREF.findall(html) if ABSOLUTE.match(href)] == [], page


def test_admin_shows_a_look_alike_link_with_its_warning(admin_browser, case_cast) -> None:
    from incidents.links import link_for_reader

    lookalike = "https://f\u0430cebook.com/ward4/posts/1"  # a Cyrillic а
    case = case_in_state(CaseState.TRIAGE, case_cast, confidential=False)
    report = case.reports.get()
    EvidenceLinkFactory(report=report, url=lookalike, normalised_url=lookalike)
    html = admin_browser.get(
        reverse("admin:incidents_report_change", args=[report.pk])
    ).content.decode()
    assert link_for_reader(lookalike) != lookalike
    assert escape(link_for_reader(lookalike)) in html
    assert [href for href in HREF.findall(html) if "cebook" in href] == []
