"""Each case action stops the clock it answers and starts the next; flags bring hour clocks.

Moments are frozen with time-machine, since the case services read
``timezone.now()``. Monday 12 January 2026 is an ordinary GMT week.
"""

from __future__ import annotations

import datetime as dt
import uuid

from casework.models import CaseState, DismissalReason, Flag, Outcome, ReopenReason
from casework.services import (
    FindingInput,
    case_assign,
    case_dismiss,
    case_escalate,
    case_flag_respond,
    case_flag_set,
    case_record_outcome,
    case_reopen,
    case_request_investigation,
    case_resolve_informally,
    case_route_to_manager,
    case_submit_findings,
    case_triage_start,
    case_withdraw,
)
from deadlines.models import Clock, Deadline
from deadlines.services import deadlines_for_new_case
from incidents.models import Answer, PosterKind
from incidents.services import ReportDraft, report_submit
from tests.deadlines.helpers import london, utc
from tests.factories import case_in_state
from tests.helpers import case_refresh


def clock(case, name: Clock, cycle: int = 0) -> Deadline:
    return Deadline.objects.get(case=case, clock=name, cycle=cycle)


def open_clocks(case) -> list[tuple[str, int]]:
    rows = Deadline.objects.filter(case=case, met_at=None, cancelled_at=None).order_by(
        "clock", "cycle"
    )
    return list(rows.values_list("clock", "cycle"))


def new_case(cast, at: dt.datetime):
    """A new case as intake leaves it, built by the factories, with its first clock."""
    case = case_in_state(
        CaseState.NEW,
        cast,
        poster=cast.poster,
        triage_summary="A ward photo with a patient's name visible.",
    )
    deadlines_for_new_case(case=case, at=at)
    return case_refresh(case)


def test_a_report_opens_a_case_with_triage_due_the_next_working_day(db, reporter, now_is) -> None:
    now_is(utc(2026, 1, 16, 15, 0))  # a Friday afternoon
    draft = ReportDraft(
        submission_token=uuid.uuid4(),
        links=["https://www.facebook.com/some.one/posts/42"],
        platform="",
        seen_at=utc(2026, 1, 16, 12, 0),
        posted_at=None,
        description="A photo from the ward with a patient's face visible.",
        poster_kind=PosterKind.UNKNOWN,
        poster=None,
        poster_handle="",
        principles=[],
        shows_patient=Answer.YES,
        welfare_risk=Answer.NO,
        confidential=False,
    )
    case = report_submit(reporter=reporter, draft=draft).report.case
    deadline = clock(case, Clock.TRIAGE_START)
    assert deadline.started_at == utc(2026, 1, 16, 15, 0)
    assert deadline.due_at == london(2026, 1, 19, 15, 0)  # Monday
    assert deadline.remind_at == london(2026, 1, 18, 3, 0)  # half-time
    assert deadline.escalate_at == london(2026, 1, 21, 15, 0)
    assert deadline.next_action_at == deadline.remind_at
    assert case_refresh(case).next_due_at == deadline.due_at


