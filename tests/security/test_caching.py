"""Nothing Flagpost answers is kept by the browser, except its static files.

Ward computers are shared: a page left in the browser's cache (or its
back button) after someone signs out can be read by the next person. Every
response that isn't a static file says ``Cache-Control: no-store`` — case
pages, downloads, the sign-in page, error pages and the admin alike — unless
its view explicitly opts out.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from casework.models import CaseState
from directory.models import Role
from governance.figures import Filters
from governance.services import pack_produce, pack_request
from incidents.models import EvidenceFile
from summaries.services import summary_produce, summary_request
from tests.factories import PASSWORD, UserFactory, case_in_state
from tests.security.helpers import production_probe

pytestmark = pytest.mark.django_db

GOVERNANCE_PERIOD = {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"}


def _not_stored(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_sensitive_pages_are_not_kept_by_the_browser(
    login, cast, hr_lead, governance_member, ig_lead
) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    report = case.reports.get()
    evidence = EvidenceFile.objects.get(report=report)
    summary = summary_request(case=case, variant="full", by=hr_lead)
    summary_produce(summary_id=summary.pk)
    pack = pack_request(
        filters=Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31)), by=governance_member
    )
    pack_produce(pack_id=pack.pk)
    administrator = UserFactory(roles=[Role.ADMINISTRATOR], is_staff=True, is_superuser=True)
    pages = {
        cast.reporter: [
            reverse("home"),
            reverse("incidents:my_reports"),
            reverse("incidents:report_create"),
            reverse("incidents:report_detail", args=[report.reference]),
            reverse("incidents:report_receipt", args=[report.reference]),
            reverse("notifications:inbox"),
            reverse("notifications:preferences"),
        ],
        hr_lead: [
            reverse("casework:case_list"),
            reverse("casework:case_detail", args=[case.reference]),
            reverse("casework:investigation", args=[case.reference]),
            reverse("casework:access_history", args=[case.reference]),
            reverse("summaries:download", args=[case.reference, summary.pk]),
        ],
        cast.investigator: [reverse("incidents:evidence_download", args=[evidence.pk])],
        governance_member: [
            reverse("governance:dashboard"),
            reverse("governance:export_table", args=["by_platform"]) + "?period=custom"
            "&start=2026-01-01&end=2026-03-31",
            reverse("governance:export_all") + "?period=custom&start=2026-01-01&end=2026-03-31",
            reverse("governance:pack_download", args=[pack.pk]),
        ],
        ig_lead: [reverse("audit:log"), reverse("records:subject_access")],
        administrator: [
            reverse("admin:index"),
            reverse("admin:casework_case_change", args=[case.pk]),
            reverse("admin:incidents_report_changelist"),
        ],
    }
    kept = []
    for person, urls in pages.items():
        browser = login(person)
        for url in urls:
            response = browser.get(url)
            assert response.status_code == 200, url
            if not _not_stored(response):
                kept.append(url)
    assert kept == []


def test_the_subject_access_archive_is_not_kept(login, cast, ig_lead) -> None:
    response = login(ig_lead).post(
        reverse("records:subject_access_download", args=[cast.poster.pk])
    )
    assert response.status_code == 200
    assert _not_stored(response)


def test_signing_in_and_out_is_not_kept(client, reporter) -> None:
    assert _not_stored(client.get(reverse("login")))
    signed_in = client.post(reverse("login"), {"username": reporter.email, "password": PASSWORD})
    assert signed_in.status_code == 302 and _not_stored(signed_in)
    signed_out = client.post(reverse("logout"))
    assert signed_out.status_code == 302 and _not_stored(signed_out)
    assert _not_stored(client.get(reverse("login")))


def test_error_pages_are_not_kept(login, reporter, outsider, cast) -> None:
    case = case_in_state(CaseState.TRIAGE, cast)
    assert _not_stored(login(reporter).get("/no-such-page/"))
    refused = login(outsider).get(reverse("casework:case_detail", args=[case.reference]))
    assert refused.status_code == 404 and _not_stored(refused)
    csrf_refused = Client(enforce_csrf_checks=True).post(reverse("login"), {})
    assert csrf_refused.status_code == 403 and _not_stored(csrf_refused)


@pytest.mark.urls("tests.security.error_urls")
def test_a_page_can_say_it_may_be_cached(client) -> None:
    response = client.get("/test-only/cacheable/")
    assert response["Cache-Control"] == "public, max-age=600"


def test_static_files_stay_cacheable() -> None:
    static = production_probe()["static_file"]
    assert static["status"] == 200
    assert "no-store" not in static["headers"].get("Cache-Control", "")
    assert "max-age" in static["headers"]["Cache-Control"]
