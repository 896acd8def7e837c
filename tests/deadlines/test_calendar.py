"""The calendar: working days in England and Wales at the same local time; hour clocks in real hours.

Moments are explicit, or frozen with time-machine where a service reads
``timezone.now()``. 2026: Good Friday 3 April, Easter Monday 6 April, clocks
forward at 01:00 GMT on Sunday 29 March; Christmas Day is a Friday, Boxing Day
a Saturday, so Monday 28 December is the Boxing Day holiday.
"""

from __future__ import annotations

import datetime as dt

import pytest

from casework.models import CaseState, Flag
from casework.services import case_flag_set, case_triage_start
from deadlines import calendar
from deadlines.calendar import add_hours, add_working_days, is_working_day, working_days_between
from deadlines.models import Clock, Deadline
from deadlines.services import deadline_open, deadlines_for_new_case, rule_for, schedule_for
from notifications.models import NotificationKind
from tests.deadlines.helpers import LONDON, deadline_notifications, london, recipients, utc
from tests.factories import case_in_state

HOUR = dt.timedelta(hours=1)


# --- Working days --------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # Winter (GMT) and summer (BST): the local time of day is kept.
        (london(2026, 1, 16, 15, 0), london(2026, 1, 19, 15, 0)),
        (london(2026, 6, 12, 15, 0), london(2026, 6, 15, 15, 0)),
    ],
)
def test_one_working_day_from_friday_afternoon_is_monday_afternoon(start, due) -> None:
    assert start.weekday() == 4
    assert add_working_days(start, 1) == due
    assert add_working_days(due, -1) == start
    assert working_days_between(start, due) == 1


def test_easter_is_skipped_thursday_to_tuesday() -> None:
    thursday = london(2026, 4, 2, 10, 0)
    assert not is_working_day(dt.date(2026, 4, 3))  # Good Friday
    assert not is_working_day(dt.date(2026, 4, 6))  # Easter Monday
    assert add_working_days(thursday, 1) == london(2026, 4, 7, 10, 0)
    assert working_days_between(thursday, london(2026, 4, 7, 9, 0)) == 1


def test_the_calendar_is_england_and_wales_not_scotland() -> None:
    # 2 January and the first Monday of August are Scottish holidays only;
    # the last Monday of August is the English one.
    assert is_working_day(dt.date(2026, 1, 2))
    assert is_working_day(dt.date(2026, 8, 3))
    assert not is_working_day(dt.date(2026, 8, 31))
    assert add_working_days(london(2025, 12, 31, 9, 0), 1) == london(2026, 1, 2, 9, 0)
    assert add_working_days(london(2026, 8, 28, 9, 0), 1) == london(2026, 9, 1, 9, 0)


def test_triage_complete_across_christmas_2026(db) -> None:
    # Wednesday 23 December, 3 working days: Thu 24, (Fri 25, Sat 26, Sun 27, Mon 28 observed), Tue 29, Wed 30.
    for holiday in (dt.date(2026, 12, 25), dt.date(2026, 12, 26), dt.date(2026, 12, 28)):
        assert not is_working_day(holiday)
    schedule = schedule_for(rule_for(Clock.TRIAGE_COMPLETE), london(2026, 12, 23, 14, 0))
    assert schedule.due_at == london(2026, 12, 30, 14, 0)
    assert schedule.remind_at == london(2026, 12, 29, 14, 0)  # one working day before
    # Escalation 2 working days on: Thu 31, (Fri 1 January), Mon 4 January 2027.
    assert schedule.escalate_at == london(2027, 1, 4, 14, 0)


def test_triage_started_on_christmas_eve_is_due_new_years_eve(db, cast, now_is) -> None:
    case = case_in_state(CaseState.NEW, cast)
    now_is(london(2026, 12, 24, 11, 0).astimezone(dt.UTC))
    case_triage_start(case=case, by=cast.triage_officer, note="Looking at it.")
    deadline = Deadline.objects.get(case=case, clock=Clock.TRIAGE_COMPLETE)
    # Tue 29, Wed 30, Thu 31 December.
    assert deadline.started_at == london(2026, 12, 24, 11, 0)
    assert deadline.due_at == london(2026, 12, 31, 11, 0)


