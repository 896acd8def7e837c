"""Opening, meeting and sweeping deadlines.

The case services call ``deadlines_after_action`` inside their transaction,
with the clocks the action's declaration (``casework.actions``) says it meets
and opens, so a case's clocks always match its state. The beat sweep calls
``deadlines_sweep`` with the function that tells each step's people (the
clocks don't know who owns a stage); each reminder, overdue alert and
escalation is claimed with a conditional UPDATE and its notifications are
written in the same transaction, so a second sweeper or a retried task finds
nothing to send. The deadline engine sits below the core and never imports
it: the case services that open, meet or cancel clocks here mark the case in
the core's ``CaseChange`` outbox themselves, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from deadlines.calendar import add_hours, add_working_days
from deadlines.defaults import DEFAULT_RULES
from deadlines.models import Clock, Deadline, DeadlineRule, Unit

if TYPE_CHECKING:
    from casework.models import Case

# Closing a case stops its stage clocks; the safeguarding and data-breach clocks only stop when answered.
STAGE_CLOCKS = (
    Clock.TRIAGE_START,
    Clock.TRIAGE_COMPLETE,
    Clock.MANAGER_DECISION,
    Clock.INVESTIGATION,
    Clock.DECISION,
)
Notify = Callable[..., None]


@dataclass(frozen=True)
class Schedule:
    due_at: dt.datetime
    remind_at: dt.datetime | None
    escalate_at: dt.datetime


def schedule_for(rule: DeadlineRule, started_at: dt.datetime) -> Schedule:
    """When a clock started at ``started_at`` is due, reminds and escalates."""
    if rule.unit == Unit.WORKING_DAYS:
        due = add_working_days(started_at, rule.allowed)
        escalate = add_working_days(due, rule.escalate_after)
        remind = add_working_days(due, -rule.remind_before) if rule.remind_before else None
    else:
        due = add_hours(started_at, rule.allowed)
        escalate = add_hours(due, rule.escalate_after)
        remind = add_hours(due, -rule.remind_before) if rule.remind_before else None
    if remind is None:
        # In UTC, for the same reason as add_hours: half-time is half the real time.
        remind = started_at.astimezone(dt.UTC) + (due - started_at) / 2
    if remind <= started_at:
        remind = None
    return Schedule(due_at=due, remind_at=remind, escalate_at=escalate)


def next_action_at(deadline: Deadline) -> dt.datetime | None:
    if not deadline.is_open:
        return None
    if (
        deadline.remind_at
        and deadline.reminder_sent_at is None
        and deadline.overdue_sent_at is None
    ):
        return deadline.remind_at
    if deadline.overdue_sent_at is None:
        return deadline.due_at
    if deadline.escalated_at is None:
        return deadline.escalate_at
    return None


def rule_for(clock: Clock) -> DeadlineRule:
    """The rule for a clock; the built-in default if an administrator removed it."""
    unit, allowed, remind_before, escalate_after = DEFAULT_RULES[clock]
    rule, _ = DeadlineRule.objects.get_or_create(
        clock=clock,
        defaults={
            "unit": unit,
            "allowed": allowed,
            "remind_before": remind_before,
            "escalate_after": escalate_after,
        },
    )
    return rule


def deadline_open(*, case: Case, clock: Clock, started_at: dt.datetime) -> Deadline:
    rule = rule_for(clock)
    schedule = schedule_for(rule, started_at)
    deadline, created = Deadline.objects.get_or_create(
        case=case,
        clock=clock,
        cycle=case.reopened_count,
        defaults={
            "started_at": started_at,
            "due_at": schedule.due_at,
            "remind_at": schedule.remind_at,
            "escalate_at": schedule.escalate_at,
        },
    )
    if created:
        deadline.next_action_at = next_action_at(deadline)
        deadline.save(update_fields=["next_action_at"])
    return deadline


def deadlines_meet(*, case: Case, clocks: Iterable[Clock], at: dt.datetime) -> int:
    met = Deadline.objects.filter(
        case=case, clock__in=clocks, met_at=None, cancelled_at=None
    ).update(met_at=at, next_action_at=None)
    return met


def deadlines_cancel(*, case: Case, clocks: Iterable[Clock], at: dt.datetime) -> int:
    cancelled = Deadline.objects.filter(
        case=case, clock__in=clocks, met_at=None, cancelled_at=None
    ).update(cancelled_at=at, next_action_at=None)
    return cancelled


def case_next_due_sync(*, case: Case) -> None:
    """Keep the case's indexed "next due" in step with its open deadlines."""
    next_due = Deadline.objects.filter(case=case, met_at=None, cancelled_at=None).aggregate(
        next_due=Min("due_at")
    )["next_due"]
    if case.next_due_at != next_due:
        type(case).objects.filter(pk=case.pk).update(next_due_at=next_due)
        case.next_due_at = next_due