def test_the_stage_clocks_follow_a_case_from_report_to_outcome(db, cast, hr_lead, now_is) -> None:
    case = new_case(cast, now_is(utc(2026, 1, 12, 9, 0)))
    assert open_clocks(case) == [("triage_start", 0)]
    assert case.next_due_at == utc(2026, 1, 13, 9, 0)

    now_is(utc(2026, 1, 12, 11, 0))
    case = case_triage_start(case=case, by=cast.triage_officer, note="Looking at it.")
    triage_start = clock(case, Clock.TRIAGE_START)
    assert triage_start.met_at == utc(2026, 1, 12, 11, 0)
    assert triage_start.met_in_time
    assert triage_start.next_action_at is None
    assert open_clocks(case) == [("triage_complete", 0)]
    assert case_refresh(case).next_due_at == utc(2026, 1, 15, 11, 0)  # 3 working days

    now_is(utc(2026, 1, 14, 10, 0))
    case = case_route_to_manager(case=case, by=cast.triage_officer, note="For the line manager.")
    assert clock(case, Clock.TRIAGE_COMPLETE).met_at == utc(2026, 1, 14, 10, 0)
    assert open_clocks(case) == [("manager_decision", 0)]
    # 5 working days: Thu 15, Fri 16, Mon 19, Tue 20, Wed 21.
    assert case_refresh(case).next_due_at == utc(2026, 1, 21, 10, 0)

    now_is(utc(2026, 1, 22, 10, 0))  # a day late
    case = case_request_investigation(case=case, by=cast.line_manager, note="This needs HR.")
    manager_decision = clock(case, Clock.MANAGER_DECISION)
    assert manager_decision.met_at == utc(2026, 1, 22, 10, 0)
    assert manager_decision.met_in_time is False
    assert open_clocks(case) == [("investigation", 0)]
    assert case_refresh(case).next_due_at == utc(2026, 2, 19, 10, 0)  # 20 working days

    now_is(utc(2026, 1, 23, 10, 0))
    case = case_assign(
        case=case,
        by=hr_lead,
        investigator=cast.investigator,
        decision_maker=cast.decision_maker,
        note="Assigned.",
    )
    assert open_clocks(case) == [("investigation", 0)]  # assigning doesn't touch the clock

    now_is(utc(2026, 2, 2, 10, 0))
    case = case_submit_findings(
        case=case,
        by=cast.investigator,
        terms_of_reference="Did the post identify a patient?",
        evidence_summary="The screenshot.",
        interview_records="",
        recommendation="A warning.",
        findings=[FindingInput(principle=p, upheld=True) for p in case.principles.all()],
        note="Done.",
    )
    assert clock(case, Clock.INVESTIGATION).met_in_time
    assert open_clocks(case) == [("decision", 0)]
    assert case_refresh(case).next_due_at == utc(2026, 2, 9, 10, 0)

    now_is(utc(2026, 2, 5, 10, 0))
    case = case_record_outcome(
        case=case,
        by=cast.decision_maker,
        outcome=Outcome.FIRST_WRITTEN_WARNING,
        rationale="It identified a patient.",
        appeal_deadline=dt.date(2026, 2, 19),
        note="Decided.",
    )
    assert case.state == CaseState.CLOSED
    assert open_clocks(case) == []
    assert case_refresh(case).next_due_at is None
    rows = Deadline.objects.filter(case=case)
    assert sorted(rows.values_list("clock", flat=True)) == sorted(
        ["triage_start", "triage_complete", "manager_decision", "investigation", "decision"]
    )
    assert not rows.filter(met_at=None).exists()
    assert not rows.exclude(cancelled_at=None).exists()
    assert not rows.exclude(next_action_at=None).exists()


def test_escalating_from_triage_starts_the_investigation_clock(db, cast, hr_lead, now_is) -> None:
    case = new_case(cast, now_is(utc(2026, 1, 12, 9, 0)))
    case = case_triage_start(case=case, by=cast.triage_officer, note="Looking.")
    now_is(utc(2026, 1, 13, 9, 0))
    case = case_escalate(case=case, by=hr_lead, note="Serious: straight to investigation.")
    assert clock(case, Clock.TRIAGE_COMPLETE).met_at == utc(2026, 1, 13, 9, 0)
    assert open_clocks(case) == [("investigation", 0)]


def test_withdrawing_cancels_the_stage_clock_but_not_the_breach_clock(db, cast, now_is) -> None:
    case = new_case(cast, now_is(utc(2026, 1, 12, 9, 0)))
    case = case_flag_set(
        case=case,
        by=cast.triage_officer,
        flag=Flag.DATA_BREACH,
        raised=True,
        note="Patient details.",
    )
    assert case_refresh(case).next_due_at == utc(2026, 1, 13, 9, 0)  # triage start comes first

    now_is(utc(2026, 1, 12, 10, 0))
    case = case_withdraw(case=case, by=cast.reporter, note="I reported the wrong post.")
    triage_start = clock(case, Clock.TRIAGE_START)
    assert triage_start.cancelled_at == utc(2026, 1, 12, 10, 0)
    assert triage_start.met_at is None
    assert triage_start.next_action_at is None
    # The ICO clock runs on whatever the state: only the IG lead's assessment stops it.
    assert open_clocks(case) == [("data_breach", 0)]
    assert case_refresh(case).next_due_at == utc(2026, 1, 15, 9, 0)