def test_a_new_case_before_easter_is_due_for_triage_after_it(db, cast, now_is) -> None:
    case = case_in_state(CaseState.NEW, cast)
    deadlines_for_new_case(case=case, at=now_is(london(2026, 4, 2, 16, 30).astimezone(dt.UTC)))
    deadline = Deadline.objects.get(case=case, clock=Clock.TRIAGE_START)
    assert deadline.due_at == london(2026, 4, 7, 16, 30)


# --- Hour clocks -----------------------------------------------------------------


def test_hour_clocks_count_real_hours_over_the_clocks_going_forward() -> None:
    # 00:00 GMT on 29 March + 4 hours is 04:00 UTC, which is 05:00 BST on the wall.
    start = london(2026, 3, 29, 0, 0)
    assert add_hours(start, 4) == utc(2026, 3, 29, 4, 0)
    assert add_hours(start, 4).astimezone(LONDON).hour == 5
    # Friday 10:00 GMT + 72 hours is Monday 10:00 UTC, 11:00 BST.
    assert add_hours(london(2026, 3, 27, 10, 0), 72) == london(2026, 3, 30, 11, 0)


def test_data_breach_clock_is_72_calendar_hours_over_a_weekend(db, cast, now_is) -> None:
    case = case_in_state(CaseState.TRIAGE, cast)
    now_is(utc(2026, 1, 16, 16, 0))
    # The form gives a local time; the clock runs from it, not from when the flag was raised.
    aware = london(2026, 1, 16, 10, 0)
    case_flag_set(
        case=case,
        by=cast.triage_officer,
        flag=Flag.DATA_BREACH,
        raised=True,
        became_aware_at=aware,
        note="Patient details in the post.",
    )
    deadline = Deadline.objects.get(case=case, clock=Clock.DATA_BREACH)
    assert deadline.started_at == aware
    assert deadline.due_at == london(2026, 1, 19, 10, 0)  # Monday 10:00: the weekend counts
    assert deadline.remind_at == london(2026, 1, 17, 22, 0)  # half-time
    assert deadline.escalate_at == london(2026, 1, 19, 22, 0)  # 12 hours after


def test_data_breach_clock_over_the_weekend_the_clocks_go_forward(db, cast, now_is) -> None:
    case = case_in_state(CaseState.TRIAGE, cast)
    now_is(utc(2026, 3, 27, 12, 0))
    aware = london(2026, 3, 27, 10, 0)  # Friday, GMT
    case_flag_set(
        case=case,
        by=cast.triage_officer,
        flag=Flag.DATA_BREACH,
        raised=True,
        became_aware_at=aware,
        note="Patient details in the post.",
    )
    deadline = Deadline.objects.get(case=case, clock=Clock.DATA_BREACH)
    assert deadline.due_at - deadline.started_at == dt.timedelta(hours=72)
    assert deadline.due_at == utc(2026, 3, 30, 10, 0)  # 11:00 BST on the Monday
    assert deadline.remind_at - deadline.started_at == dt.timedelta(hours=36)


# --- The night the clocks change --------------------------------------------------


