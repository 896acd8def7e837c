"""Small-number protection for the governance tables: rounding to base 5.

What goes in: the selectors only ever put category labels in tables
(platforms, principle titles, directorate names, outcome labels, stage names,
period labels, policy titles): never names, case or report references, or
free text. What this module does to the numbers:

1. Counts. Every count of people, cases, reports or deadlines is published as
   0 (a true zero), ``SUPPRESSED`` ("fewer than 5") for 1 to 4, or, from 5
   up, the nearest multiple of 5 (7 → 5, 8 → 10, 143 → 145). Each cell is
   rounded on its own, totals included, so a total may not equal the sum of
   its rows; ``ROUNDING_NOTE`` says so under every table.

2. Shares. A percentage is worked out again from the two published (rounded)
   counts, so it tells a reader nothing the counts don't: "80 %" beside a
   published 5 would otherwise pin 4 of 5. It is hidden when either count is
   hidden or its base is below 5.

3. Statistics of cases (median and 90th percentile of working days) are hidden
   when computed from fewer than 5 cases.

Why rounding rather than hiding cells within a table
----------------------------------------------------
The same counts are published again and again: in the summary, as a table's
total, as a trend row, under every directorate and site filter, for a month,
its quarter and its year, and for the current period as it grows day by day.
Cell suppression inside one table can't see the other tables, filters and
periods a reader can put next to it: the quarter's closed total minus the
monthly trend rows, or all sites minus one site, gave back counts the tables
themselves had hidden.

With rounding every published count is known only to within 2 either side
(a published 5 means 5 to 7, "fewer than 5" means 1 to 4), and each figure is
rounded the same way wherever it appears. The difference of two published
counts of 5 or more -- two filters, two periods, a total and a row -- is a
multiple of 5 and the true difference lies anywhere within 4 of it: an
interval 8 wide which, whenever the true difference is from 1 to 4, holds the
whole of 1 to 4 (only 1 and 2 when both figures read 5). Taking a "fewer than
5" or a 0 from another figure leaves at least two values too. So no pair of
figures, from whichever tables, filters or periods, pins a small count down.
A total minus the sum of several rows is looser still, since every term adds
its own uncertainty. One limit remains, and it needs every term of a sum to
sit at the edge of its band at once: a total of 8 made of two rows of 4 is
published as 10 with both rows "fewer than 5"; as the rows can hold at most 8
between them, each must be 4. (Rows of 8, 8 and 1 with a total of 17, shown
as 10, 10, "fewer than 5" and 15, give the 1 away the same way.)

Periods are whole calendar months (``governance.figures.whole_months``), so a
from–to range can't be moved a day at a time to isolate a single day. The
current month, quarter or year is unfinished and its figures change from one
day to the next; comparing today's figures with yesterday's is a difference
of two published figures, which the rounding covers.

Which columns are counts: those a table's rule names, plus any other column
holding integers that the rule doesn't declare a share or a statistic, so a
new or renamed column is protected by default rather than slipping through.

"policies_expired" is register data about documents, not people, and passes
through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TypeGuard

from governance.figures import ROUND_TO, SUPPRESS_BELOW, SUPPRESSED, Cell, Table

ROUNDING_NOTE = (
    "Counts from 1 to 4 are shown as “fewer than 5”; other counts are rounded to the nearest 5, "
    "each on its own, so a total may not equal the sum of its rows."
)
SHARES_NOTE = "Percentages are worked out from the rounded counts."


@dataclass(frozen=True)
class Rule:
    counts: tuple[str, ...] = ()  # columns of counts of cases, reports, people or deadlines
    shares: dict[str, tuple[str, str]] = field(
        default_factory=dict
    )  # % column -> (part, whole) count columns
    statistics: dict[str, str] = field(
        default_factory=dict
    )  # column -> the count of cases it was computed from
    exempt: bool = False


RULES: dict[str, Rule] = {
    "summary": Rule(counts=("Number",)),
    "by_platform": Rule(counts=("Reports received",)),
    "by_principle": Rule(counts=("Cases opened",)),
    "by_directorate": Rule(counts=("Cases opened",)),
    "by_outcome": Rule(counts=("Cases closed",)),
    "timings": Rule(
        counts=("Cases",),
        statistics={"Median working days": "Cases", "90th percentile working days": "Cases"},
    ),
    "deadlines_met": Rule(
        counts=("Due in period", "Met in time"),
        shares={"Share met (%)": ("Met in time", "Due in period")},
    ),
    "open_by_age": Rule(counts=("Open cases",)),
    "repeat_subjects": Rule(counts=("Number",)),
    "flags": Rule(
        counts=("Cases flagged", "Assessed within 72 hours"),
        shares={
            "Share assessed within 72 hours (%)": ("Assessed within 72 hours", "Cases flagged")
        },
    ),
    "policies_expired": Rule(exempt=True),
    "trend": Rule(counts=("Reports received", "Cases opened", "Cases closed")),
}


def _is_count(value: Cell) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def publish_count(n: int) -> int | str:
    """0 as 0, 1 to 4 as ``SUPPRESSED``, anything else to the nearest multiple of 5."""
    if n == 0:
        return 0
    if 0 < n < SUPPRESS_BELOW:
        return SUPPRESSED
    # Half-way can't happen with base 5 and whole numbers, so there is no tie to break.
    return ROUND_TO * round(n / ROUND_TO)


def _integer_columns(table: Table) -> set[int]:
    """Every column after the labels that holds an integer."""
    return {
        index
        for index in range(1, len(table.columns))
        if any(_is_count(row[index]) for row in table.rows if index < len(row))
    }


def suppress(table: Table) -> Table:
    """``table`` as it may be published: counts rounded or hidden, derived figures made from them."""
    rule = RULES.get(table.key, Rule())
    if rule.exempt:
        return table
    column = {name: index for index, name in enumerate(table.columns)}
    derived = {column[name] for name in (*rule.shares, *rule.statistics) if name in column}
    # The rule's count columns and -- so a renamed column can never slip through unrounded --
    # every other column holding integers that isn't a derived figure.
    counts = (
        {column[name] for name in rule.counts if name in column} | _integer_columns(table)
    ) - derived

    rows = []
    for row in table.rows:
        out = list(row)
        for c in counts:
            value = row[c] if c < len(row) else None
            if _is_count(value):
                out[c] = publish_count(value)
        for share_name, (part_name, whole_name) in rule.shares.items():
            if {share_name, part_name, whole_name} <= column.keys():
                out[column[share_name]] = _share(
                    out[column[part_name]], out[column[whole_name]], row[column[share_name]]
                )
        for statistic_name, base_name in rule.statistics.items():
            if {statistic_name, base_name} <= column.keys() and row[
                column[statistic_name]
            ] is not None:
                base = row[column[base_name]]
                if not _is_count(base) or base < SUPPRESS_BELOW:
                    out[column[statistic_name]] = SUPPRESSED
        rows.append(tuple(out))

    notes = [table.note, ROUNDING_NOTE if counts else "", SHARES_NOTE if rule.shares else ""]
    return replace(table, rows=tuple(rows), note=" ".join(note for note in notes if note))


def _share(part: Cell, whole: Cell, computed: Cell) -> Cell:
    """A percentage from the published ``part`` and ``whole``; ``computed`` is the one from the true counts."""
    if computed is None:  # nothing to share out (no base, or no such figure for the row)
        return None
    if not (_is_count(part) and _is_count(whole)) or whole < SUPPRESS_BELOW:
        return SUPPRESSED
    return round(100 * part / whole, 1)
