"""File names: whatever a name holds, a download offers a plain file name and the header stays one header."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import parse_header_parameters

from casework.models import CaseState
from governance.figures import Filters
from governance.services import pack_produce, pack_request
from incidents.files import evidence_file_check
from incidents.models import EvidenceFile, Report
from incidents.services import report_add_evidence
from kit.downloads import attachment_header, download_name
from summaries.services import summary_produce, summary_request
from tests.factories import ReportFactory, case_in_state
from tests.samples import png_bytes, upload

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = [
    "../../etc/passwd",
    "..\\..\\Windows\\System32\\drivers\\etc\\hosts",
    "C:\\Users\\rita\\Desktop\\screenshot.png",
    "/var/flagpost/evidence/2026/01/abc.png",
    "shot\r\nSet-Cookie: sessionid=stolen\r\n.png",
    "shot\nContent-Type: text/html.png",
    'report "final"; filename=evil.exe.pdf',
    "back\\slash.pdf",
    "invoice\u202egpj.exe",
    "nul\x00byte.png",
    "tab\there.png",
    "Beschwerde Größe – März.pdf",
    "жалоба.pdf",
    "😀 smile.png",
    "",
    "...",
    "/",
    "a" * 400 + ".pdf",
]


def _header_parts(header: str) -> tuple[str, dict[str, str]]:
    return parse_header_parameters(header)


def _fallback(header: str) -> str:
    return header.split('filename="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_any_name_gives_one_safe_attachment_header(name: str) -> None:
    header = attachment_header(name)
    assert header.isascii()
    assert not any(ch in header for ch in "\r\n\x00\t")
    response = HttpResponse()
    response["Content-Disposition"] = header  # Django refuses a header that would split in two
    disposition, params = _header_parts(response["Content-Disposition"])
    assert disposition == "attachment"
    offered = params["filename"]  # filename* when present, as a modern browser reads it
    assert offered and "/" not in offered and "\\" not in offered
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in offered)
    assert not offered.startswith(".") and len(offered) <= 150
    fallback = _fallback(header)
    assert fallback and '"' not in fallback and "\\" not in fallback and ";" not in fallback


@pytest.mark.parametrize(
    ("name", "offered"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\rita\\Desktop\\screenshot.png", "screenshot.png"),
        ("shot\r\nSet-Cookie: sessionid=stolen\r\n.png", "shot Set-Cookie: sessionid=stolen .png"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("", "download"),
        ("...", "download"),
    ],
)
def test_path_parts_line_breaks_and_hidden_characters_are_taken_out(
    name: str, offered: str
) -> None:
    assert download_name(name) == offered
    assert _header_parts(attachment_header(name))[1]["filename"] == offered


def test_a_name_outside_ascii_is_kept_exactly_with_a_plain_stand_in_for_old_browsers() -> None:
    header = attachment_header("Beschwerde Größe – März.pdf")
    assert _fallback(header) == "Beschwerde Gro_e _ Marz.pdf"
    assert "filename*=UTF-8''Beschwerde%20Gr%C3%B6%C3%9Fe%20%E2%80%93%20M%C3%A4rz.pdf" in header
    assert _header_parts(header)[1]["filename"] == "Beschwerde Größe – März.pdf"


def test_quotes_cannot_end_the_name_early() -> None:
    header = attachment_header('report "final"; filename=evil.exe.pdf')
    assert _fallback(header) == "report _final__ filename=evil.exe.pdf"
    assert _header_parts(header)[1]["filename"] == 'report "final"; filename=evil.exe.pdf'


def test_a_plain_name_gets_a_plain_header() -> None:
    assert (
        attachment_header("SMP-2026-00001-full-r3.pdf")
        == 'attachment; filename="SMP-2026-00001-full-r3.pdf"'
    )


def test_a_long_name_is_shortened_keeping_its_extension() -> None:
    offered = download_name("a" * 400 + ".pdf")
    assert len(offered) == 150 and offered.endswith("a.pdf")


def test_an_uploaded_name_with_folders_and_line_breaks_is_stored_plain(reporter) -> None:
    report = ReportFactory(reporter=reporter)
    hostile = upload("..\\..\\evil\r\nname\x07.png", png_bytes())
    report_add_evidence(report=report, by=reporter, links=[], files=[evidence_file_check(hostile)])
    evidence = EvidenceFile.objects.get()
    assert evidence.original_name == "evil name.png"
    assert "evil" not in evidence.file.name  # the stored name is generated


# --------------------------------------------------------------------------- every download


def _assert_download(response, expected: str) -> None:
    assert response.status_code == 200
    header = response["Content-Disposition"]
    assert header.startswith("attachment; filename=")
    assert not any(ch in header for ch in "\r\n")
    assert _header_parts(header)[1]["filename"] == expected


def test_evidence_downloads_offer_a_generated_name_even_with_a_hostile_reference(
    login, reporter
) -> None:
    report = ReportFactory(reporter=reporter)
    report_add_evidence(
        report=report,
        by=reporter,
        links=[],
        files=[evidence_file_check(upload("a.png", png_bytes()))],
    )
    evidence = EvidenceFile.objects.get()
    _assert_download(
        login(reporter).get(reverse("incidents:evidence_download", args=[evidence.pk])),
        f"evidence-{report.reference}-{evidence.pk}.png",
    )
    # A reference is made by Flagpost, but the header must not trust even that.
    Report.objects.filter(pk=report.pk).update(reference='SMP/"x"\r\nSet-Cookie: a=1')
    response = login(reporter).get(reverse("incidents:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert (
        _header_parts(response["Content-Disposition"])[1]["filename"]
        == f'"x" Set-Cookie: a=1-{evidence.pk}.png'
    )
    assert "Set-Cookie" not in {key for key, _ in response.items()}


def test_summary_downloads_offer_a_safe_name(login, cast, hr_lead) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    summary = summary_request(case=case, variant="full", by=hr_lead)
    summary_produce(summary_id=summary.pk)
    summary.refresh_from_db()
    response = login(hr_lead).get(reverse("summaries:download", args=[case.reference, summary.pk]))
    _assert_download(response, f"{case.reference}-full-r{summary.case_revision}.pdf")


def test_governance_exports_and_packs_offer_a_safe_name(login, hr_lead, governance_member) -> None:
    client = login(governance_member)
    response = client.get(
        reverse("governance:export_table", args=["by_platform"]),
        {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"},
    )
    _assert_download(response, "flagpost-by_platform-2026-01-01-2026-03-31.csv")
    response = client.get(
        reverse("governance:export_all"),
        {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"},
    )
    _assert_download(response, "flagpost-figures-2026-01-01-2026-03-31.zip")
    pack = pack_request(
        filters=Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31)), by=hr_lead
    )
    pack_produce(pack_id=pack.pk)
    _assert_download(
        client.get(reverse("governance:pack_download", args=[pack.pk])),
        "flagpost-committee-pack-2026-01-01-2026-03-31.pdf",
    )
