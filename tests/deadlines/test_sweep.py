"""The sweep: reminder before the deadline, overdue alert at it, escalation after — each once.

Every sweep runs at a moment frozen with time-machine and executes the
on-commit email sends (tasks run eagerly here), so the Notification rows and
``mailoutbox`` show what the people would receive. Recipients are as
``notifications.rules`` says: the clock's owner for reminders and overdue
alerts, the HR leads (and the IG lead for a data breach) for escalations;
never the person who posted.
"""

from __future__ import annotations

import datetime as dt

import pytest

from casework.models import CaseState, DismissalReason, Flag, ReopenReason
from casework.notices import deadline_act
from casework.services import (
    case_dismiss,
    case_flag_respond,
    case_reopen,
    case_triage_start,
    case_withdraw,
)
from deadlines import services as deadline_services
from deadlines.models import Clock, Deadline
from deadlines.services import deadline_open, deadlines_due, deadlines_for_new_case
from directory.models import EmailPreference, Role, role_group
from notifications.models import DeliveryStatus, Notification
from tests.deadlines.helpers import DEADLINE_KINDS, deadline_notifications, recipients, utc
from tests.factories import case_in_state
from tests.helpers import case_refresh

T0 = utc(2026, 1, 12, 10, 0)  # Monday 12 January 2026, 10:00 GMT
SECOND = dt.timedelta(seconds=1)
REMINDER, OVERDUE, ESCALATION = DEADLINE_KINDS
SUBJECT_PREFIX = {REMINDER: "Reminder", OVERDUE: "Overdue", ESCALATION: "Escalation"}

# clock: (state the case is in, extra case fields, who owns the clock)
CLOCKS = {
    Clock.TRIAGE_START: (CaseState.NEW, {}, ["triage_officer", "other_triage_officer"]),
    Clock.TRIAGE_COMPLETE: (CaseState.TRIAGE, {}, ["triage_officer"]),
    Clock.MANAGER_DECISION: (CaseState.MANAGER_REVIEW, {}, ["line_manager"]),
    Clock.INVESTIGATION: (CaseState.INVESTIGATION, {}, ["investigator"]),
    Clock.DECISION: (CaseState.DECISION, {}, ["decision_maker"]),
    Clock.SAFEGUARDING: (CaseState.TRIAGE, {"flag_safeguarding": True}, ["safeguarding_lead"]),
    Clock.DATA_BREACH: (
        CaseState.TRIAGE,
        {"flag_data_breach": True, "data_breach_aware_at": T0},
        ["ig_lead"],
    ),
}


@pytest.fixture
def people(cast, hr_lead, other_triage_officer, safeguarding_lead, ig_lead) -> dict[str, object]:
    """Everyone who could hear about a deadline, with the poster holding every role that could."""
    for role in (Role.TRIAGE_OFFICER, Role.HR_LEAD, Role.SAFEGUARDING_LEAD, Role.IG_LEAD):
        cast.poster.groups.add(role_group(role))
    return {
        "triage_officer": cast.triage_officer,
        "other_triage_officer": other_triage_officer,
        "line_manager": cast.line_manager,
        "investigator": cast.investigator,
        "decision_maker": cast.decision_maker,  # an HR lead too
        "hr_lead": hr_lead,
        "safeguarding_lead": safeguarding_lead,
        "ig_lead": ig_lead,
        "poster": cast.poster,
        "reporter": cast.reporter,
    }


def emails(people: dict[str, object], names: list[str]) -> set[str]:
    return {people[name].email for name in names}


def case_with_clock(
    cast, clock: Clock, *, at: dt.datetime = T0, **fields: object
) -> tuple[object, Deadline]:
    state, extra, _ = CLOCKS[clock]
    case = case_in_state(state, cast, with_file=False, **{**extra, **fields})
    deadline = deadline_open(case=case, clock=clock, started_at=at)
    return case, deadline


