"""Retention: closed cases lose their personal details when their period runs out, unless on legal hold.

The governance figures must not move when that happens, and the audit trail
keeps every row.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, AuditKind
from casework.models import (
    Case,
    CaseEvent,
    CaseState,
    Closure,
    EventKind,
    Finding,
    Outcome,
    ReopenReason,
)
from casework.services import ActionNotAllowed, case_reopen, case_update_details
from directory.models import User
from governance.figures import Filters
from governance.rollup import rollup_differences, rollup_refresh
from governance.selectors import compute_tables
from incidents.models import EvidenceFile, EvidenceLink, PosterKind, Report
from notifications.models import Notification, NotificationKind
from records import services
from records.models import LegalHold, RetentionRun, RunTrigger
from records.retention import RETENTION_KINDS, retention_until
from records.selectors import PLACEHOLDER_EMAIL, cases_due_for_removal
from records.services import HoldRefused, legal_hold_lift, legal_hold_place, retention_apply
from records.tasks import retention_monthly
from summaries.models import CaseSummary, SummaryStatus, SummaryVariant
from summaries.services import summary_produce, summary_request
from tests.factories import (
    CaseFactory,
    ReportFactory,
    UserFactory,
    case_in_state,
    evidence_file_make,
)
from tests.governance.world import Q1_END, Q1_START, at

pytestmark = pytest.mark.django_db

HOLD_REASON = "Employment tribunal claim 2401234/2026 names this case."


def _closed(
    cast,
    *,
    closed_at: dt.datetime,
    closure: str = Closure.OUTCOME,
    outcome: str = Outcome.FINAL_WRITTEN_WARNING,
) -> Case:
    case = case_in_state(
        CaseState.CLOSED,
        cast,
        closure=closure,
        outcome=outcome if closure == Closure.OUTCOME else "",
    )
    Case.objects.filter(pk=case.pk).update(closed_at=closed_at)
    case.refresh_from_db()
    return case


def _years_ago(years: int, days: int = 0) -> dt.datetime:
    now = timezone.now()
    return now.replace(year=now.year - years) - dt.timedelta(days=days)


# --- The schedule ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(RETENTION_KINDS))
def test_the_retention_date_follows_how_the_case_closed(cast, settings, kind: str):
    settings.RETENTION_YEARS = {key: 3 for key in RETENTION_KINDS} | {kind: 7}
    closure, outcome = (Closure.OUTCOME, kind) if kind in Outcome.values else (kind, "")
    closed_at = dt.datetime(2020, 2, 29, 15, 30, tzinfo=dt.UTC)
    case = _closed(cast, closed_at=closed_at, closure=closure, outcome=outcome)

    assert retention_until(case) == dt.datetime(2027, 2, 28, 15, 30, tzinfo=dt.UTC)
    day_before = dt.datetime(2027, 2, 27, 15, 30, tzinfo=dt.UTC)
    assert not cases_due_for_removal(day_before).filter(pk=case.pk).exists()
    assert cases_due_for_removal(dt.datetime(2027, 3, 1, tzinfo=dt.UTC)).filter(pk=case.pk).exists()


def test_the_default_schedule_keeps_formal_outcomes_longer_than_withdrawn_reports(settings):
    years = settings.RETENTION_YEARS
    assert set(years) == set(RETENTION_KINDS)
    assert (
        years["withdrawn"]
        < years["dismissed"]
        <= years["final_written_warning"]
        < years["dismissal"]
    )


def test_an_open_case_is_never_due(cast):
    case = case_in_state(CaseState.INVESTIGATION, cast)
    assert retention_until(case) is None
    assert (
        not cases_due_for_removal(timezone.now() + dt.timedelta(days=365 * 100))
        .filter(pk=case.pk)
        .exists()
    )


def test_check_names_a_wrong_schedule(settings):
    schedule = {key: 6 for key in RETENTION_KINDS if key != "dismissal"}
    settings.RETENTION_YEARS = schedule | {"warning": 3, "withdrawn": 0}
    with pytest.raises(SystemCheckError) as refused:
        call_command("check")
    message = str(refused.value)
    assert "'warning', which is not a kind of closure" in message
    assert "no period for 'dismissal'" in message
    assert "'withdrawn' 0 years; the least is 1" in message


# --- Removing personal details ----------------------------------------------------------------


@pytest.fixture
def expired(cast, hr_lead) -> Case:
    """A case closed with a final written warning eight years ago, with everything a case can hold."""
    case = _closed(cast, closed_at=_years_ago(8))
    Case.objects.filter(pk=case.pk).update(
        poster_handle="@paulposts",
        informal_action="Asked Paul Poster to take the post down.",
        interview_records="Interviewed Paul Poster and Rita Reporter.",
    )
    case.refresh_from_db()
    Finding.objects.filter(case=case).update(
        note="Paul Poster accepted that the photo showed a patient."
    )
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.NOTE,
        actor=cast.investigator,
        note="Spoke to Paul Poster's manager.",
        to_state=case.state,
    )
    Report.objects.filter(case=case).update(poster_handle="@paulposts")
    evidence_file_make(report=case.reports.get())
    summary = summary_request(case=case, variant=SummaryVariant.FULL, by=hr_lead)
    summary_produce(summary_id=summary.pk)
    Notification.objects.create(
        recipient=cast.line_manager,
        kind=NotificationKind.CASE_ROUTED,
        case=case,
        subject=f"Case {case.reference} needs your review as line manager",
        body_text="A case about Paul Poster needs your review.",
        body_html="<p>A case about Paul Poster needs your review.</p>",
    )
    return case


def _stored_paths(case: Case) -> list[Path]:
    files = [Path(f.file.path) for f in EvidenceFile.objects.filter(report__case=case)]
    files += [Path(s.file.path) for s in CaseSummary.objects.filter(case=case).exclude(file="")]
    return files


def test_the_monthly_task_removes_every_personal_detail_and_the_files(
    expired,
    cast,
    django_capture_on_commit_callbacks,
):
    paths = _stored_paths(expired)
    assert len(paths) == 3 and all(path.exists() for path in paths)  # two screenshots and the PDF
    audit_before = list(AuditEvent.objects.order_by("seq").values_list("seq", "hash"))
    kept = Case.objects.values(
        "created_at",
        "state",
        "closed_at",
        "closure",
        "outcome",
        "triage_started_at",
        "flag_safeguarding",
        "flag_data_breach",
        "directorate",
    ).get(pk=expired.pk)
    principles = set(expired.principles.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        retention_monthly.delay()

    case = Case.objects.get(pk=expired.pk)
    placeholder = case.investigator
    assert placeholder.email == PLACEHOLDER_EMAIL and not placeholder.is_active
    assert not placeholder.has_usable_password()
    assert case.anonymised_at is not None
    assert case.poster is None and case.poster_handle == ""
    for text in (
        "triage_summary",
        "informal_action",
        "terms_of_reference",
        "evidence_summary",
        "interview_records",
        "recommendation",
        "outcome_rationale",
    ):
        assert getattr(case, text) == "", text
    for role in ("triaged_by", "line_manager", "investigator", "decision_maker"):
        assert getattr(case, f"{role}_id") == placeholder.pk, role
    assert case.subject_key is not None
    assert set(Finding.objects.filter(case=case).values_list("note", flat=True)) == {""}
    events = CaseEvent.objects.filter(case=case)
    assert set(events.values_list("note", flat=True)) == {""}
    assert set(events.exclude(actor=None).values_list("actor", flat=True)) == {placeholder.pk}
    report = Report.objects.get(case=case)
    assert (report.description, report.poster_id, report.poster_handle) == ("", None, "")
    assert report.reporter_id == placeholder.pk
    assert report.poster_kind == PosterKind.COLLEAGUE  # not personal: kept
    assert not EvidenceLink.objects.filter(report__case=case).exists()
    assert not EvidenceFile.objects.filter(report__case=case).exists()
    assert not CaseSummary.objects.filter(case=case).exists()
    assert not any(path.exists() for path in paths)
    notification = Notification.objects.get(case=case)
    assert "Paul" not in notification.body_text + notification.body_html
    assert notification.subject == f"Case {case.reference} needs your review as line manager"

    # What the governance figures count is untouched.
    assert Case.objects.values(*kept).get(pk=case.pk) == kept
    assert set(case.principles.values_list("pk", flat=True)) == principles
    # The audit trail keeps every row as it was, and gains the removal and the run.
    assert (
        list(
            AuditEvent.objects.filter(seq__lte=audit_before[-1][0])
            .order_by("seq")
            .values_list("seq", "hash")
        )
        == audit_before
    )
    assert AuditEvent.objects.filter(kind=AuditKind.PERSONAL_DATA_REMOVED, case=case).count() == 1
    run = RetentionRun.objects.get()
    assert (run.trigger, run.cases_due, run.cases_anonymised, run.files_removed, run.errors) == (
        RunTrigger.SCHEDULE,
        1,
        1,
        3,
        [],
    )
    assert run.month == timezone.localdate().replace(day=1) and run.finished_at is not None
    ran = AuditEvent.objects.get(kind=AuditKind.RETENTION_RUN)
    assert ran.detail["cases_anonymised"] == 1 and ran.detail["run"] == run.pk
    call_command("verify_audit", stdout=io.StringIO())


def test_an_anonymised_case_page_and_pdf_still_work(
    expired, hr_lead, login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        retention_apply()
    case = Case.objects.get(pk=expired.pk)

    response = login(hr_lead).get(reverse("casework:case_detail", args=[case.reference]))
    assert response.status_code == 200
    page = response.content.decode()
    day = f"{timezone.localdate(case.anonymised_at):%-d %B %Y}"
    assert f"Personal details removed under the retention schedule on {day}." in page
    assert "Paul" not in page and "Rita" not in page
    assert "Place a legal hold" not in page

    summary = summary_request(case=case, variant=SummaryVariant.FULL, by=hr_lead)
    assert summary_produce(summary_id=summary.pk) == "ready"
    assert CaseSummary.objects.get(pk=summary.pk).status == SummaryStatus.READY


def test_an_anonymised_case_cannot_be_reopened(
    expired, hr_lead, login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        retention_apply()
    case = Case.objects.get(pk=expired.pk)
    url = reverse("casework:case_action", args=[case.reference, "reopen"])
    response = login(hr_lead).post(
        url, {"seen_revision": case.revision, "reason": "appeal", "note": "An appeal arrived."}
    )
    assert response.status_code == 409
    assert "so it can&#x27;t be reopened" in response.content.decode()
    with pytest.raises(ActionNotAllowed, match="can't be reopened"):
        case_reopen(case=case, by=hr_lead, reason=ReopenReason.APPEAL, note="An appeal arrived.")
    assert Case.objects.get(pk=case.pk).state == CaseState.CLOSED


def test_a_second_run_does_nothing_more(expired, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = retention_apply()
    anonymised_at = Case.objects.get(pk=expired.pk).anonymised_at
    rows = AuditEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        second = retention_apply(now=timezone.now() + dt.timedelta(days=40))

    assert first.anonymised == [expired.reference]
    assert (second.due, second.anonymised, second.files_removed) == ([], [], 0)
    assert Case.objects.get(pk=expired.pk).anonymised_at == anonymised_at
    assert (
        AuditEvent.objects.count() == rows + 1
    )  # the second run's own line, nothing about the case


def test_the_monthly_task_runs_once_a_month(expired, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = retention_monthly.delay().get()
        again = retention_monthly.delay().get()
    assert first == RetentionRun.objects.get().pk
    assert again is None
    assert RetentionRun.objects.count() == 1


def test_a_case_that_fails_is_recorded_and_the_others_are_done(
    cast,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    good = _closed(cast, closed_at=_years_ago(9))
    bad = _closed(cast, closed_at=_years_ago(8))
    bad_paths = _stored_paths(bad)
    real = services._remove_personal_details

    def fail_on_bad(case: Case, **kwargs: object) -> list:
        result = real(
            case, **kwargs
        )  # the case's changes are made, then the transaction must undo them
        if case.pk == bad.pk:
            raise OSError("disk full while removing the case's files")
        return result

    monkeypatch.setattr(services, "_remove_personal_details", fail_on_bad)
    with django_capture_on_commit_callbacks(execute=True):
        result = retention_apply()

    assert result.anonymised == [good.reference]
    assert Case.objects.get(pk=good.pk).anonymised_at is not None
    untouched = Case.objects.get(pk=bad.pk)
    assert untouched.anonymised_at is None and untouched.poster_id == cast.poster.pk
    assert untouched.reports.get().description != ""
    assert all(path.exists() for path in bad_paths)
    assert not AuditEvent.objects.filter(kind=AuditKind.PERSONAL_DATA_REMOVED, case=bad).exists()
    run = RetentionRun.objects.get()
    assert run.cases_due == 2 and run.cases_anonymised == 1
    assert run.errors == [
        {"case": bad.reference, "error": "OSError: disk full while removing the case's files"}
    ]

    monkeypatch.setattr(services, "_remove_personal_details", real)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_apply().anonymised == [bad.reference]  # tried again next time
    assert not any(path.exists() for path in bad_paths)


def test_the_dry_run_lists_the_cases_and_changes_nothing(
    expired, django_capture_on_commit_callbacks
):
    paths = _stored_paths(expired)
    rows = AuditEvent.objects.count()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("apply_retention", "--dry-run", stdout=out)

    assert expired.reference in out.getvalue()
    assert "Outcome recorded (Final written warning)" in out.getvalue()
    assert "Dry run: nothing was changed." in out.getvalue()
    case = Case.objects.get(pk=expired.pk)
    assert case.anonymised_at is None and case.poster_id is not None
    assert all(path.exists() for path in paths)
    assert not RetentionRun.objects.exists()
    assert AuditEvent.objects.count() == rows


def test_the_command_says_what_it_did(expired, cast, django_capture_on_commit_callbacks):
    recent = _closed(cast, closed_at=_years_ago(1))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("apply_retention", stdout=out)
    assert "Personal details removed from 1 case(s); 3 stored file(s) deleted." in out.getvalue()
    assert Case.objects.get(pk=recent.pk).anonymised_at is None
    assert RetentionRun.objects.get().trigger == RunTrigger.COMMAND

    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "No case is past its retention period. Nothing to do." in out.getvalue()


# --- Legal hold ------------------------------------------------------------------------------


def test_a_held_case_is_never_anonymised_whatever_its_age(
    cast,
    hr_lead,
    login,
    django_capture_on_commit_callbacks,
):
    ancient = _closed(cast, closed_at=_years_ago(40), closure=Closure.WITHDRAWN)
    client = login(hr_lead)
    url = reverse("records:legal_hold_place", args=[ancient.reference])

    response = client.post(url, {"reason": HOLD_REASON})
    assert response.status_code == 302
    hold = LegalHold.objects.get(case=ancient)
    assert hold.in_force and hold.placed_by == hr_lead and hold.reason == HOLD_REASON
    placed = AuditEvent.objects.get(kind=AuditKind.LEGAL_HOLD_PLACED)
    assert (placed.actor, placed.case_id, placed.detail["reason"]) == (
        hr_lead,
        ancient.pk,
        HOLD_REASON,
    )
    page = client.get(reverse("casework:case_detail", args=[ancient.reference])).content.decode()
    assert "On legal hold" in page and HOLD_REASON in page

    with django_capture_on_commit_callbacks(execute=True):
        result = retention_apply()
    assert result.due == [] and Case.objects.get(pk=ancient.pk).anonymised_at is None
    assert all(path.exists() for path in _stored_paths(ancient))

    response = client.post(
        reverse("records:legal_hold_lift", args=[ancient.reference]),
        {"reason": "The tribunal claim was withdrawn on 3 March."},
    )
    assert response.status_code == 302
    assert not LegalHold.objects.get(pk=hold.pk).in_force
    assert AuditEvent.objects.filter(kind=AuditKind.LEGAL_HOLD_LIFTED, case=ancient).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_apply().anonymised == [ancient.reference]


def test_a_hold_placed_after_the_run_chose_the_case_still_wins(cast, hr_lead):
    case = _closed(cast, closed_at=_years_ago(30))
    assert cases_due_for_removal(timezone.now()).filter(pk=case.pk).exists()
    legal_hold_place(case=case, by=hr_lead, reason=HOLD_REASON)
    assert services.case_anonymise(case_id=case.pk, now=timezone.now()) is None
    assert Case.objects.get(pk=case.pk).anonymised_at is None


def test_the_ig_lead_may_hold_a_case_they_can_see(cast, ig_lead, login):
    case = case_in_state(CaseState.CLOSED, cast, flag_data_breach=True)
    other = case_in_state(CaseState.CLOSED, cast)
    client = login(ig_lead)
    assert (
        client.post(
            reverse("records:legal_hold_place", args=[case.reference]), {"reason": HOLD_REASON}
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("records:legal_hold_place", args=[other.reference]), {"reason": HOLD_REASON}
        ).status_code
        == 404
    )
    assert not LegalHold.objects.filter(case=other).exists()


@pytest.mark.parametrize(
    "persona",
    [
        "reporter",
        "poster",
        "triage_officer",
        "investigator",
        "governance_member",
        "outsider",
        "poster_manager",
    ],
)
def test_nobody_else_may_hold_or_lift(cast, persona: str, request, login):
    case = case_in_state(CaseState.CLOSED, cast)
    client = login(request.getfixturevalue(persona))
    for name in ("records:legal_hold_place", "records:legal_hold_lift"):
        url = reverse(name, args=[case.reference])
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": HOLD_REASON}).status_code == 404
    assert not LegalHold.objects.exists()


def test_a_hold_needs_a_reason_and_only_one_at_a_time(cast, hr_lead, login):
    case = case_in_state(CaseState.CLOSED, cast)
    client = login(hr_lead)
    url = reverse("records:legal_hold_place", args=[case.reference])

    response = client.post(url, {"reason": "tribunal"})
    assert response.status_code == 400
    assert "Give a fuller reason, of at least 10 characters." in response.content.decode()
    assert not LegalHold.objects.exists()

    assert client.post(url, {"reason": HOLD_REASON}).status_code == 302
    response = client.post(url, {"reason": HOLD_REASON})
    assert response.status_code == 400
    assert "This case is already on legal hold." in response.content.decode()
    assert LegalHold.objects.count() == 1
    with pytest.raises(HoldRefused, match="already on legal hold"):
        legal_hold_place(case=case, by=hr_lead, reason=HOLD_REASON)

    legal_hold_lift(case=case, by=hr_lead, reason="The claim was settled in full.")
    response = client.post(
        reverse("records:legal_hold_lift", args=[case.reference]),
        {"reason": "The claim was settled in full."},
    )
    assert response.status_code == 400
    assert "This case is not on legal hold." in response.content.decode()


# --- The governance figures don't move ---------------------------------------------------------


APRIL = Filters(start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30))


def _repeat_subjects(tables: dict) -> int:
    return tables["repeat_subjects"][0][1]


def _key(filters: Filters) -> tuple:
    return (filters.start, filters.end, filters.directorate_id, filters.platform)


def _all_tables(world) -> dict:
    periods = [
        Filters(start=Q1_START, end=Q1_END),
        Filters(start=dt.date(2025, 10, 1), end=dt.date(2025, 12, 31)),
        Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31)),
        Filters(start=dt.date(2025, 4, 1), end=dt.date(2026, 3, 31)),
        APRIL,
        Filters(start=Q1_START, end=Q1_END, directorate_id=world.medicine.pk),
        Filters(start=Q1_START, end=Q1_END, platform="x"),
    ]
    return {
        _key(filters): {table.key: table.rows for table in compute_tables(filters)}
        for filters in periods
    }


def test_anonymising_cases_leaves_every_governance_figure_as_it_was(
    world,
    triage_officer,
    django_capture_on_commit_callbacks,
):
    rollup_refresh()
    before = _all_tables(world)
    assert _repeat_subjects(before[_key(Filters(start=Q1_START, end=Q1_END))]) == 2

    # Ten years on, every case closed in the world (c1, c2, c4, c7) is past its period.
    with django_capture_on_commit_callbacks(execute=True):
        result = retention_apply(now=at(2036, 4, 15))
    closed = {world.cases[name].reference for name in ("c1", "c2", "c4", "c7")}
    assert set(result.anonymised) == closed
    assert not Case.objects.filter(reference__in=closed, poster__isnull=False).exists()
    # Penny's live case c6 shares her key with her anonymised ones, so she is still one person.
    penny = world.posters["p1"]
    keys = set(
        Case.objects.filter(pk__in=[world.cases[c].pk for c in ("c1", "c2", "c6")]).values_list(
            "subject_key", flat=True
        )
    )
    assert len(keys) == 1 and None not in keys
    assert Case.objects.get(pk=world.cases["c6"].pk).poster == penny

    assert _all_tables(world) == before
    assert rollup_differences() == {}

    # A later case about Penny takes the same key, so she still counts as a repeat subject.
    later = CaseFactory(reference="SMP-2026-09999")
    ReportFactory(case=later, submitted_at=at(2026, 4, 15))
    case_update_details(
        case=later,
        by=triage_officer,
        poster=penny,
        poster_handle="",
        principles=[],
        triage_summary="",
        note="",
    )
    assert Case.objects.get(pk=later.pk).subject_key in keys
    april = {table.key: table.rows for table in compute_tables(APRIL)}
    assert _repeat_subjects(april) == _repeat_subjects(before[_key(APRIL)]) + 1


def test_a_person_whose_cases_are_all_anonymised_cannot_be_traced_from_them(
    cast,
    hr_lead,
    django_capture_on_commit_callbacks,
):
    first = _closed(cast, closed_at=_years_ago(9))
    second = _closed(cast, closed_at=_years_ago(8))
    someone_else = UserFactory()
    third = case_in_state(CaseState.CLOSED, cast, poster=someone_else)
    Case.objects.filter(pk=third.pk).update(closed_at=_years_ago(7))
    with django_capture_on_commit_callbacks(execute=True):
        retention_apply()

    keys = dict(
        Case.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list("pk", "subject_key")
    )
    assert keys[first.pk] == keys[second.pk] != keys[third.pk]
    # Nothing left links the key to the person: no case about them still names them.
    assert not Case.objects.filter(poster=cast.poster).exists()
    assert not Report.objects.filter(poster=cast.poster).exists()
    assert not Report.objects.filter(case__in=[first, second], reporter=cast.reporter).exists()
    placeholder = User.objects.get(email=PLACEHOLDER_EMAIL)
    assert not placeholder.groups.exists() and not placeholder.is_active


def test_what_you_can_do_now_comes_before_the_legal_hold_panel(cast, hr_lead, login):
    case = case_in_state(CaseState.INVESTIGATION, cast)
    page = login(hr_lead).get(reverse("casework:case_detail", args=[case.reference]))
    html = page.content.decode()
    assert 'id="actions-title"' in html and 'id="retention-title"' in html
    assert html.index('id="actions-title"') < html.index('id="retention-title"')