def test_dismissing_at_triage_meets_the_triage_clock_and_leaves_nothing_open(
    db, cast, now_is
) -> None:
    case = new_case(cast, now_is(utc(2026, 1, 12, 9, 0)))
    case = case_triage_start(case=case, by=cast.triage_officer, note="Looking.")
    now_is(utc(2026, 1, 13, 9, 0))
    case = case_dismiss(
        case=case, by=cast.triage_officer, reason=DismissalReason.NO_BREACH, note="Not a breach."
    )
    assert clock(case, Clock.TRIAGE_COMPLETE).met_at == utc(2026, 1, 13, 9, 0)
    assert open_clocks(case) == []
    assert case_refresh(case).next_due_at is None


def test_resolving_informally_meets_the_managers_clock(db, cast, now_is) -> None:
    case = new_case(cast, now_is(utc(2026, 1, 12, 9, 0)))
    case = case_triage_start(case=case, by=cast.triage_officer, note="Looking.")
    case = case_route_to_manager(case=case, by=cast.triage_officer, note="For the manager.")
    now_is(utc(2026, 1, 14, 9, 0))
    case = case_refresh(case)
    case = case_resolve_informally(
        case=case,
        by=cast.line_manager,
        action_taken="Post removed.",
        employee_spoken_to=True,
        post_removed=True,
        note="Talked.",
    )
    assert clock(case, Clock.MANAGER_DECISION).met_at == utc(2026, 1, 14, 9, 0)
    assert open_clocks(case) == []
    assert case_refresh(case).next_due_at is None


def test_reopening_starts_a_new_cycle_of_clocks(db, cast, hr_lead, now_is) -> None:
    case = new_case(cast, now_is(utc(2026, 1, 12, 9, 0)))
    case = case_triage_start(case=case, by=cast.triage_officer, note="Looking.")
    case = case_dismiss(
        case=case, by=cast.triage_officer, reason=DismissalReason.NO_BREACH, note="No."
    )
    first = clock(case, Clock.TRIAGE_COMPLETE, cycle=0)

    now_is(utc(2026, 2, 2, 14, 0))
    case = case_reopen(
        case=case, by=hr_lead, reason=ReopenReason.NEW_EVIDENCE, note="New screenshots."
    )
    assert case.reopened_count == 1
    again = clock(case, Clock.TRIAGE_COMPLETE, cycle=1)
    assert again.started_at == utc(2026, 2, 2, 14, 0)
    assert again.due_at == utc(2026, 2, 5, 14, 0)
    assert again.next_action_at == again.remind_at == utc(2026, 2, 4, 14, 0)
    assert open_clocks(case) == [("triage_complete", 1)]
    assert case_refresh(case).next_due_at == again.due_at
    # The first cycle's record is left as it was.
    first_now = clock(case, Clock.TRIAGE_COMPLETE, cycle=0)
    assert (first_now.met_at, first_now.due_at) == (first.met_at, first.due_at)

    now_is(utc(2026, 2, 3, 9, 0))
    case = case_dismiss(
        case=case, by=cast.triage_officer, reason=DismissalReason.NO_BREACH, note="Still no."
    )
    assert clock(case, Clock.TRIAGE_COMPLETE, cycle=1).met_at == utc(2026, 2, 3, 9, 0)
    assert open_clocks(case) == []


# --- Flags -------------------------------------------------------------------------


def test_a_safeguarding_flag_runs_four_hours_until_the_lead_responds(
    db, cast, safeguarding_lead, now_is
) -> None:
    case = new_case(cast, now_is(utc(2026, 1, 12, 9, 0)))
    now_is(utc(2026, 1, 12, 10, 0))
    case = case_flag_set(
        case=case,
        by=cast.triage_officer,
        flag=Flag.SAFEGUARDING,
        raised=True,
        note="The post mentions self-harm.",
    )
    deadline = clock(case, Clock.SAFEGUARDING)
    assert (deadline.started_at, deadline.due_at) == (
        utc(2026, 1, 12, 10, 0),
        utc(2026, 1, 12, 14, 0),
    )
    assert deadline.remind_at == utc(2026, 1, 12, 12, 0)
    assert deadline.escalate_at == utc(2026, 1, 12, 16, 0)
    assert case_refresh(case).next_due_at == utc(2026, 1, 12, 14, 0)  # earlier than triage start

    now_is(utc(2026, 1, 12, 11, 30))
    case = case_flag_respond(
        case=case,
        by=safeguarding_lead,
        flag=Flag.SAFEGUARDING,
        note="Spoke to the member of staff; support offered.",
    )
    deadline = clock(case, Clock.SAFEGUARDING)
    assert deadline.met_at == utc(2026, 1, 12, 11, 30)
    assert deadline.met_in_time
    assert deadline.next_action_at is None
    assert open_clocks(case) == [("triage_start", 0)]
    assert case_refresh(case).next_due_at == utc(2026, 1, 13, 9, 0)