@pytest.mark.parametrize("clock", list(CLOCKS), ids=str)
def test_reminder_overdue_and_escalation_each_go_once_to_the_right_people(
    db, cast, people, clock, sweep_at, mailoutbox
) -> None:
    _, _, owners = CLOCKS[clock]
    case, deadline = case_with_clock(cast, clock)
    assert deadline.remind_at is not None
    assert T0 < deadline.remind_at < deadline.due_at < deadline.escalate_at
    escalated_to = ["hr_lead", "decision_maker"] + (
        ["ig_lead"] if clock == Clock.DATA_BREACH else []
    )

    # Before the reminder: nothing, however often the sweep runs.
    for moment in (T0, deadline.remind_at - SECOND, deadline.remind_at - SECOND):
        assert sweep_at(moment) == 0
    assert not deadline_notifications(case).exists()

    assert sweep_at(deadline.remind_at) == 1
    for moment in (deadline.remind_at, deadline.remind_at + SECOND, deadline.due_at - SECOND):
        assert sweep_at(moment) == 0
    assert recipients(case, REMINDER) == emails(people, owners)

    assert sweep_at(deadline.due_at) == 1
    for moment in (deadline.due_at, deadline.due_at + SECOND, deadline.escalate_at - SECOND):
        assert sweep_at(moment) == 0
    assert recipients(case, OVERDUE) == emails(people, owners)

    assert sweep_at(deadline.escalate_at) == 1
    for moment in (deadline.escalate_at, deadline.escalate_at + dt.timedelta(days=30)):
        assert sweep_at(moment) == 0
    assert recipients(case, ESCALATION) == emails(people, escalated_to)

    # Once per person and step; never the poster, whatever roles they hold.
    assert deadline_notifications(case).count() == 2 * len(owners) + len(escalated_to)
    assert not deadline_notifications(case).filter(recipient=people["poster"]).exists()
    assert not deadline_notifications(case).filter(recipient=people["reporter"]).exists()
    hour_clock = clock in (Clock.SAFEGUARDING, Clock.DATA_BREACH)
    for row in deadline_notifications(case):
        assert row.urgent == (hour_clock or row.kind == ESCALATION)
        assert case.reference in row.link

    # The emails match the rows, one each.
    sent = sorted((message.subject.split(":")[0], message.to[0]) for message in mailoutbox)
    expected = sorted(
        (SUBJECT_PREFIX[row.kind], row.recipient.email) for row in deadline_notifications(case)
    )
    assert sent == expected
    assert all(case.reference in message.subject for message in mailoutbox)
    assert set(Notification.objects.values_list("email_status", flat=True)) == {DeliveryStatus.SENT}

    deadline.refresh_from_db()
    assert deadline.reminder_sent_at == deadline.remind_at
    assert deadline.overdue_sent_at == deadline.due_at
    assert deadline.escalated_at == deadline.escalate_at
    assert deadline.next_action_at is None


def test_an_unassigned_investigation_reminds_the_hr_leads(db, cast, people, sweep_at) -> None:
    case, deadline = case_with_clock(
        cast, Clock.INVESTIGATION, investigator=None, decision_maker=None
    )
    assert sweep_at(deadline.remind_at) == 1
    assert recipients(case, REMINDER) == emails(people, ["hr_lead", "decision_maker"])


def test_each_case_hears_once_when_several_are_due_together(db, cast, people, sweep_at) -> None:
    first, deadline = case_with_clock(cast, Clock.MANAGER_DECISION)
    second, _ = case_with_clock(cast, Clock.MANAGER_DECISION, reference="SMP-2026-77777")
    assert sweep_at(deadline.remind_at) == 2
    assert sweep_at(deadline.remind_at) == 0
    assert deadline_notifications(first).count() == deadline_notifications(second).count() == 1


def test_nothing_is_sent_for_a_deadline_met_in_time(db, cast, people, now_is, sweep_at) -> None:
    case = case_in_state(CaseState.NEW, cast, with_file=False)
    deadlines_for_new_case(case=case, at=now_is(T0))
    triage_start = Deadline.objects.get(case=case, clock=Clock.TRIAGE_START)
    now_is(T0 + dt.timedelta(hours=1))
    case_triage_start(case=case, by=cast.triage_officer, note="Looking at it.")
    for moment in (
        triage_start.remind_at,
        triage_start.due_at,
        triage_start.escalate_at,
        triage_start.escalate_at + dt.timedelta(days=3),
    ):
        sweep_at(moment)
    triage_start.refresh_from_db()
    assert (
        triage_start.reminder_sent_at,
        triage_start.overdue_sent_at,
        triage_start.escalated_at,
    ) == (None, None, None)
    # Whatever was sent was about the next stage's clock, not the one that was met.
    assert not deadline_notifications(case).filter(subject__icontains="triage started").exists()
    assert deadline_notifications(case).filter(subject__icontains="triage completed").exists()


