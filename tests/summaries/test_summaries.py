"""Case summaries over HTTP: who may have which, the task, the archive, verification."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from casework import services
from casework.models import CaseEvent, CaseState, EventKind, Outcome
from directory.models import Role
from summaries.models import CaseSummary, SummaryStatus
from summaries.services import summary_produce, summary_request
from tests.factories import CaseFactory, PrincipleFactory, ReportFactory, UserFactory
from tests.samples import png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(reporter, poster, poster_manager, investigator):
    decider = UserFactory(roles=[Role.HR_LEAD], first_name="Dana", last_name="Decider")
    case = CaseFactory(
        state=CaseState.DECISION,
        poster=poster,
        line_manager=poster_manager,
        investigator=investigator,
        decision_maker=decider,
        triage_summary="Patient visible.",
    )
    ReportFactory(
        case=case,
        reference=case.reference,
        reporter=reporter,
        confidential=True,
        description="Photo on the ward <font color=red>look</font>",
    )
    case.principles.add(PrincipleFactory(title="Protect patient confidentiality"))
    return case


def _pdf_text(summary: CaseSummary) -> tuple[bytes, str]:
    with summary.file.open("rb") as handle:
        data = handle.read()
    return data, "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _ask(client, case, variant: str):
    return client.post(reverse("summaries:create", args=[case.reference]), {"variant": variant})


def test_hr_lead_prepares_and_downloads_the_full_summary(
    login, hr_lead, case, reporter, django_capture_on_commit_callbacks
) -> None:
    client = login(hr_lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client, case, "full")
    assert response.status_code == 302
    summary = CaseSummary.objects.get(case=case, variant="full")
    assert summary.status == SummaryStatus.READY and len(summary.sha256) == 64
    status = client.get(reverse("summaries:status", args=[case.reference, summary.pk])).json()
    assert status["status"] == "ready" and status["download"]
    download = client.get(status["download"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert (
        CaseEvent.objects.filter(
            case=case, kind=EventKind.SUMMARY_DOWNLOADED, actor=hr_lead
        ).count()
        == 1
    )
    _, text = _pdf_text(summary)
    assert case.reference in text and "OFFICIAL-SENSITIVE: PERSONNEL" in text
    # Not even the full summary prints a confidential reporter's name: on screen it takes a reveal.
    assert reporter.get_full_name() not in text and "Withheld" in text
    assert "<font color=red>look</font>" in text  # typed markup stays literal


def test_the_managers_summary_never_names_a_confidential_reporter(
    login, poster_manager, case, reporter, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _ask(login(poster_manager), case, "manager")
    summary = CaseSummary.objects.get(case=case, variant="manager")
    data, text = _pdf_text(summary)
    assert "Withheld" in text
    # (The persona's surname is "Reporter", which is also a label in the PDF.)
    for part in (reporter.get_full_name(), reporter.first_name, reporter.email):
        assert part not in text
        assert part.encode() not in data


def test_the_employees_bundle_names_no_reporter(
    login, hr_lead, case, reporter, django_capture_on_commit_callbacks
) -> None:
    report = case.reports.get()
    report.confidential = False
    report.save(update_fields=["confidential"])
    with django_capture_on_commit_callbacks(execute=True):
        _ask(login(hr_lead), case, "employee")
    _, text = _pdf_text(CaseSummary.objects.get(case=case, variant="employee"))
    assert reporter.get_full_name() not in text and reporter.first_name not in text
    assert "Protect patient confidentiality" in text  # the allegations are there


@pytest.mark.parametrize("variant", ["full", "employee"])
def test_the_line_manager_gets_only_their_own_summary(
    login, hr_lead, poster_manager, case, variant
) -> None:
    assert _ask(login(poster_manager), case, variant).status_code == 404
    summary = summary_request(case=case, variant=variant, by=hr_lead)
    for name in ("status", "download"):
        url = reverse(f"summaries:{name}", args=[case.reference, summary.pk])
        assert login(poster_manager).get(url).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "governance_member", "poster", "reporter"])
def test_people_without_the_case_get_404_for_every_summary(
    login, hr_lead, case, who, request
) -> None:
    summary = summary_request(case=case, variant="manager", by=hr_lead)
    summary_produce(summary_id=summary.pk)
    client = login(request.getfixturevalue(who))
    assert _ask(client, case, "manager").status_code == 404
    for name in ("status", "download"):
        assert (
            client.get(reverse(f"summaries:{name}", args=[case.reference, summary.pk])).status_code
            == 404
        )


def test_a_retried_task_makes_no_second_file(hr_lead, case, settings) -> None:
    summary = summary_request(case=case, variant="full", by=hr_lead)
    assert summary_produce(summary_id=summary.pk) == "ready"
    assert summary_produce(summary_id=summary.pk) == "not claimed"
    assert summary_request(case=case, variant="full", by=hr_lead).pk == summary.pk
    files = list((settings.SUMMARY_ROOT / case.reference).iterdir())
    assert len(files) == 1


def test_a_changed_case_gets_a_new_summary(hr_lead, case) -> None:
    first = summary_request(case=case, variant="full", by=hr_lead)
    services.case_note_add(case=case, by=hr_lead, note="Spoke to the regulator.")
    case.refresh_from_db()
    second = summary_request(case=case, variant="full", by=hr_lead)
    assert second.pk != first.pk and second.case_revision == first.case_revision + 1


def test_closing_a_case_keeps_its_full_summary(case, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.case_record_outcome(
            case=case,
            by=case.decision_maker,
            outcome=Outcome.NO_CASE_TO_ANSWER,
            rationale="Not identifiable.",
            note="Closed.",
            appeal_deadline=timezone.localdate() + dt.timedelta(days=10),
        )
    archived = CaseSummary.objects.get(case=case, archived=True)
    assert archived.variant == "full" and archived.status == SummaryStatus.READY
    _, text = _pdf_text(archived)
    assert "No case to answer" in text


def test_a_fingerprint_can_be_verified(login, hr_lead, case) -> None:
    summary = summary_request(case=case, variant="full", by=hr_lead)
    summary_produce(summary_id=summary.pk)
    summary.refresh_from_db()
    _, text = _pdf_text(summary)
    assert summary.fingerprint in text.replace("\n", "")
    page = (
        login(hr_lead)
        .post(reverse("summaries:verify"), {"fingerprint": summary.fingerprint})
        .content.decode()
    )
    assert "Genuine" in page and case.reference in page
    page = (
        login(hr_lead).post(reverse("summaries:verify"), {"fingerprint": "0" * 64}).content.decode()
    )
    assert "Not recognised" in page
    out = io.StringIO()
    call_command("verify_summary", summary.sha256, stdout=out)
    assert "Genuine" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("verify_summary", "f" * 64)


def test_screenshots_are_embedded(login, hr_lead, case, reporter) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from incidents.files import evidence_file_check
    from incidents.services import report_add_evidence

    upload = SimpleUploadedFile("shot.png", png_bytes(40, 30), content_type="image/png")
    report_add_evidence(
        report=case.reports.get(), by=reporter, links=[], files=[evidence_file_check(upload)]
    )
    summary = summary_request(case=case, variant="full", by=hr_lead)
    summary_produce(summary_id=summary.pk)
    summary.refresh_from_db()
    reader = PdfReader(summary.file.open("rb"))
    images = [image for page in reader.pages for image in page.images]
    assert images


def test_a_look_alike_link_is_printed_with_its_true_form(hr_lead, case) -> None:
    from tests.factories import EvidenceLinkFactory

    report = case.reports.get()
    EvidenceLinkFactory(report=report, url="https://fаcebook.com/nurse/posts/7")  # a Cyrillic а
    summary = summary_request(case=case, variant="full", by=hr_lead)
    summary_produce(summary_id=summary.pk)
    summary.refresh_from_db()
    _, text = _pdf_text(summary)
    flat = " ".join(text.split())
    assert "xn--fcebook-2fg.com" in flat
    assert "look-alike" in flat
