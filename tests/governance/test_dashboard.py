"""The governance dashboard, exports and committee packs over HTTP."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse

from casework.models import CaseState
from governance.figures import Filters, Period
from governance.forms import period_bounds
from governance.models import CommitteePack, PackStatus
from governance.services import pack_quarterly_due, pack_request
from notifications.models import Notification, NotificationKind
from tests.factories import CaseFactory, ReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_cases(reporter, poster):
    cases = []
    for _ in range(6):
        case = CaseFactory(state=CaseState.TRIAGE, poster=poster)
        ReportFactory(
            case=case,
            reference=case.reference,
            reporter=reporter,
            description="Secret words about Paul",
        )
        cases.append(case)
    return cases


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("governance_member", 200),
        ("hr_lead", 200),
        ("reporter", 404),
        ("triage_officer", 404),
        ("investigator", 404),
        ("outsider", 404),
    ],
)
def test_the_dashboard_is_for_the_committee_and_the_hr_lead(login, who, status, request) -> None:
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("governance:dashboard")).status_code == status
    assert client.get(reverse("governance:export_all")).status_code == status


def test_the_dashboard_shows_no_names_references_or_free_text(
    login, governance_member, some_cases, reporter, poster
) -> None:
    page = login(governance_member).get(reverse("governance:dashboard")).content.decode()
    assert "Reports received" in page or "reports" in page.lower()
    for secret in (
        reporter.get_full_name(),
        poster.get_full_name(),
        some_cases[0].reference,
        "Secret words",
    ):
        assert secret not in page


def test_a_governance_member_gets_404_on_every_case_url_and_pdf(
    login, governance_member, some_cases, hr_lead
) -> None:
    from summaries.services import summary_produce, summary_request

    case = some_cases[0]
    summary = summary_request(case=case, variant="full", by=hr_lead)
    summary_produce(summary_id=summary.pk)
    client = login(governance_member)
    urls = [
        reverse("casework:case_detail", args=[case.reference]),
        reverse("casework:investigation", args=[case.reference]),
        reverse("casework:case_action", args=[case.reference, "add_note"]),
        reverse("casework:case_list"),
        reverse("casework:triage_queue"),
        reverse("summaries:download", args=[case.reference, summary.pk]),
        reverse("summaries:status", args=[case.reference, summary.pk]),
    ]
    for url in urls:
        response = client.get(url)
        if url == reverse("casework:case_list"):
            assert case.reference not in response.content.decode()
        else:
            assert response.status_code == 404, url


def test_csv_exports_one_table_or_all(login, governance_member, some_cases) -> None:
    client = login(governance_member)
    response = client.get(reverse("governance:export_table", args=["by_platform"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    assert client.get(reverse("governance:export_table", args=["no_such_table"])).status_code == 404
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("governance:export_all")).content))
    assert any(name.startswith("by_platform") for name in archive.namelist())


def test_a_bad_period_is_explained_and_the_current_quarter_shown(login, governance_member) -> None:
    response = login(governance_member).get(
        reverse("governance:dashboard"),
        {"period": "custom", "start": "2026-05-01", "end": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "The “To” date must be on or after the “From” date." in response.content.decode()


def test_a_pack_on_demand_is_made_once_and_announced(
    login, governance_member, hr_lead, some_cases, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        login(hr_lead).post(reverse("governance:pack_create"), {"period": "year"})
    pack = CommitteePack.objects.get()
    assert pack.status == PackStatus.READY and pack.size > 0
    announcement = Notification.objects.get(
        recipient=governance_member, kind=NotificationKind.COMMITTEE_PACK_READY
    )
    download = login(governance_member).get(announcement.link)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    from governance.services import pack_produce

    assert pack_produce(pack_id=pack.pk) == "not claimed"


def test_the_outsider_cannot_download_a_pack(login, outsider, governance_member) -> None:
    pack = pack_request(
        filters=Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31)), by=governance_member
    )
    from governance.services import pack_produce

    pack_produce(pack_id=pack.pk)
    assert (
        login(outsider).get(reverse("governance:pack_download", args=[pack.pk])).status_code == 404
    )


def test_the_quarterly_pack_is_made_once_per_quarter() -> None:
    first = pack_quarterly_due(today=dt.date(2026, 7, 2))
    assert first is not None and (first.start, first.end) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 6, 30),
    )
    assert pack_quarterly_due(today=dt.date(2026, 7, 3)) is None
    assert CommitteePack.objects.filter(scheduled=True).count() == 1


@pytest.mark.parametrize(
    ("period", "day", "expected"),
    [
        (Period.MONTH, dt.date(2026, 2, 14), (dt.date(2026, 2, 1), dt.date(2026, 2, 28))),
        (Period.QUARTER, dt.date(2026, 11, 21), (dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
        (Period.QUARTER, dt.date(2026, 1, 1), (dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
        (Period.YEAR, dt.date(2026, 6, 1), (dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
    ],
)
def test_period_bounds(period, day, expected) -> None:
    assert period_bounds(period, day) == expected
