"""A reporter withdraws a report nobody has started on."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casework.models import CaseEvent, CaseState, Closure, EventKind
from tests.factories import CaseFactory, ReportFactory

pytestmark = pytest.mark.django_db


def test_reporter_withdraws_a_new_report(login, reporter) -> None:
    report = ReportFactory(reporter=reporter)
    client = login(reporter)
    page = client.get(reverse("incidents:report_detail", args=[report.reference])).content.decode()
    assert reverse("incidents:report_withdraw", args=[report.reference]) in page
    url = reverse("incidents:report_withdraw", args=[report.reference])
    response = client.post(
        url, {"seen_revision": report.case.revision, "note": "I reported the wrong post."}
    )
    assert response.status_code == 302
    report.case.refresh_from_db()
    assert report.case.state == CaseState.CLOSED and report.case.closure == Closure.WITHDRAWN
    event = CaseEvent.objects.get(case=report.case, kind=EventKind.TRANSITION)
    assert event.action == "withdraw" and event.actor == reporter


def test_withdrawing_needs_a_reason(login, reporter) -> None:
    report = ReportFactory(reporter=reporter)
    response = login(reporter).post(
        reverse("incidents:report_withdraw", args=[report.reference]),
        {"seen_revision": 1, "note": ""},
    )
    assert response.status_code == 200 and response.context["form"].errors["note"]
    report.case.refresh_from_db()
    assert report.case.state == CaseState.NEW


def test_no_withdrawing_once_triage_has_started(login, reporter) -> None:
    report = ReportFactory(reporter=reporter, case=CaseFactory(state=CaseState.TRIAGE))
    client = login(reporter)
    response = client.post(
        reverse("incidents:report_withdraw", args=[report.reference]),
        {"seen_revision": 1, "note": "Changed my mind."},
        follow=True,
    )
    assert "can no longer be withdrawn" in response.content.decode()
    report.case.refresh_from_db()
    assert report.case.state == CaseState.TRIAGE


def test_no_withdrawing_a_case_other_people_reported_too(login, reporter, outsider) -> None:
    report = ReportFactory(reporter=reporter)
    ReportFactory(case=report.case, reporter=outsider, reference="SMP-2026-88888")
    login(reporter).post(
        reverse("incidents:report_withdraw", args=[report.reference]),
        {"seen_revision": 1, "note": "Changed my mind."},
    )
    report.case.refresh_from_db()
    assert report.case.state == CaseState.NEW


def test_someone_else_cannot_withdraw_my_report(login, reporter, outsider) -> None:
    report = ReportFactory(reporter=reporter)
    response = login(outsider).post(
        reverse("incidents:report_withdraw", args=[report.reference]),
        {"seen_revision": 1, "note": "x"},
    )
    assert response.status_code == 404
