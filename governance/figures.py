"""The contract between the governance figures and everything that shows them.

``governance.selectors.governance_figures(filters)`` returns a ``Figures``:
named tables whose cells are already safe to publish (no names, references
or free text; counts from 1 to 4 shown as "fewer than 5" and every other
count rounded to the nearest 5, see ``governance.suppression``), for a period
of whole calendar months. The dashboard and its charts, the CSV exports and
the committee pack PDF all render these same tables, so they can never
disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

SUPPRESSED = "fewer than 5"
# Counts from 1 to SUPPRESS_BELOW - 1 are suppressed; 0 is shown.
SUPPRESS_BELOW = 5
# Every other count is published as the nearest multiple of ROUND_TO.
ROUND_TO = 5
# The label of a table's last row when it is the total of the rows above.
TOTAL = "Total"

Cell = int | float | str | None


class Period:
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Filters:
    start: dt.date  # inclusive
    end: dt.date  # inclusive
    period: str = Period.QUARTER  # the granularity of the trend
    directorate_id: int | None = None
    platform: str | None = None

    def in_whole_months(self) -> Filters:
        """The same filters from the 1st of the start's month to the last day of the end's month."""
        start, end = whole_months(self.start, self.end)
        return replace(self, start=start, end=end)


def whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """``[start, end]`` widened to whole calendar months.

    Figures are only ever published for whole months, so that two ranges a day
    apart can't be compared to find out what happened on that one day.
    """
    following = dt.date(end.year + end.month // 12, end.month % 12 + 1, 1)
    return start.replace(day=1), following - dt.timedelta(days=1)


@dataclass(frozen=True)
class Table:
    key: str  # stable id, used for the CSV file name, e.g. "by_platform"
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""
    # How to chart it, if at all: "bar" (first column labels, second column values),
    # "line" (first column periods, other columns series) or "" for no chart.
    chart: str = ""


@dataclass(frozen=True)
class Figures:
    filters: Filters
    generated_at: dt.datetime
    tables: tuple[Table, ...] = field(default_factory=tuple)

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)
