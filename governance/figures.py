"""The contract between the governance figures and everything that shows them.

``governance.selectors.governance_figures(filters)`` returns a ``Figures``:
named tables whose cells are already safe to publish (no names, references
or free text; counts from 1 to 4 already shown as "fewer than 5", with the
totals treated so a suppressed cell can't be worked out by subtraction).
The dashboard, the CSV export and the committee pack PDF all render these
same tables, so the three can never disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

SUPPRESSED = "fewer than 5"
# Counts from 1 to SUPPRESS_BELOW - 1 are suppressed; 0 is shown.
SUPPRESS_BELOW = 5

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