def deadlines_after_action(
    *, case: Case, meets: Iterable[Clock], opens: Iterable[Clock], at: dt.datetime | None = None
) -> None:
    """Stop and start the clocks an action declares (the case is in its new state).

    Call inside the action's transaction.
    """
    at = at or timezone.now()
    meets = list(meets)
    if meets:
        deadlines_meet(case=case, clocks=meets, at=at)
    if case.state == "closed":
        deadlines_cancel(case=case, clocks=STAGE_CLOCKS, at=at)
    for clock in opens:
        deadline_open(case=case, clock=clock, started_at=at)
    case_next_due_sync(case=case)


def deadlines_for_new_case(*, case: Case, at: dt.datetime) -> None:
    deadline_open(case=case, clock=Clock.TRIAGE_START, started_at=at)
    case_next_due_sync(case=case)


def deadlines_for_flag(*, case: Case, flag: str, raised: bool, at: dt.datetime) -> None:
    """Start the hour clock a safeguarding or data-breach flag brings; clearing it stops the clock."""
    clock = {"safeguarding": Clock.SAFEGUARDING, "data_breach": Clock.DATA_BREACH}.get(flag)
    if clock is None:
        return
    if raised:
        started = (
            case.data_breach_aware_at
            if clock == Clock.DATA_BREACH and case.data_breach_aware_at
            else at
        )
        deadline = deadline_open(case=case, clock=clock, started_at=started)
        if not deadline.is_open:
            # Raised again after it was cleared or answered in this cycle: a new concern
            # needs a clock of its own, and the row is one per case, clock and cycle.
            _deadline_restart(deadline, started_at=started)
    else:
        deadlines_cancel(case=case, clocks=[clock], at=at)
    case_next_due_sync(case=case)


def _deadline_restart(deadline: Deadline, *, started_at: dt.datetime) -> None:
    schedule = schedule_for(rule_for(Clock(deadline.clock)), started_at)
    deadline.started_at = started_at
    deadline.due_at, deadline.remind_at, deadline.escalate_at = (
        schedule.due_at,
        schedule.remind_at,
        schedule.escalate_at,
    )
    deadline.met_at = deadline.cancelled_at = None
    deadline.reminder_sent_at = deadline.overdue_sent_at = deadline.escalated_at = None
    deadline.next_action_at = next_action_at(deadline)
    deadline.save()


def deadlines_for_flag_response(*, case: Case, flag: str, at: dt.datetime) -> None:
    clock = {"safeguarding": Clock.SAFEGUARDING, "data_breach": Clock.DATA_BREACH}[flag]
    deadlines_meet(case=case, clocks=[clock], at=at)
    case_next_due_sync(case=case)


# --- The sweep --------------------------------------------------------------


class Step:
    REMINDER = "reminder"
    OVERDUE = "overdue"
    ESCALATION = "escalation"


def _claim(deadline: Deadline, *, now: dt.datetime) -> str | None:
    """Claim the one step that is due on this deadline, or None if another sweeper took it."""
    pending = Deadline.objects.filter(pk=deadline.pk, met_at=None, cancelled_at=None)
    if (
        deadline.remind_at
        and deadline.reminder_sent_at is None
        and deadline.overdue_sent_at is None
        and deadline.remind_at <= now < deadline.due_at
    ):
        claimed = pending.filter(reminder_sent_at=None, overdue_sent_at=None).update(
            reminder_sent_at=now, next_action_at=deadline.due_at
        )
        return Step.REMINDER if claimed else None
    if deadline.overdue_sent_at is None and deadline.due_at <= now:
        claimed = pending.filter(overdue_sent_at=None).update(
            overdue_sent_at=now, next_action_at=deadline.escalate_at
        )
        return Step.OVERDUE if claimed else None
    if (
        deadline.overdue_sent_at is not None
        and deadline.escalated_at is None
        and deadline.escalate_at <= now
    ):
        claimed = pending.filter(escalated_at=None).update(escalated_at=now, next_action_at=None)
        return Step.ESCALATION if claimed else None
    # Nothing due after all (the rule changed, or a stale read): put the row back in step.
    pending.update(next_action_at=next_action_at(deadline))
    return None


def deadline_act(*, deadline_id: int, notify: Notify, now: dt.datetime | None = None) -> str | None:
    """Send the reminder, overdue alert or escalation due on one deadline, at most once.

    ``notify(deadline=…, step=…)`` tells the people concerned, inside the claiming transaction.
    """
    now = now or timezone.now()
    with transaction.atomic():
        deadline = Deadline.objects.select_related("case").filter(pk=deadline_id).first()
        if deadline is None or not deadline.is_open:
            return None
        step = _claim(deadline, now=now)
        if step is not None:
            notify(deadline=deadline, step=step)
    return step


def deadlines_due(*, now: dt.datetime, limit: int) -> list[int]:
    return list(
        Deadline.objects.filter(next_action_at__lte=now)
        .order_by("next_action_at")
        .values_list("pk", flat=True)[:limit]
    )


def deadlines_sweep(*, notify: Notify, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Act on every deadline whose next step has come, telling people through ``notify``.

    Returns how many steps were sent.
    """
    now = now or timezone.now()
    sent = 0
    for deadline_id in deadlines_due(now=now, limit=limit):
        if deadline_act(deadline_id=deadline_id, notify=notify, now=now):
            sent += 1
    return sent
