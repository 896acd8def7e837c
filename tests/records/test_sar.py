"""Subject access requests: the IG lead downloads everything about one person, with third parties withheld."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse

from audit.models import AuditEvent, AuditKind
from audit.services import audit_record, username_fingerprint
from casework.models import Case, CaseEvent, CaseState, EventKind, Finding
from directory.models import Role, User
from notifications.models import Notification, NotificationKind
from records.models import SubjectAccessExport
from records.services import retention_apply
from tests.factories import PNG, UserFactory, case_in_state, report_make

pytestmark = pytest.mark.django_db

PERSONAS = [
    "manager",
    "reporter",
    "poster_manager",
    "poster",
    "triage_officer",
    "investigator",
    "hr_lead",
    "governance_member",
    "outsider",
    "decision_maker",
    "safeguarding_lead",
    "communications_lead",
    "administrator",
]


@pytest.fixture
def administrator(db) -> User:
    return UserFactory(
        first_name="Ada",
        last_name="Admin",
        roles=[Role.ADMINISTRATOR],
        is_staff=True,
        is_superuser=True,
    )


def _download(client, person: User):
    return client.post(reverse("records:subject_access_download", args=[person.pk]))


def _archive(response) -> dict[str, bytes]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _json(files: dict[str, bytes]) -> dict:
    return json.loads(files["subject-access.json"])


def _said(person: User) -> list[bytes]:
    """The ways the archive could name a person: their full name and their work email, in any case."""
    return [
        person.get_full_name().encode(),
        person.email.encode(),
        person.get_full_name().upper().encode(),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_ig_lead_may_open_the_door(persona: str, request, login, poster):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("records:subject_access")).status_code == 404
    assert client.get(reverse("records:subject_access"), {"q": "Paul"}).status_code == 404
    assert _download(client, poster).status_code == 404
    assert not SubjectAccessExport.objects.exists()
    assert "Subject access requests" not in client.get(reverse("home")).content.decode()


def test_the_ig_lead_finds_the_page_in_their_navigation(ig_lead, login):
    page = login(ig_lead).get(reverse("home")).content.decode()
    assert f'href="{reverse("records:subject_access")}"' in page
    assert "Subject access requests" in page


def test_a_signed_out_visitor_is_sent_to_sign_in(client, poster):
    response = client.get(reverse("records:subject_access"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.fixture
def case_about_poster(cast, hr_lead) -> Case:
    """Closed with a warning; reported twice, once in confidence; staff wrote the reporter's name in free text."""
    case = case_in_state(CaseState.CLOSED, cast, confidential=True)
    second = UserFactory(first_name="Sonia", last_name="Secondreporter")
    report_make(case=case, reporter=second, poster=cast.poster)
    reporter = cast.reporter
    Finding.objects.filter(case=case).update(
        note=f"Confirmed by {reporter.get_full_name()} ({reporter.email}); Sonia Secondreporter agreed."
    )
    Case.objects.filter(pk=case.pk).update(
        outcome_rationale=f"{reporter.get_full_name().upper()}'s screenshot shows the patient clearly.",
        interview_records=f"Interviewed {reporter.get_full_name()}.",
    )
    return case


