"""Day-by-day counts behind the governance figures, kept up to date case by case.

The committee's figures are sums over days. Summing a small table of daily
counts is fast whatever the number of cases, so the dashboard reads
``DailyCount`` rather than scanning every case.

How the counts stay right
-------------------------
* Each case's contribution is worked out from its *facts*: the local days it
  was opened, triaged and closed, its flags, its directorate, its reports'
  days and platforms, its principles and its deadlines (``case_facts`` reads
  them for many cases in a fixed number of queries). ``facts_counts`` turns
  facts into count keys; it is the one definition of what a case adds.
* ``CaseFacts`` keeps the facts each case was last counted with. Refreshing a
  case adds the difference between its new and its old keys, so a case moved
  from open to closed, re-dated or given another principle is counted once,
  where it now belongs.
* The core tells reporting which cases changed: every service that changes a
  case's facts marks it in the core's outbox, ``casework.CaseChange``, in its
  own transaction (``casework.changes.cases_changed``); the core never imports
  this module. ``rollup_refresh`` drains the outbox: it claims the marked
  cases and applies their differences. The figures call it before reading, so
  they always include every committed change, whichever process made it; a
  beat task also calls it every minute so that work stays small.
* Writes made straight through the ORM rather than a service (the admin, a
  deletion, a fixture) are marked by the receivers at the bottom, which write
  the same outbox; the services don't rely on them.
* One drain runs at a time (a lock on the single ``RollupState`` row), and it
  deletes the rows it claims before counting, so two processes can never
  apply the same difference twice. ``rollup_rebuild``
  starts again from nothing; ``verify`` compares the table with a rebuild.

Keys are (measure, local day, directorate id or 0, platform or "" for any
platform, detail). A case counts under "" and under each platform it has a
report on, matching the platform filter ("cases with a report on it"); a
report counts under "" and its own platform.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from casework.changes import cases_changed
from casework.models import OPEN_STATES, Case, CaseChange, CaseState
from deadlines.calendar import is_working_day
from deadlines.models import Deadline
from governance.models import CaseFacts, DailyCount, Measure, RollupState
from incidents.models import Report

BATCH = 2000
ANY_PLATFORM = ""
EVERY_DIRECTORATE = -1
BREACH_WINDOW = dt.timedelta(hours=72)

Facts = dict[str, Any]
Key = tuple[str, dt.date, int, str, str]


# --- Facts and the keys they add ----------------------------------------------------------


def _day(moment: dt.datetime | None) -> str | None:
    return timezone.localdate(moment).isoformat() if moment else None


def case_facts(case_ids: list[int]) -> dict[int, Facts]:
    """The counted facts of each existing case in ``case_ids`` (four queries)."""
    facts: dict[int, Facts] = {}
    rows = Case.objects.filter(pk__in=case_ids).values_list(
        "pk",
        "created_at",
        "state",
        "closed_at",
        "closure",
        "outcome",
        "triage_started_at",
        "flag_safeguarding",
        "flag_data_breach",
        "data_breach_aware_at",
        "data_breach_assessed_at",
        "directorate_id",
    )
    for (
        pk,
        created,
        state,
        closed_at,
        closure,
        outcome,
        triaged,
        safeguarding,
        breach,
        aware,
        assessed,
        directorate,
    ) in rows:
        closed = state == CaseState.CLOSED and closed_at is not None
        facts[pk] = {
            "opened": _day(created),
            "open": state in OPEN_STATES,
            "closed": _day(closed_at) if closed else None,
            "ended": f"{closure}|{outcome}" if closed else "",
            "triaged": _day(triaged),
            "safeguarding": safeguarding,
            "breach": breach,
            "breach_in_time": bool(
                breach and aware and assessed and assessed <= aware + BREACH_WINDOW
            ),
            "directorate": directorate or 0,
            "reports": [],
            "principles": [],
            "deadlines": [],
        }
    if not facts:
        return facts
    found = list(facts)
    for case_id, submitted, platform in (
        Report.objects.filter(case_id__in=found)
        .values_list("case_id", "submitted_at", "platform")
        .order_by("case_id", "submitted_at", "pk")
    ):
        facts[case_id]["reports"].append([_day(submitted), platform])
    for case_id, principle_id in (
        Case.principles.through.objects.filter(case_id__in=found)
        .values_list("case_id", "principle_id")
        .order_by("case_id", "principle_id")
    ):
        facts[case_id]["principles"].append(principle_id)
    for case_id, clock, due, met in (
        Deadline.objects.filter(case_id__in=found, cancelled_at=None)
        .values_list("case_id", "clock", "due_at", "met_at")
        .order_by("case_id", "clock", "cycle")
    ):
        facts[case_id]["deadlines"].append([_day(due), clock, bool(met and met <= due)])
    return facts


class WorkingDays:
    """Working days between two local days, from a running count built once per refresh."""

    def __init__(self) -> None:
        self._running: dict[dt.date, int] = {}
        self._low: dt.date | None = None
        self._high: dt.date | None = None

    def _extend(self, low: dt.date, high: dt.date) -> None:
        if (
            self._low is not None
            and self._high is not None
            and self._low <= low
            and high <= self._high
        ):
            return
        low = min(low, self._low or low) - dt.timedelta(days=31)
        high = max(high, self._high or high) + dt.timedelta(days=31)
        running, total, day = {}, 0, low
        while day <= high:
            total += 1 if is_working_day(day) else 0
            running[day] = total
            day += dt.timedelta(days=1)
        self._running, self._low, self._high = running, low, high

    def between(self, first: dt.date, last: dt.date) -> int:
        """Working days after ``first`` up to and including ``last``."""
        self._extend(min(first, last), max(first, last))
        return self._running[last] - self._running[first]


def facts_counts(
    facts: Facts,
    working_days: WorkingDays,
    into: Counter[Key] | None = None,
    *,
    every_directorate: bool = True,
) -> Counter[Key]:
    """What one case adds to ``DailyCount`` (added to ``into`` when given).

    Each key is counted under the case's directorate and again under
    ``EVERY_DIRECTORATE``, so unfiltered figures read one row where they would
    otherwise add up one per directorate. ``every_directorate=False`` leaves those
    out, for a rebuild that derives them in one statement afterwards.
    """
    counts: Counter[Key] = Counter() if into is None else into
    directorates = (
        [facts["directorate"], EVERY_DIRECTORATE] if every_directorate else [facts["directorate"]]
    )
    slots = [ANY_PLATFORM, *sorted({platform for _, platform in facts["reports"]})]
    opened = dt.date.fromisoformat(facts["opened"])

    def add(measure: str, day: dt.date, detail: str = "") -> None:
        for directorate in directorates:
            for slot in slots:
                counts[(measure, day, directorate, slot, detail)] += 1

    for day, platform in facts["reports"]:
        for directorate in directorates:
            for slot in (ANY_PLATFORM, platform):
                counts[(Measure.REPORTS, dt.date.fromisoformat(day), directorate, slot, "")] += 1
    add(Measure.OPENED, opened)
    if facts["open"]:
        add(Measure.OPEN, opened)
    if facts["safeguarding"]:
        add(Measure.SAFEGUARDING, opened)
    if facts["breach"]:
        add(Measure.BREACH, opened)
    if facts["breach_in_time"]:
        add(Measure.BREACH_IN_TIME, opened)
    for principle_id in facts["principles"]:
        add(Measure.PRINCIPLE, opened, str(principle_id))
    if facts["triaged"]:
        triaged = dt.date.fromisoformat(facts["triaged"])
        add(Measure.TO_TRIAGE, triaged, str(working_days.between(opened, triaged)))
    if facts["closed"]:
        closed = dt.date.fromisoformat(facts["closed"])
        add(Measure.CLOSED, closed, facts["ended"])
        add(Measure.TO_CLOSE, closed, str(working_days.between(opened, closed)))
    for day, clock, met in facts["deadlines"]:
        add(Measure.DEADLINE_DUE, dt.date.fromisoformat(day), clock)
        if met:
            add(Measure.DEADLINE_MET, dt.date.fromisoformat(day), clock)
    return counts


# --- Applying differences -----------------------------------------------------------------


def _apply(delta: Counter[Key]) -> None:
    """Add ``delta`` to ``DailyCount`` in key order, creating rows as needed."""
    changes = sorted((key, n) for key, n in delta.items() if n)
    table = connection.ops.quote_name(DailyCount._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(changes), 500):
            chunk = changes[start : start + 500]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
            params: list[str | dt.date | int] = []
            for (measure, day, directorate, platform, detail), n in chunk:
                params += [str(measure), day, directorate, platform, detail, n]
            cursor.execute(
                f"INSERT INTO {table} (measure, day, directorate, platform, detail, n) VALUES {values} "
                "ON CONFLICT (measure, platform, directorate, day, detail) "
                f"DO UPDATE SET n = {table}.n + excluded.n",
                params,
            )


def _lock_state() -> RollupState:
    RollupState.objects.get_or_create(pk=1)
    return RollupState.objects.select_for_update().get(pk=1)


def _refresh_cases(case_ids: list[int], working_days: WorkingDays) -> None:
    new = case_facts(case_ids)
    old = {row.case_id: row.facts for row in CaseFacts.objects.filter(case_id__in=case_ids)}
    delta: Counter[Key] = Counter()
    for case_id in case_ids:
        before, after = old.get(case_id), new.get(case_id)
        if before == after:
            continue
        if after is not None:
            delta.update(facts_counts(after, working_days))
        if before is not None:
            delta.subtract(facts_counts(before, working_days))
    _apply(delta)
    gone = [case_id for case_id in case_ids if case_id in old and case_id not in new]
    CaseFacts.objects.filter(case_id__in=gone).delete()
    CaseFacts.objects.bulk_create(
        [
            CaseFacts(case_id=case_id, facts=facts)
            for case_id, facts in new.items()
            if old.get(case_id) != facts
        ],
        update_conflicts=True,
        unique_fields=["case_id"],
        update_fields=["facts"],
    )


def rollup_refresh() -> int:
    """Drain the ``CaseChange`` outbox: count the changes of every marked case.

    Returns how many cases were looked at.
    """
    if not CaseChange.objects.exists():  # the usual case: one cheap query, no lock
        return 0
    working_days = WorkingDays()
    done = 0
    while True:
        with transaction.atomic():
            state = _lock_state()
            case_ids = list(
                CaseChange.objects.order_by("case_id").values_list("case_id", flat=True)[:BATCH]
            )
            if not case_ids:
                return done
            # Claim by deleting first: a change committed after this point marks the case again.
            CaseChange.objects.filter(case_id__in=case_ids).delete()
            _refresh_cases(case_ids, working_days)
            state.refreshed_at = timezone.now()
            state.save(update_fields=["refreshed_at"])
        done += len(case_ids)


def _all_case_ids() -> Iterator[list[int]]:
    last = 0
    while True:
        ids = list(
            Case.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def rollup_rebuild() -> int:
    """Count every case again from nothing. For setting up and repairs; returns the cases counted.

    Counts are added up in memory and written once, which is far quicker for a
    whole table than applying differences case by case.
    """
    working_days = WorkingDays()
    counts: Counter[Key] = Counter()
    counted = 0
    with transaction.atomic():
        state = _lock_state()
        DailyCount.objects.all().delete()
        CaseFacts.objects.all().delete()
        CaseChange.objects.all().delete()
        for case_ids in _all_case_ids():
            facts = case_facts(case_ids)
            for one in facts.values():
                facts_counts(one, working_days, into=counts, every_directorate=False)
            CaseFacts.objects.bulk_create(
                [CaseFacts(case_id=pk, facts=one) for pk, one in facts.items()]
            )
            counted += len(facts)
        _write_new(counts)
        _every_directorate_derive()
        state.refreshed_at = state.rebuilt_at = timezone.now()
        state.save(update_fields=["refreshed_at", "rebuilt_at"])
    return counted


def _every_directorate_derive() -> None:
    """Add the ``EVERY_DIRECTORATE`` rows as sums of the per-directorate rows (they must not exist yet)."""
    table = connection.ops.quote_name(DailyCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (measure, day, directorate, platform, detail, n) "
            f"SELECT measure, day, %s, platform, detail, SUM(n) FROM {table} WHERE directorate <> %s "
            "GROUP BY measure, day, platform, detail",
            [EVERY_DIRECTORATE, EVERY_DIRECTORATE],
        )


def _write_new(counts: Counter[Key]) -> None:
    """Insert rows for keys not yet in ``DailyCount`` (``COPY`` on PostgreSQL)."""
    rows = (
        (str(measure), day, directorate, platform, detail, n)
        for (measure, day, directorate, platform, detail), n in counts.items()
        if n
    )
    columns = "measure, day, directorate, platform, detail, n"
    table = connection.ops.quote_name(DailyCount._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 500:
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)", batch
                )
                batch = []
        if batch:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)", batch
            )


def rollup_differences() -> dict[Key, tuple[int, int]]:
    """Keys where the table differs from a count from scratch: key → (in the table, counted now)."""
    rollup_refresh()
    working_days = WorkingDays()
    expected: Counter[Key] = Counter()
    for case_ids in _all_case_ids():
        for facts in case_facts(case_ids).values():
            expected.update(facts_counts(facts, working_days))
    stored: Counter[Key] = Counter()
    for measure, day, directorate, platform, detail, n in DailyCount.objects.values_list(
        "measure", "day", "directorate", "platform", "detail", "n"
    ).iterator(chunk_size=5000):
        stored[(measure, day, directorate, platform, detail)] += n
    return {
        key: (stored[key], expected[key])
        for key in set(stored) | set(expected)
        if stored[key] != expected[key]
    }


# --- Receivers: ORM writes outside the services (admin, deletions, fixtures) mark the case ---


def _case_saved(sender: type, instance: Case, **kwargs: object) -> None:
    cases_changed([instance.pk])


def _child_saved(sender: type, instance: Report | Deadline, **kwargs: object) -> None:
    cases_changed([instance.case_id])


def _principles_changed(
    sender: type, instance: Model, action: str, reverse: bool, pk_set: set | None, **kwargs: object
) -> None:
    if not reverse:
        if action.startswith("post_"):
            cases_changed([instance.pk])
    elif action in ("post_add", "post_remove"):
        cases_changed(pk_set or ())
    elif (
        action == "pre_clear"
    ):  # from the principle's side: its cases are known only before the clear
        cases_changed(
            Case.principles.through.objects.filter(principle_id=instance.pk).values_list(
                "case_id", flat=True
            )
        )


post_save.connect(_case_saved, sender=Case, dispatch_uid="governance_rollup_case_saved")
post_delete.connect(_case_saved, sender=Case, dispatch_uid="governance_rollup_case_deleted")
for _model in (Report, Deadline):
    post_save.connect(
        _child_saved, sender=_model, dispatch_uid=f"governance_rollup_{_model.__name__}_saved"
    )
    post_delete.connect(
        _child_saved, sender=_model, dispatch_uid=f"governance_rollup_{_model.__name__}_deleted"
    )
m2m_changed.connect(
    _principles_changed, sender=Case.principles.through, dispatch_uid="governance_rollup_principles"
)
