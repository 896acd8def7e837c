"""A reporter follows their own reports, adds evidence, and sees nobody else's."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from casework.models import CaseEvent, CaseState, EventKind
from incidents.models import EvidenceFile, Report
from tests.factories import CaseFactory, EvidenceLinkFactory, ReportFactory
from tests.samples import png_bytes, png_upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        (CaseState.NEW, "Received"),
        (CaseState.TRIAGE, "Under review"),
        (CaseState.MANAGER_REVIEW, "Under review"),
        (CaseState.INVESTIGATION, "Under review"),
        (CaseState.DECISION, "Under review"),
        (CaseState.CLOSED, "Closed"),
    ],
)
def test_status_is_told_in_the_reporters_terms(login, reporter, state, shown) -> None:
    report = ReportFactory(reporter=reporter, case=CaseFactory(state=state))
    page = login(reporter).get(reverse("incidents:my_reports")).content.decode()
    assert report.reference in page
    assert f">{shown}<" in page
    # The case's internal stages are never named to the reporter.
    for internal in ("In triage", "Line manager review", "Investigation", "Awaiting decision"):
        assert internal not in page


def test_my_reports_lists_only_my_own(login, reporter, outsider) -> None:
    mine = ReportFactory(reporter=reporter)
    theirs = ReportFactory(reporter=outsider)
    page = login(reporter).get(reverse("incidents:my_reports")).content.decode()
    assert mine.reference in page
    assert theirs.reference not in page


def test_my_reports_is_paginated_and_searchable(login, reporter) -> None:
    reports = [ReportFactory(reporter=reporter) for _ in range(25)]
    client = login(reporter)
    first = client.get(reverse("incidents:my_reports"))
    assert len(first.context["page"].object_list) == 20
    older = re.search(
        r'href="(\?[^"]*)" rel="next"><span class="nhsuk-pagination__title">Older</span>',
        first.content.decode(),
    )
    assert older is not None
    second = client.get(reverse("incidents:my_reports") + html.unescape(older.group(1)))
    assert len(second.context["page"].object_list) == 5
    assert (
        'rel="prev"><span class="nhsuk-pagination__title">Newer</span>' in second.content.decode()
    )
    found = client.get(reverse("incidents:my_reports"), {"q": reports[3].reference})
    assert [r.reference for r in found.context["page"].object_list] == [reports[3].reference]


def test_older_pages_walk_every_report_once_keeping_the_filters(login, reporter) -> None:
    closed = CaseFactory(state=CaseState.CLOSED)
    moment = timezone.now() - dt.timedelta(days=3)
    for n in range(47):
        case = closed if n % 5 else CaseFactory()
        report = ReportFactory(reporter=reporter, case=case, reference=f"SMP-2026-7{n:04d}")
        # Three to a moment: ties on the time are settled by the id.
        Report.objects.filter(pk=report.pk).update(submitted_at=moment + dt.timedelta(hours=n // 3))
    expected = list(
        Report.objects.filter(reporter=reporter, case__state=CaseState.CLOSED)
        .order_by("-submitted_at", "-pk")
        .values_list("reference", flat=True)
    )
    client = login(reporter)
    url = reverse("incidents:my_reports")
    response = client.get(url, {"status": "closed"})
    seen = [report.reference for report in response.context["page"]]
    while match := re.search(r'href="(\?[^"]*)" rel="next">', response.content.decode()):
        link = html.unescape(match.group(1))
        assert "status=closed" in link
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url + link)
        assert not any("OFFSET" in query["sql"] for query in queries.captured_queries)
        seen += [report.reference for report in response.context["page"]]
    assert seen == expected


@pytest.mark.parametrize("params", ["?page=2", "?after=garbled"])
def test_an_old_page_link_or_a_mangled_cursor_gives_the_first_page(login, reporter, params) -> None:
    for _ in range(22):
        ReportFactory(reporter=reporter)
    client = login(reporter)
    first = client.get(reverse("incidents:my_reports")).context["page"].object_list
    again = client.get(reverse("incidents:my_reports") + params).context["page"].object_list
    assert again == first


def test_my_reports_filters_by_status(login, reporter) -> None:
    open_report = ReportFactory(reporter=reporter, case=CaseFactory(state=CaseState.TRIAGE))
    closed_report = ReportFactory(reporter=reporter, case=CaseFactory(state=CaseState.CLOSED))
    page = (
        login(reporter).get(reverse("incidents:my_reports"), {"status": "closed"}).content.decode()
    )
    assert closed_report.reference in page and open_report.reference not in page


def test_empty_state_invites_a_first_report(login, reporter) -> None:
    page = login(reporter).get(reverse("incidents:my_reports")).content.decode()
    assert "haven't made any reports yet" in page


def test_my_reports_query_count_does_not_grow_with_reports(
    login, reporter, django_assert_num_queries
) -> None:
    client = login(reporter)
    ReportFactory(reporter=reporter)
    client.get(reverse("incidents:my_reports"))  # warm the session
    # session, user, the user's roles (navigation), the unread badge, and one page of reports
    # with their case (keyset paging needs no count)
    with django_assert_num_queries(5) as small:
        client.get(reverse("incidents:my_reports"))
    for _ in range(15):
        ReportFactory(reporter=reporter)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("incidents:my_reports"))


@pytest.mark.parametrize("view", ["incidents:report_detail", "incidents:report_receipt"])
def test_someone_elses_report_is_not_found(login, reporter, outsider, view) -> None:
    report = ReportFactory(reporter=reporter)
    response = login(outsider).get(reverse(view, args=[report.reference]))
    assert response.status_code == 404
    assert report.description not in response.content.decode()


def test_reporter_adds_further_evidence_to_an_open_report(login, reporter) -> None:
    report = ReportFactory(reporter=reporter)
    response = login(reporter).post(
        reverse("incidents:report_detail", args=[report.reference]),
        {"links": "https://www.facebook.com/x/posts/55", "screenshots": png_upload()},
        follow=True,
    )
    assert "further evidence has been added" in response.content.decode()
    assert report.links.count() == 1
    assert report.files.get().added_by == reporter
    event = CaseEvent.objects.get(case=report.case, kind=EventKind.EVIDENCE_ADDED)
    assert event.actor == reporter and "1 link and 1 file" in event.note


def test_further_evidence_is_checked_like_the_first(login, reporter) -> None:
    report = ReportFactory(reporter=reporter)
    client = login(reporter)
    url = reverse("incidents:report_detail", args=[report.reference])
    response = client.post(url, {"links": "javascript:alert(1)"})
    assert response.context["form"].errors["links"]
    response = client.post(url, {})
    assert "at least one link or file" in response.content.decode()
    assert report.links.count() == 0


def test_the_ten_file_limit_counts_files_already_there(login, reporter, settings) -> None:
    settings.EVIDENCE_MAX_FILES = 2
    report = ReportFactory(reporter=reporter)
    client = login(reporter)
    url = reverse("incidents:report_detail", args=[report.reference])
    client.post(url, {"screenshots": [png_upload("a.png")]})
    response = client.post(url, {"screenshots": [png_upload("b.png"), png_upload("c.png")]})
    assert "you can add 1 more" in " ".join(response.context["form"].errors["screenshots"])
    assert report.files.count() == 1


def test_no_evidence_can_be_added_once_closed(login, reporter) -> None:
    report = ReportFactory(reporter=reporter, case=CaseFactory(state=CaseState.CLOSED))
    client = login(reporter)
    url = reverse("incidents:report_detail", args=[report.reference])
    assert "no more evidence can be added" in client.get(url).content.decode()
    client.post(url, {"links": "https://x.com/a/status/1"})
    assert report.links.count() == 0


def test_someone_else_cannot_add_evidence_to_my_report(login, reporter, outsider) -> None:
    report = ReportFactory(reporter=reporter)
    response = login(outsider).post(
        reverse("incidents:report_detail", args=[report.reference]),
        {"links": "https://x.com/a/status/1"},
    )
    assert response.status_code == 404
    assert report.links.count() == 0


def _stored_evidence(reporter) -> EvidenceFile:
    from django.test import Client

    client = Client()
    client.force_login(reporter)
    report = ReportFactory(reporter=reporter)
    client.post(
        reverse("incidents:report_detail", args=[report.reference]), {"screenshots": png_upload()}
    )
    return EvidenceFile.objects.get(report=report)


def test_evidence_is_downloaded_as_an_attachment_that_cannot_be_sniffed(login, reporter) -> None:
    evidence = _stored_evidence(reporter)
    response = login(reporter).get(reverse("incidents:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
    # What is served is the picture as kept (saved afresh on receipt), under its recorded hash.
    served = b"".join(response.streaming_content)
    assert hashlib.sha256(served).hexdigest() == evidence.sha256
    assert Image.open(io.BytesIO(served)).size == Image.open(io.BytesIO(png_bytes())).size


@pytest.mark.parametrize(
    "who", ["outsider", "governance_member", "manager", "triage_officer_elsewhere"]
)
def test_evidence_is_not_served_to_people_without_access(
    login, reporter, outsider, governance_member, manager, who, request
) -> None:
    evidence = _stored_evidence(reporter)
    evidence.report.case.__class__.objects.filter(
        pk=evidence.report.case_id
    )  # the case stays as it is
    if who == "triage_officer_elsewhere":
        from directory.models import Role
        from tests.factories import UserFactory

        officer = UserFactory(roles=[Role.TRIAGE_OFFICER])
        # A triage officer sees new cases only; this one has moved to an investigation.
        CaseEventCase = evidence.report.case
        type(CaseEventCase).objects.filter(pk=CaseEventCase.pk).update(
            state=CaseState.INVESTIGATION
        )
        user = officer
    else:
        user = request.getfixturevalue(who)
    response = login(user).get(reverse("incidents:evidence_download", args=[evidence.pk]))
    assert response.status_code == 404


def test_the_storage_gives_evidence_no_public_url(reporter) -> None:
    evidence = _stored_evidence(reporter)
    with pytest.raises(ValueError, match="no public URL"):
        evidence.file.url  # noqa: B018 - reading the property is what raises


def test_a_case_about_you_is_never_visible_to_you(login, poster) -> None:
    from casework.access import visible_cases
    from directory.models import Role, role_group

    poster.groups.add(role_group(Role.HR_LEAD))
    about_poster = ReportFactory(poster=poster).case
    other = ReportFactory().case
    visible = set(visible_cases(poster))
    assert other in visible and about_poster not in visible
    EvidenceLinkFactory(report=about_poster.reports.get())