def test_the_archive_about_the_person_who_posted_never_names_a_reporter(
    case_about_poster,
    cast,
    ig_lead,
    login,
):
    files = _archive(_download(login(ig_lead), cast.poster))

    assert set(files) == {"README.txt", "subject-access.json", "subject-access.html"}
    reporters = [report.reporter for report in case_about_poster.reports.all()]
    assert len(reporters) == 2
    third_parties = [
        *reporters,
        cast.triage_officer,
        cast.investigator,
        cast.decision_maker,
        cast.line_manager,
    ]
    for name, content in files.items():
        for person in third_parties:
            for said in _said(person):
                assert said not in content, f"{said!r} found in {name}"
    data = _json(files)
    assert data["you_in_the_staff_directory"]["work_email"] == cast.poster.email
    assert (
        data["you_in_the_staff_directory"]["line_manager"]
        == "Recorded (name withheld as a third party)"
    )
    [about] = data["cases_about_you"]
    assert about["reference"] == case_about_poster.reference
    assert about["outcome"] == "Final written warning" and about["stage"] == "Closed"
    assert [r["reporter"] for r in about["reports"]] == ["Reporter 1", "Reporter 2"]
    assert [p["title"] for p in about["principles_alleged"]] == list(
        case_about_poster.principles.values_list("title", flat=True)
    )
    assert {"Report received", "Further report of the same post"} & {
        e["what"] for e in about["timeline"]
    }
    assert (
        about["findings"][0]["note"] == "Confirmed by Reporter 1 (Reporter 1); Reporter 2 agreed."
    )
    assert about["outcome_rationale"] == "Reporter 1's screenshot shows the patient clearly."
    # Investigation papers and the reporters' own words are not part of it.
    assert b"Interviewed" not in files["subject-access.json"]
    assert b"Larkspur" not in files["subject-access.json"]
    assert (
        b"Reporter 1" in files["subject-access.html"]
        and b"Reporter 1" in files["subject-access.json"]
    )
    assert b"Other people's identities are withheld." in files["README.txt"]
    assert "confidential" not in json.dumps(about).lower()


def test_the_archive_about_a_reporter_holds_their_reports_and_files(
    case_about_poster, cast, ig_lead, login
):
    report = case_about_poster.reports.get(reporter=cast.reporter)
    report.description = "Paul Poster posted a photo of bay 4 with <b>names</b> showing."
    report.save(update_fields=["description"])
    evidence = report.files.get()

    files = _archive(_download(login(ig_lead), cast.reporter))

    [made] = _json(files)["reports_made"]
    assert made["reference"] == report.reference and made["status"] == "Closed"
    assert made["what_the_post_shows_in_your_words"] == (
        "The person who posted posted a photo of bay 4 with <b>names</b> showing."
    )
    assert made["who_posted_it"] == "A colleague you named (withheld as a third party)"
    assert made["you_asked_for_confidentiality"] is True
    assert [link["url"] for link in made["links_you_gave"]] == list(
        report.links.values_list("url", flat=True)
    )
    [given] = made["files_you_gave"]
    assert given["sha256"] == evidence.sha256
    assert hashlib.sha256(files[given["file_in_this_archive"]]).hexdigest() == evidence.sha256
    assert files[given["file_in_this_archive"]] == PNG
    # Escaped in the HTML rendering, never markup.
    assert b"&lt;b&gt;names&lt;/b&gt;" in files["subject-access.html"]
    # What happened in the case itself is not the reporter's to know.
    assert _json(files)["cases_about_you"] == []
    for name, content in files.items():
        for said in _said(cast.poster) + _said(cast.investigator) + [b"Secondreporter"]:
            assert said not in content, f"{said!r} found in {name}"


def test_the_archive_holds_actions_notifications_and_the_audit_trail(
    case_about_poster, cast, ig_lead, login
):
    officer = cast.triage_officer
    CaseEvent.objects.create(
        case=case_about_poster,
        kind=EventKind.NOTE,
        actor=officer,
        note=f"Phoned {cast.poster.get_full_name()} about the post.",
    )
    Notification.objects.create(
        recipient=officer,
        kind=NotificationKind.CASE_REOPENED,
        case=case_about_poster,
        subject=f"Case {case_about_poster.reference} has been reopened",
        body_text=f"{cast.poster.get_full_name()} appealed.",
        body_html="<p>x</p>",
    )
    audit_record(
        kind=AuditKind.CASE_VIEWED, actor=officer, case=case_about_poster, detail={"page": "case"}
    )
    audit_record(
        kind=AuditKind.SIGN_IN_FAILED,
        actor=None,
        detail={"username_sha256": username_fingerprint(officer.email.upper())},
    )

    files = _archive(_download(login(ig_lead), officer))
    data = _json(files)

    note = [row for row in data["actions_taken"] if row["what"] == "Note"]
    assert note[0]["your_note"] == "Phoned The person who posted about the post."
    assert {"case": case_about_poster.reference, "role": "Triage officer"} in data[
        "roles_you_held_on_cases"
    ]
    [notified] = data["notifications"]
    assert notified["subject"] == f"Case {case_about_poster.reference} has been reopened"
    assert "appealed" not in json.dumps(notified)
    assert any(
        row["what"] == "Case page viewed" and row["case"] == case_about_poster.reference
        for row in data["audit_entries"]
    )
    assert [row["what"] for row in data["sign_in_attempts_with_your_email"]] == ["Sign-in failed"]
    for content in files.values():
        for said in _said(cast.poster) + _said(cast.reporter):
            assert said not in content


