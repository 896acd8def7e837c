"""Drills: the evidence store is full or read-only while someone sends a report or adds evidence.

A real tmpfs is filled or mounted read-only (tests/incidents/helpers.py):
the errors are the kernel's. The reporter must be told plainly that nothing
was sent, keep what they typed, and no file may stay behind without its row.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from casework.models import Case, CaseEvent, EventKind
from incidents.models import EvidenceFile, Report
from notifications.models import Notification
from tests.samples import pdf_bytes, png_upload, upload

pytestmark = pytest.mark.django_db

DESCRIPTION = "Photo of bay 4 with Mrs Example's chart readable — posted at 02:10."
LINK = "https://www.facebook.com/some.one/posts/123"


def send(client, data, capture):
    with capture(execute=True):
        return client.post(reverse("incidents:report_create"), data)


def assert_nothing_saved(small_disk) -> None:
    assert Report.objects.count() == 0
    assert Case.objects.count() == 0
    assert EvidenceFile.objects.count() == 0
    assert Notification.objects.count() == 0
    assert small_disk.files() == []


def assert_not_sent_page(response, *, files_lost: bool = True) -> str:
    assert response.status_code == 503
    page = html.unescape(response.content.decode())
    assert "Your report has NOT been sent" in page
    assert "you have no reference number" in page
    assert ("choose them again" in page) is files_lost
    # What was typed is back in the form, to send again as it is.
    assert DESCRIPTION in page
    assert LINK in page
    return page


def test_full_disk_the_report_is_not_sent_and_what_was_typed_is_kept(
    login, reporter, small_disk, report_data, django_capture_on_commit_callbacks, caplog
) -> None:
    small_disk.mount()
    small_disk.fill()
    data = report_data(
        links=LINK,
        description=DESCRIPTION,
        poster_kind="handle",
        poster_handle="@night_shift_nurse",
        screenshots=[png_upload("one.png"), png_upload("two.png")],
    )
    with caplog.at_level(logging.ERROR, logger="incidents.services"):
        response = send(login(reporter), data, django_capture_on_commit_callbacks)

    page = assert_not_sent_page(response)
    assert 'value="@night_shift_nurse"' in page
    assert f'value="{data["submission_token"]}"' in page  # sent again, it is still one report
    assert_nothing_saved(small_disk)
    # The administrators learn what failed and where, and nothing of what the report says.
    [record] = [r for r in caplog.records if "evidence store failed" in r.getMessage()]
    line = record.getMessage()
    assert "ENOSPC" in line and str(small_disk.path) in line and "files 2" in line
    for personal in (DESCRIPTION, "night_shift", "facebook", reporter.email, reporter.last_name):
        assert personal not in line


def test_disk_filling_at_the_second_file_leaves_no_file_behind(
    login, reporter, small_disk, report_data, django_capture_on_commit_callbacks
) -> None:
    """Room for one screenshot: it is written, the second is not, the first must go again."""
    small_disk.mount()
    small_disk.fill(leave_pages=1)
    data = report_data(
        links=LINK,
        description=DESCRIPTION,
        screenshots=[png_upload("one.png"), png_upload("two.png"), png_upload("three.png")],
    )
    response = send(login(reporter), data, django_capture_on_commit_callbacks)

    assert_not_sent_page(response)
    assert_nothing_saved(small_disk)


def test_read_only_store_the_report_is_not_sent(
    login, reporter, small_disk, report_data, django_capture_on_commit_callbacks, caplog
) -> None:
    small_disk.mount(read_only=True)
    data = report_data(links=LINK, description=DESCRIPTION, screenshots=png_upload())
    with caplog.at_level(logging.ERROR, logger="incidents.services"):
        response = send(login(reporter), data, django_capture_on_commit_callbacks)

    assert_not_sent_page(response)
    assert_nothing_saved(small_disk)
    assert any("EROFS" in r.getMessage() for r in caplog.records)


def test_sent_again_once_there_is_room_it_is_one_report(
    login, reporter, small_disk, report_data, django_capture_on_commit_callbacks
) -> None:
    small_disk.mount()
    small_disk.fill()
    data = report_data(links=LINK, description=DESCRIPTION, screenshots=png_upload())
    client = login(reporter)
    assert send(client, data, django_capture_on_commit_callbacks).status_code == 503

    small_disk.free()
    response = send(
        client, {**data, "screenshots": png_upload()}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.description == DESCRIPTION
    assert [f.file.name for f in EvidenceFile.objects.all()] == small_disk.files()
    assert send(client, data, django_capture_on_commit_callbacks).status_code == 302
    assert Report.objects.count() == 1


def test_without_files_a_storage_failure_cannot_happen(
    login, reporter, small_disk, report_data, django_capture_on_commit_callbacks
) -> None:
    """A report without screenshots needs no disk: sending it without them is real advice."""
    small_disk.mount(read_only=True)
    data = report_data(links=LINK, description=DESCRIPTION)
    response = send(login(reporter), data, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Report.objects.count() == 1


def test_full_disk_evidence_is_not_added_and_the_links_are_kept(
    login, reporter, small_disk, report_data, django_capture_on_commit_callbacks
) -> None:
    small_disk.mount()
    client = login(reporter)
    assert send(client, report_data(), django_capture_on_commit_callbacks).status_code == 302
    report = Report.objects.get()
    events = CaseEvent.objects.count()
    small_disk.fill(leave_pages=1)

    more = "https://www.instagram.com/p/Cxyz123/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("incidents:report_detail", args=[report.reference]),
            {"links": more, "screenshots": [png_upload("a.png"), png_upload("b.png")]},
        )

    assert response.status_code == 503
    page = html.unescape(response.content.decode())
    assert "Your further evidence has NOT been added" in page
    assert "choose them again" in page
    assert more in page
    assert EvidenceFile.objects.count() == 0
    assert report.links.count() == 1
    assert CaseEvent.objects.count() == events
    assert not CaseEvent.objects.filter(kind=EventKind.EVIDENCE_ADDED).exists()
    assert small_disk.files() == []


# ------------------------------------------------------------------ the orphan clean-up


def _age(path, *, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_orphan_command_lists_then_removes_only_old_files_no_row_points_to(
    login, reporter, settings, report_data, django_capture_on_commit_callbacks, capsys
) -> None:
    client = login(reporter)
    data = report_data(screenshots=png_upload())
    assert send(client, data, django_capture_on_commit_callbacks).status_code == 302
    kept = settings.EVIDENCE_ROOT / EvidenceFile.objects.get().file.name
    _age(kept, hours=24 * 30)
    folder = kept.parent
    old_orphan = folder / "0123456789abcdef0123456789abcdef.png"
    old_orphan.write_bytes(b"left by a failed save")
    _age(old_orphan, hours=25)
    fresh = folder / "fedcba9876543210fedcba9876543210.png"
    fresh.write_bytes(b"a save still under way")
    _age(fresh, hours=23)

    call_command("evidence_orphans")
    listed = capsys.readouterr().out
    assert "would remove" in listed and old_orphan.name in listed
    assert fresh.name not in listed and kept.name not in listed
    assert "run again with --delete" in listed
    assert old_orphan.exists()  # a dry run by default

    call_command("evidence_orphans", "--delete")
    assert "1 orphan file(s) removed, of 1 found." in capsys.readouterr().out
    assert not old_orphan.exists()
    assert fresh.exists() and kept.exists()

    call_command("evidence_orphans")
    assert "No orphan files." in capsys.readouterr().out


def test_orphan_age_is_measured_from_the_file(settings, db) -> None:
    from incidents.orphans import ORPHAN_MIN_AGE, evidence_orphans_find

    assert ORPHAN_MIN_AGE == dt.timedelta(days=1)
    settings.EVIDENCE_ROOT.mkdir(parents=True, exist_ok=True)
    planted = settings.EVIDENCE_ROOT / "x.pdf"
    planted.write_bytes(b"%PDF")
    _age(planted, hours=24.5)
    assert [o.name for o in evidence_orphans_find()] == ["x.pdf"]


def test_large_pdf_cut_off_by_a_full_disk_leaves_no_partial_file(
    login, reporter, small_disk, report_data, django_capture_on_commit_callbacks
) -> None:
    """Over 2.5 MB an upload is a temporary file that storage copies in: the copy stops part-way."""
    filler = "4 0 obj\n<</Length 3000000>>stream\n" + "A" * 3_000_000 + "\nendstream\nendobj"
    big = upload("scan.pdf", pdf_bytes(objects=filler), "application/pdf")
    small_disk.mount()
    small_disk.fill(leave_pages=2)
    data = report_data(links=LINK, description=DESCRIPTION, screenshots=big)
    response = send(login(reporter), data, django_capture_on_commit_callbacks)

    assert_not_sent_page(response)
    assert_nothing_saved(small_disk)