def test_nothing_is_sent_once_the_safeguarding_lead_has_responded(
    db, cast, people, now_is, sweep_at, mailoutbox
) -> None:
    now_is(T0)
    case, deadline = case_with_clock(cast, Clock.SAFEGUARDING)
    now_is(T0 + dt.timedelta(minutes=30))
    case_flag_respond(
        case=case, by=people["safeguarding_lead"], flag=Flag.SAFEGUARDING, note="Support offered."
    )
    for moment in (deadline.remind_at, deadline.due_at, deadline.escalate_at):
        assert sweep_at(moment) == 0
    assert not deadline_notifications(case).exists()
    assert mailoutbox == []


def test_a_met_deadline_after_the_reminder_gets_no_overdue_alert(
    db, cast, people, now_is, sweep_at
) -> None:
    case, deadline = case_with_clock(cast, Clock.SAFEGUARDING)
    assert sweep_at(deadline.remind_at) == 1
    now_is(deadline.remind_at + dt.timedelta(minutes=5))
    case_flag_respond(
        case=case, by=people["safeguarding_lead"], flag=Flag.SAFEGUARDING, note="Done."
    )
    assert sweep_at(deadline.due_at) == 0
    assert sweep_at(deadline.escalate_at) == 0
    assert list(deadline_notifications(case).values_list("kind", flat=True)) == [REMINDER]


def test_a_cancelled_clock_sends_nothing(db, cast, people, now_is, sweep_at) -> None:
    case = case_in_state(CaseState.NEW, cast, with_file=False)
    deadlines_for_new_case(case=case, at=now_is(T0))
    triage_start = Deadline.objects.get(case=case, clock=Clock.TRIAGE_START)
    now_is(T0 + dt.timedelta(minutes=10))
    case_withdraw(case=case, by=cast.reporter, note="Wrong post.")
    for moment in (triage_start.remind_at, triage_start.due_at, triage_start.escalate_at):
        assert sweep_at(moment) == 0
    assert not deadline_notifications(case).exists()


def test_a_reminder_the_sweep_missed_is_not_sent_late(db, cast, people, sweep_at) -> None:
    case, deadline = case_with_clock(cast, Clock.MANAGER_DECISION)
    # The beat was down from before the reminder until after the deadline.
    assert sweep_at(deadline.due_at + dt.timedelta(minutes=5)) == 1
    assert sweep_at(deadline.due_at + dt.timedelta(minutes=10)) == 0
    assert list(deadline_notifications(case).values_list("kind", flat=True)) == [OVERDUE]


def test_an_escalation_always_follows_its_overdue_alert(db, cast, people, sweep_at) -> None:
    case, deadline = case_with_clock(cast, Clock.SAFEGUARDING)
    late = deadline.escalate_at + dt.timedelta(hours=1)
    # A sweep that wakes long after everything was due sends one step per run, in order.
    assert sweep_at(late) == 1
    assert sweep_at(late) == 1
    assert sweep_at(late) == 0
    kinds = list(deadline_notifications(case).order_by("pk").values_list("kind", flat=True))
    assert kinds == [OVERDUE, ESCALATION, ESCALATION]  # escalation goes to both HR leads


def test_a_reopened_case_is_reminded_again_in_its_new_cycle(
    db, cast, people, now_is, sweep_at
) -> None:
    case = case_in_state(CaseState.NEW, cast, with_file=False)
    deadlines_for_new_case(case=case, at=now_is(T0))
    case = case_triage_start(case=case, by=cast.triage_officer, note="Looking.")
    first = Deadline.objects.get(case=case, clock=Clock.TRIAGE_COMPLETE, cycle=0)
    assert sweep_at(first.remind_at) == 1
    assert sweep_at(first.remind_at) == 0

    now_is(first.remind_at + dt.timedelta(hours=1))
    case = case_dismiss(
        case=case_refresh(case),
        by=cast.triage_officer,
        reason=DismissalReason.NO_BREACH,
        note="No breach.",
    )
    now_is(utc(2026, 2, 2, 10, 0))
    case_reopen(case=case, by=people["hr_lead"], reason=ReopenReason.APPEAL, note="Appeal upheld.")
    second = Deadline.objects.get(case=case, clock=Clock.TRIAGE_COMPLETE, cycle=1)
    for _ in range(3):
        sweep_at(second.remind_at)
    reminders = deadline_notifications(case, REMINDER).filter(subject__icontains="triage completed")
    assert reminders.count() == 2  # one per cycle
    assert set(reminders.values_list("recipient", flat=True)) == {cast.triage_officer.pk}


