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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from django.db import transaction
from django.db.models import F, Min, Model, QuerySet
from django.db.models.base import ModelState
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
# notify(steps=[(deadline, step), ...]) writes the notifications of the steps claimed.
Notify = Callable[..., None]
M = TypeVar("M", bound=Model)


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


# Deadlines claimed in one transaction. A sweep with more due takes them in several. Each batch
# after the first also walks the index entries its predecessors' rows left behind (until
# vacuum), and pays a fixed round of queries and a commit, so batches are large: 5,000 rows are
# locked for about a second, which is as long as a person acting on one of those cases waits.
SWEEP_BATCH = 5000


def _step_due(deadline: Deadline, *, now: dt.datetime) -> str | None:
    """The one step due on this deadline now, or None if nothing is (met, cancelled, or not yet)."""
    if not deadline.is_open:
        return None
    if (
        deadline.remind_at
        and deadline.reminder_sent_at is None
        and deadline.overdue_sent_at is None
        and deadline.remind_at <= now < deadline.due_at
    ):
        return Step.REMINDER
    if deadline.overdue_sent_at is None and deadline.due_at <= now:
        return Step.OVERDUE
    if (
        deadline.overdue_sent_at is not None
        and deadline.escalated_at is None
        and deadline.escalate_at <= now
    ):
        return Step.ESCALATION
    return None


# What claiming each step writes, and the "not sent yet" condition the claim is made on.
_CLAIMS: dict[str, tuple[dict[str, object], Callable[[dt.datetime], dict[str, object]]]] = {
    Step.REMINDER: (
        {"reminder_sent_at": None, "overdue_sent_at": None},
        lambda now: {"reminder_sent_at": now, "next_action_at": F("due_at")},
    ),
    Step.OVERDUE: (
        {"overdue_sent_at": None},
        lambda now: {"overdue_sent_at": now, "next_action_at": F("escalate_at")},
    ),
    Step.ESCALATION: (
        {"escalated_at": None},
        lambda now: {"escalated_at": now, "next_action_at": None},
    ),
}


def _deadlines_claim(
    rows: QuerySet[Deadline],
    *,
    notify: Notify,
    now: dt.datetime,
    case_fields: Sequence[str] | None,
    skip_locked: bool = False,
) -> tuple[list[tuple[Deadline, str]], int]:
    """Claim the step due on each deadline of ``rows`` and tell its people, in one transaction.

    The rows are locked as they are read (``FOR UPDATE``; the sweep's own read skips rows another
    sweeper holds), so the step decided here from the row is still the row's when it is written:
    one conditional UPDATE per kind of step, over every deadline taking it. ``notify`` writes the
    notifications in the same transaction, so a second sweeper, a retried task or a rolled-back
    claim never sends a step twice or loses one. Rows with nothing due after all (a rule changed,
    a deadline met between listing and claiming) get their ``next_action_at`` put back in step.
    """
    with transaction.atomic():
        deadlines = _deadlines_locked(rows, case_fields=case_fields, skip_locked=skip_locked)
        steps: dict[str, list[Deadline]] = {}
        stale: list[Deadline] = []
        for deadline in deadlines:
            step = _step_due(deadline, now=now)
            if step is None:
                deadline.next_action_at = next_action_at(deadline)
                stale.append(deadline)
            else:
                steps.setdefault(step, []).append(deadline)
        for step, taking in steps.items():
            unsent, writes = _CLAIMS[step]
            claimed = Deadline.objects.filter(
                pk__in=[deadline.pk for deadline in taking],
                met_at=None,
                cancelled_at=None,
                **unsent,
            ).update(**writes(now))
            if claimed != len(taking):
                # The rows are locked, so this can't happen; if it ever does, send nothing.
                raise RuntimeError(f"{step}: claimed {claimed} of {len(taking)} locked deadlines")
        if stale:
            Deadline.objects.bulk_update(stale, ["next_action_at"])
        taken = [(deadline, step) for step, taking in steps.items() for deadline in taking]
        taken.sort(key=lambda pair: (pair[0].next_action_at or now, pair[0].pk))
        if taken:
            notify(steps=taken)
    return taken, len(deadlines)