def test_safeguarding_reminder_on_the_night_the_clocks_go_forward(
    db, cast, safeguarding_lead, now_is, sweep_at, mailoutbox
) -> None:
    case = case_in_state(CaseState.NEW, cast)
    now_is(utc(2026, 3, 29, 0, 0))  # 00:00 GMT, an hour before the clocks go forward
    case_flag_set(
        case=case,
        by=cast.triage_officer,
        flag=Flag.SAFEGUARDING,
        raised=True,
        note="The post mentions self-harm.",
    )
    deadline = Deadline.objects.get(case=case, clock=Clock.SAFEGUARDING)
    assert deadline.due_at == utc(2026, 3, 29, 4, 0)  # 4 real hours: 05:00 BST
    assert deadline.remind_at == utc(2026, 3, 29, 2, 0)  # half-time: 03:00 BST
    assert deadline.remind_at.astimezone(LONDON).strftime("%H:%M %Z") == "03:00 BST"
    mailoutbox.clear()  # the flag's own "a case was flagged for you" email

    assert sweep_at(utc(2026, 3, 29, 1, 59)) == 0
    assert not deadline_notifications(case).exists()

    assert sweep_at(utc(2026, 3, 29, 2, 0)) == 1
    for moment in (utc(2026, 3, 29, 2, 0), utc(2026, 3, 29, 2, 1), utc(2026, 3, 29, 3, 59)):
        assert sweep_at(moment) == 0
    reminder = deadline_notifications(case).get()
    assert reminder.kind == NotificationKind.DEADLINE_REMINDER
    assert reminder.recipient == safeguarding_lead
    assert reminder.urgent
    assert [message.to for message in mailoutbox] == [[safeguarding_lead.email]]
    # The email gives the local (BST) due time.
    assert "05:00" in mailoutbox[0].subject
    assert recipients(case, NotificationKind.DEADLINE_OVERDUE) == set()


def test_working_days_keep_the_local_time_over_the_clocks_going_forward() -> None:
    # Friday 01:30 GMT + 1 working day is Monday 01:30 BST: 00:30 UTC, 71 real hours later.
    start = london(2026, 3, 27, 1, 30)
    due = add_working_days(start, 1)
    assert due == utc(2026, 3, 30, 0, 30)
    assert due.astimezone(LONDON).strftime("%a %H:%M %Z") == "Mon 01:30 BST"


def test_a_working_day_deadline_in_the_skipped_hour_is_a_real_instant(
    db, cast, monkeypatch, sweep_at
) -> None:
    # Sunday is never a working day in England, so a rota that works every day
    # is needed to land a working-day deadline at 01:30 on 29 March, a wall time
    # that never happens. It becomes 01:30 UTC (02:30 BST), a real instant.
    monkeypatch.setattr(calendar, "is_working_day", lambda day: True)
    due = add_working_days(london(2026, 3, 28, 1, 30), 1)
    assert due == utc(2026, 3, 29, 1, 30)
    assert due.utcoffset() == dt.timedelta(0)
    assert due.astimezone(LONDON).astimezone(dt.UTC) == due  # round-trips: it exists
    assert due.astimezone(LONDON).strftime("%H:%M %Z") == "02:30 BST"

    # And the sweep acts on it at that instant, not an hour either side.
    case = case_in_state(CaseState.NEW, cast)
    deadline = deadline_open(
        case=case, clock=Clock.TRIAGE_START, started_at=london(2026, 3, 28, 1, 30)
    )
    assert deadline.due_at == utc(2026, 3, 29, 1, 30)
    Deadline.objects.filter(pk=deadline.pk).update(
        reminder_sent_at=utc(2026, 3, 28, 13, 30), next_action_at=deadline.due_at
    )
    assert sweep_at(utc(2026, 3, 29, 1, 30) - dt.timedelta(seconds=1)) == 0
    assert sweep_at(utc(2026, 3, 29, 1, 30)) == 1
    assert deadline_notifications(case, NotificationKind.DEADLINE_OVERDUE).count() == 1


def test_working_days_between_counts_whole_days_either_way() -> None:
    friday, monday = london(2026, 1, 16, 17, 0), london(2026, 1, 19, 9, 0)
    assert working_days_between(friday, friday + HOUR) == 0
    assert working_days_between(friday, monday) == 1
    assert working_days_between(monday, friday) == -1
    assert working_days_between(london(2026, 12, 24, 9, 0), london(2026, 12, 29, 9, 0)) == 1