def test_each_archive_is_recorded_with_its_fingerprint(case_about_poster, cast, ig_lead, login):
    response = _download(login(ig_lead), cast.poster)
    export = SubjectAccessExport.objects.get()
    assert (export.subject, export.requested_by) == (cast.poster, ig_lead)
    assert export.sha256 == hashlib.sha256(response.content).hexdigest() and export.size == len(
        response.content
    )
    assert export.counts["cases_about_you"] == 1
    row = AuditEvent.objects.get(kind=AuditKind.SUBJECT_ACCESS_EXPORT)
    assert (row.actor, row.detail["subject"], row.detail["sha256"]) == (
        ig_lead,
        cast.poster.pk,
        export.sha256,
    )
    assert response["Cache-Control"] == "no-store"


def test_the_filename_is_safe_whatever_the_name(ig_lead, login):
    person = UserFactory(first_name='Zoë "Quote"\r\nSet-Cookie: x=1', last_name="../../etc/passwd")
    response = _download(login(ig_lead), person)
    header = response["Content-Disposition"]
    assert header.startswith(
        'attachment; filename="subject-access-zoe-quote-set-cookie-x1-etcpasswd-'
    )
    assert header.endswith('.zip"')
    assert (
        "\r" not in header and "\n" not in header and "/" not in header and header.count('"') == 2
    )
    _archive(response)


def test_no_one_prepares_their_own_archive(ig_lead, login):
    client = login(ig_lead)
    response = client.post(
        reverse("records:subject_access_download", args=[ig_lead.pk]), follow=True
    )
    assert "must be prepared by another information governance lead" in response.content.decode()
    assert not SubjectAccessExport.objects.exists()


def test_search_has_an_empty_state_and_helpful_errors(cast, ig_lead, login):
    client = login(ig_lead)
    url = reverse("records:subject_access")

    page = client.get(url).content.decode()
    assert "Search for a member of staff by name or work email" in page
    assert "No archive has been made yet." in page

    response = client.get(url, {"q": "P"})
    assert response.status_code == 400
    assert "Enter at least 2 characters of a name or an email address." in response.content.decode()

    page = client.get(url, {"q": "Nobody Byname"}).content.decode()
    assert "No one in the staff directory matches “Nobody Byname”" in page

    page = client.get(url, {"q": "paul pos"}).content.decode()
    assert (
        cast.poster.email in page
        and reverse("records:subject_access_download", args=[cast.poster.pk]) in page
    )
    page = client.get(url, {"q": cast.reporter.email.upper()}).content.decode()
    assert cast.reporter.email in page


def test_the_placeholder_for_removed_people_is_not_a_person_to_search_for(
    case_about_poster,
    cast,
    ig_lead,
    login,
    django_capture_on_commit_callbacks,
):
    Case.objects.filter(pk=case_about_poster.pk).update(
        closed_at=case_about_poster.closed_at.replace(year=2001)
    )
    with django_capture_on_commit_callbacks(execute=True):
        retention_apply()
    client = login(ig_lead)
    assert (
        "removed-under-retention"
        not in client.get(reverse("records:subject_access"), {"q": "retention"}).content.decode()
    )
    placeholder = User.objects.get(email="removed-under-retention@flagpost.invalid")
    assert _download(client, placeholder).status_code == 404
    # Once its personal details are gone, the case is no longer linked to the person who posted.
    assert _json(_archive(_download(client, cast.poster)))["cases_about_you"] == []