def _deadlines_locked(
    rows: QuerySet[Deadline], *, case_fields: Sequence[str] | None, skip_locked: bool
) -> list[Deadline]:
    """``rows`` locked and read, each with its case (only ``case_fields`` of it, if given)."""
    # Only the deadline rows are locked: a case being changed by a person must not stop the sweep.
    rows = rows.select_for_update(skip_locked=skip_locked, of=("self",))
    if case_fields is None:
        return list(rows.select_related("case"))
    # A case row is wide (its texts, its dates): a batch of thousands reads only what its
    # notices need. Any other field is still there, loaded when it is asked for.
    case_model = Deadline._meta.get_field("case").related_model
    deadline_names = [field.attname for field in Deadline._meta.concrete_fields]
    attnames = {field.name: field.attname for field in case_model._meta.concrete_fields}
    case_names = list(dict.fromkeys(["id", *(attnames[name] for name in case_fields)]))
    split = len(deadline_names)
    deadlines = []
    for values in rows.values_list(*deadline_names, *(f"case__{name}" for name in case_names)):
        deadline = _read_only(Deadline, deadline_names, values[:split], db=rows.db)
        deadline._state.fields_cache["case"] = _read_only(
            case_model, case_names, values[split:], db=rows.db
        )
        deadlines.append(deadline)
    return deadlines


def _read_only(model: type[M], names: Sequence[str], values: Sequence[object], *, db: str) -> M:
    """What ``model.from_db(db, names, values)`` gives, for an instance that is only read.

    ``Model.__init__`` (with the state machine's mixin on a case) costs tens of microseconds an
    instance, a third of what a batch of thousands spends in Python. Nothing here is saved (the
    claim writes with UPDATEs); a field not read is loaded when asked for, as with ``only()``.
    """
    instance = model.__new__(model)
    instance.__dict__.update(zip(names, values, strict=True))
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = db
    return instance


def deadline_act(
    *,
    deadline_id: int,
    notify: Notify,
    now: dt.datetime | None = None,
    case_fields: Sequence[str] | None = None,
) -> str | None:
    """Send the reminder, overdue alert or escalation due on one deadline, at most once.

    ``notify(steps=[(deadline, step)])`` tells the people concerned, inside the claiming transaction;
    ``case_fields`` are the fields of the case it reads (all of them if None).
    """
    now = now or timezone.now()
    taken, _ = _deadlines_claim(
        Deadline.objects.filter(pk=deadline_id), notify=notify, now=now, case_fields=case_fields
    )
    return taken[0][1] if taken else None


def deadlines_due(*, now: dt.datetime, limit: int) -> list[int]:
    return list(
        Deadline.objects.filter(next_action_at__lte=now)
        .order_by("next_action_at")
        .values_list("pk", flat=True)[:limit]
    )


def deadlines_sweep(
    *,
    notify: Notify,
    now: dt.datetime | None = None,
    limit: int = 1000,
    case_fields: Sequence[str] | None = None,
) -> int:
    """Act on every deadline whose next step has come, telling people through ``notify``
    (which reads ``case_fields`` of each deadline's case; all of them if None).

    Each batch of up to ``SWEEP_BATCH`` due deadlines is read through the ``next_action_at``
    index, locked, claimed and notified in one transaction, with a fixed number of queries
    whatever its size. Rows another sweeper has locked are skipped: that sweeper sends them.
    Returns how many steps were sent.
    """
    now = now or timezone.now()
    sent = 0
    left = limit
    # Nearly every run finds nothing due: one indexed read, no transaction.
    if not Deadline.objects.filter(next_action_at__lte=now).exists():
        return 0
    while left > 0:
        size = min(left, SWEEP_BATCH)
        due = Deadline.objects.filter(next_action_at__lte=now).order_by("next_action_at", "pk")
        taken, read = _deadlines_claim(
            due[:size], notify=notify, now=now, case_fields=case_fields, skip_locked=True
        )
        sent += len(taken)
        # Every row read had its next action moved past now (or cleared), so the next batch
        # reads new rows; a short batch means nothing more is due.
        if read < size:
            break
        left -= size
    return sent
