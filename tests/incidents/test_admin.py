"""The admin shows reports, evidence and cases but cannot change or remove evidence."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import EvidenceLinkFactory, ReportFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for_superuser(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_lists_and_shows_reports_and_cases(admin_client_for_superuser) -> None:
    report = ReportFactory()
    EvidenceLinkFactory(report=report)
    client = admin_client_for_superuser
    for name, args in [
        ("admin:incidents_report_changelist", []),
        ("admin:incidents_report_change", [report.pk]),
        ("admin:casework_case_changelist", []),
        ("admin:casework_case_change", [report.case.pk]),
        ("admin:incidents_evidencefile_changelist", []),
        ("admin:notifications_notification_changelist", []),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name


@pytest.mark.parametrize(
    "url_name",
    ["admin:incidents_report_delete", "admin:incidents_report_add", "admin:casework_case_delete"],
)
def test_admin_cannot_add_or_delete_reports_or_cases(admin_client_for_superuser, url_name) -> None:
    report = ReportFactory()
    pk = report.case.pk if url_name.startswith("admin:casework") else report.pk
    args = [] if url_name.endswith("_add") else [pk]
    response = admin_client_for_superuser.get(reverse(url_name, args=args))
    assert response.status_code == 403


def test_evidence_cannot_be_edited_through_the_admin(admin_client_for_superuser) -> None:
    link = EvidenceLinkFactory()
    report = link.report
    response = admin_client_for_superuser.post(
        reverse("admin:incidents_report_change", args=[report.pk]), {"description": "rewritten"}
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.description != "rewritten"


def test_the_case_state_is_not_an_editable_field(admin_client_for_superuser) -> None:
    report = ReportFactory()
    response = admin_client_for_superuser.get(
        reverse("admin:casework_case_change", args=[report.case.pk])
    )
    assert 'name="state"' not in response.content.decode()