def test_deadline_act_claims_each_step_once(db, cast, people) -> None:
    case, deadline = case_with_clock(cast, Clock.SAFEGUARDING)
    assert deadline_act(deadline_id=deadline.pk, now=deadline.remind_at) == "reminder"
    assert deadline_act(deadline_id=deadline.pk, now=deadline.remind_at) is None
    assert deadline_act(deadline_id=deadline.pk, now=deadline.due_at) == "overdue"
    assert deadline_act(deadline_id=deadline.pk, now=deadline.due_at) is None
    assert deadline_act(deadline_id=deadline.pk, now=deadline.escalate_at) == "escalation"
    assert deadline_act(deadline_id=deadline.pk, now=deadline.escalate_at) is None
    assert deadline_notifications(case).count() == 1 + 1 + 2


def test_a_deadline_met_between_listing_and_acting_sends_nothing(db, cast, people, now_is) -> None:
    case, deadline = case_with_clock(cast, Clock.SAFEGUARDING)
    listed = deadlines_due(now=deadline.remind_at, limit=10)
    assert listed == [deadline.pk]
    now_is(deadline.remind_at)
    case_flag_respond(
        case=case, by=people["safeguarding_lead"], flag=Flag.SAFEGUARDING, note="Done."
    )
    assert deadline_act(deadline_id=deadline.pk, now=deadline.remind_at) is None
    assert not deadline_notifications(case).exists()


def test_the_sweep_takes_at_most_its_limit_and_the_rest_next_time(
    db, cast, people, sweep_at
) -> None:
    cases = [
        case_with_clock(cast, Clock.SAFEGUARDING, reference=f"SMP-2026-{n:05d}")[0]
        for n in range(5)
    ]
    moment = T0 + dt.timedelta(hours=2)
    assert [sweep_at(moment, limit=2) for _ in range(4)] == [2, 2, 1, 0]
    for case in cases:
        assert deadline_notifications(case).count() == 1


def test_a_sweep_with_more_due_than_a_batch_takes_them_in_several(
    db, cast, people, sweep_at, monkeypatch
) -> None:
    monkeypatch.setattr(deadline_services, "SWEEP_BATCH", 2)
    cases = [
        case_with_clock(cast, Clock.SAFEGUARDING, reference=f"BAT-2026-{n:05d}")[0]
        for n in range(5)
    ]
    moment = T0 + dt.timedelta(hours=2)
    assert sweep_at(moment) == 5
    assert sweep_at(moment) == 0
    for case in cases:
        assert deadline_notifications(case).count() == 1


def test_a_swept_case_field_the_notices_do_not_read_is_loaded_when_asked_for(
    db, cast, people
) -> None:
    case, deadline = case_with_clock(cast, Clock.SAFEGUARDING, triage_summary="Seen at 9.")
    seen: list[tuple[str, str, str]] = []

    def notify(*, steps: list[tuple[Deadline, str]]) -> None:
        ((swept, step),) = steps
        seen.append((step, swept.case.reference, swept.case.triage_summary))

    assert (
        deadline_services.deadline_act(
            deadline_id=deadline.pk,
            notify=notify,
            now=deadline.remind_at,
            case_fields=["reference"],
        )
        == "reminder"
    )
    assert seen == [("reminder", case.reference, "Seen at 9.")]


def test_a_working_day_reminder_waits_for_the_digest_but_an_urgent_one_does_not(
    db, cast, people, sweep_at, mailoutbox
) -> None:
    for person in (people["line_manager"], people["safeguarding_lead"]):
        person.email_preference = EmailPreference.DAILY_DIGEST
        person.save(update_fields=["email_preference"])
    managed, manager_clock = case_with_clock(cast, Clock.MANAGER_DECISION)
    # Flagged two hours before the manager's reminder, so both reminders fall due together.
    flagged, safeguarding = case_with_clock(
        cast,
        Clock.SAFEGUARDING,
        reference="SMP-2026-55555",
        at=manager_clock.remind_at - dt.timedelta(hours=2),
    )
    assert safeguarding.remind_at == manager_clock.remind_at
    assert sweep_at(manager_clock.remind_at) == 2
    assert deadline_notifications(managed).get().email_status == DeliveryStatus.IN_DIGEST
    assert deadline_notifications(flagged, REMINDER).get().email_status == DeliveryStatus.SENT
    assert [message.to for message in mailoutbox] == [[people["safeguarding_lead"].email]]