def test_clearing_a_flag_cancels_its_clock(db, cast, now_is) -> None:
    case = new_case(cast, now_is(utc(2026, 1, 12, 9, 0)))
    case = case_flag_set(
        case=case,
        by=cast.triage_officer,
        flag=Flag.SAFEGUARDING,
        raised=True,
        note="Possible concern.",
    )
    now_is(utc(2026, 1, 12, 9, 20))
    case = case_flag_set(
        case=case,
        by=cast.triage_officer,
        flag=Flag.SAFEGUARDING,
        raised=False,
        note="Raised on the wrong case.",
    )
    deadline = clock(case, Clock.SAFEGUARDING)
    assert deadline.cancelled_at == utc(2026, 1, 12, 9, 20)
    assert deadline.next_action_at is None
    assert open_clocks(case) == [("triage_start", 0)]
    assert case_refresh(case).next_due_at == utc(2026, 1, 13, 9, 0)


def test_raising_a_flag_again_after_clearing_it_starts_a_fresh_clock(db, cast, now_is) -> None:
    case = new_case(cast, now_is(utc(2026, 1, 12, 9, 0)))
    case = case_flag_set(
        case=case,
        by=cast.triage_officer,
        flag=Flag.SAFEGUARDING,
        raised=True,
        note="Possible concern.",
    )
    case = case_flag_set(
        case=case,
        by=cast.triage_officer,
        flag=Flag.SAFEGUARDING,
        raised=False,
        note="Not a concern after all.",
    )
    now_is(utc(2026, 1, 13, 15, 0))
    case = case_flag_set(
        case=case,
        by=cast.triage_officer,
        flag=Flag.SAFEGUARDING,
        raised=True,
        note="A second post: a real concern this time.",
    )
    deadline = clock(case, Clock.SAFEGUARDING)
    assert deadline.is_open
    assert (deadline.started_at, deadline.due_at) == (
        utc(2026, 1, 13, 15, 0),
        utc(2026, 1, 13, 19, 0),
    )
    assert deadline.next_action_at == utc(2026, 1, 13, 17, 0)
    assert (deadline.reminder_sent_at, deadline.overdue_sent_at, deadline.escalated_at) == (
        None,
        None,
        None,
    )
    assert open_clocks(case) == [("safeguarding", 0), ("triage_start", 0)]


def test_the_data_breach_clock_runs_from_when_the_organisation_became_aware(
    db, cast, ig_lead, now_is
) -> None:
    case = new_case(cast, now_is(utc(2026, 1, 14, 9, 0)))
    aware = london(2026, 1, 13, 16, 0)  # the day before the flag was raised
    case = case_flag_set(
        case=case,
        by=cast.triage_officer,
        flag=Flag.DATA_BREACH,
        raised=True,
        became_aware_at=aware,
        note="Patient details in the post.",
    )
    deadline = clock(case, Clock.DATA_BREACH)
    assert deadline.started_at == aware
    assert deadline.due_at == utc(2026, 1, 16, 16, 0)
    assert deadline.remind_at == utc(2026, 1, 15, 4, 0)

    now_is(utc(2026, 1, 15, 9, 0))
    case = case_flag_respond(
        case=case,
        by=ig_lead,
        flag=Flag.DATA_BREACH,
        reported_to_ico=True,
        note="Reported to the ICO.",
    )
    assert clock(case, Clock.DATA_BREACH).met_at == utc(2026, 1, 15, 9, 0)
    assert open_clocks(case) == [("triage_start", 0)]


def test_a_data_breach_flag_with_no_awareness_time_runs_from_now(db, cast, now_is) -> None:
    case = new_case(cast, now_is(utc(2026, 1, 14, 9, 0)))
    now_is(utc(2026, 1, 14, 9, 30))
    case = case_flag_set(
        case=case,
        by=cast.triage_officer,
        flag=Flag.DATA_BREACH,
        raised=True,
        note="Patient details in the post.",
    )
    deadline = clock(case, Clock.DATA_BREACH)
    assert deadline.started_at == utc(2026, 1, 14, 9, 30)
    assert deadline.due_at == utc(2026, 1, 17, 9, 30)
