"""Small-number suppression for the governance tables.

What goes in: the selectors only ever put category labels in tables
(platforms, principle titles, directorate names, outcome labels, stage names,
period labels, policy titles): never names, case or report references, or
free text. What this module does to the numbers:

1. Primary suppression. A count from 1 to 4 becomes ``SUPPRESSED``
   ("fewer than 5"); 0 is shown.

2. Secondary suppression, one rule everywhere a total is published. A table
   whose last row is labelled "Total" makes each of its count columns a group
   (the rows above, adding up to the total). If any cell in a group is
   suppressed, the next-smallest shown non-zero cell is suppressed too, and
   again, until at least two cells are hidden, they hold at least 5 between
   them, and they hold more than one each (so "all ones" can't be deduced).
   The total itself stays: it is published elsewhere anyway (the "summary"
   table), so hiding it would protect nothing. Only when no cell is left to
   hide is the total hidden as well. Secondary cells are shown with the same
   marker, so a reader can't tell which hidden cell is the small one.

3. Complements. Where a count is a part of another count in the same row
   ("met in time" of "due in period", "assessed within 72 hours" of "cases
   flagged"), the part is hidden when either it or the remainder (whole minus
   part) is from 1 to 4 and the whole is shown, so the small remainder can't
   be worked out by subtraction either.

4. Derived figures. A percentage, median or percentile is hidden when it was
   computed from fewer than 5 cases (its base count is below 5), or when a
   count it was computed from is hidden.

Which columns are counts: those a table's rule names, plus any other column
holding integers that the rule doesn't declare a derived figure, so a new or
renamed column is suppressed by default rather than slipping through.

"policies_expired" is register data about documents, not people, and passes
through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from governance.figures import SUPPRESS_BELOW, SUPPRESSED, Cell, Table

TOTAL = "Total"


@dataclass(frozen=True)
class Rule:
    counts: tuple[str, ...] = ()  # columns of counts of cases or reports
    derived: dict[str, str] = field(default_factory=dict)  # column -> the count column it was computed from
    complements: tuple[tuple[str, str], ...] = ()  # (part, whole) column pairs
    exempt: bool = False


RULES: dict[str, Rule] = {
    "summary": Rule(counts=("Number",)),
    "by_platform": Rule(counts=("Reports received",)),
    "by_principle": Rule(counts=("Cases opened",)),
    "by_directorate": Rule(counts=("Cases opened",)),
    "by_outcome": Rule(counts=("Cases closed",)),
    "timings": Rule(
        counts=("Cases",),
        derived={"Median working days": "Cases", "90th percentile working days": "Cases"},
    ),
    "deadlines_met": Rule(
        counts=("Due in period", "Met in time"),
        derived={"Share met (%)": "Due in period"},
        complements=(("Met in time", "Due in period"),),
    ),
    "open_by_age": Rule(counts=("Open cases",)),
    "repeat_subjects": Rule(counts=("Number",)),
    "flags": Rule(
        counts=("Cases flagged", "Assessed within 72 hours"),
        derived={"Share assessed within 72 hours (%)": "Cases flagged"},
        complements=(("Assessed within 72 hours", "Cases flagged"),),
    ),
    "policies_expired": Rule(exempt=True),
    "trend": Rule(counts=("Reports received", "Cases opened", "Cases closed")),
}


def _is_count(value: Cell) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _small(value: Cell) -> bool:
    return _is_count(value) and 0 < value < SUPPRESS_BELOW  # type: ignore[operator]


def _default_rule(table: Table) -> Rule:
    """Every column after the labels that holds an integer."""
    counts = tuple(
        column
        for index, column in enumerate(table.columns[1:], start=1)
        if any(_is_count(row[index]) for row in table.rows)
    )
    return Rule(counts=counts)


def suppress(table: Table) -> Table:
    """``table`` with small numbers, and whatever would reveal them, replaced by ``SUPPRESSED``."""
    rule = RULES.get(table.key, Rule())
    if rule.exempt:
        return table
    rows = [list(row) for row in table.rows]
    hidden = [[False] * len(table.columns) for _ in rows]
    column = {name: index for index, name in enumerate(table.columns)}
    # The rule's count columns, and -- so a renamed column can never slip through unsuppressed --
    # every other column holding integers that isn't a derived figure.
    derived_columns = {column[name] for name in rule.derived if name in column}
    counts = sorted(
        {column[name] for name in rule.counts if name in column}
        | {column[name] for name in _default_rule(table).counts} - derived_columns
    )

    # 1. Primary.
    for r, row in enumerate(rows):
        for c in counts:
            hidden[r][c] = _small(row[c])

    # 2. Secondary, in groups with a total.
    if rows and rows[-1][0] == TOTAL:
        for c in counts:
            _protect_group(rows, hidden, c)

    # 3. Complements: part of a whole in the same row.
    for part_name, whole_name in rule.complements:
        if part_name not in column or whole_name not in column:
            continue
        part, whole = column[part_name], column[whole_name]
        for r, row in enumerate(rows):
            if _is_count(row[part]) and _is_count(row[whole]) and not hidden[r][whole]:
                hidden[r][part] = hidden[r][part] or _small(row[whole] - row[part])

    # 4. Derived figures.
    complement_of = {column[p]: column[w] for p, w in rule.complements if p in column and w in column}
    for derived_name, base_name in rule.derived.items():
        if derived_name not in column or base_name not in column:
            continue
        derived, base = column[derived_name], column[base_name]
        for r, row in enumerate(rows):
            if row[derived] is None:
                continue
            base_value = row[base]
            too_few = not _is_count(base_value) or base_value < SUPPRESS_BELOW
            parts_hidden = hidden[r][base] or any(
                hidden[r][p] for p, w in complement_of.items() if w == base
            )
            hidden[r][derived] = too_few or parts_hidden

    published = tuple(
        tuple(SUPPRESSED if hidden[r][c] else value for c, value in enumerate(row)) for r, row in enumerate(rows)
    )
    return replace(table, rows=published)


def _protect_group(rows: list[list[Cell]], hidden: list[list[bool]], c: int) -> None:
    parts = [r for r in range(len(rows) - 1) if _is_count(rows[r][c])]
    if not any(hidden[r][c] for r in parts):
        return
    while True:
        secret = [r for r in parts if hidden[r][c]]
        total = sum(rows[r][c] for r in secret)  # type: ignore[misc]
        if len(secret) >= 2 and total >= SUPPRESS_BELOW and total > len(secret):
            return
        candidates = [r for r in parts if not hidden[r][c] and rows[r][c] > 0]  # type: ignore[operator]
        if not candidates:
            hidden[-1][c] = _is_count(rows[-1][c]) and rows[-1][c] > 0  # type: ignore[operator]
            return
        hidden[min(candidates, key=lambda r: (rows[r][c], r))][c] = True
