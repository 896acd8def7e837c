"""Small counts can't be recovered by differencing the published figures.

The probe that found the hole, played again on a small quarter of cases and
read over HTTP as the governance member (the CSV zip export):

* the quarter's closed total minus its monthly trend rows gave December's 3;
* all directorates (or sites) minus one directorate (or site) gave the other's 3 or 4;
* from–to periods ending on consecutive days gave the one case opened on the last day.

For every combination, the true value of the hidden count is bounded by what
was published: a count shown as v ≥ 5 is in [v − 2, v + 2] (and at least 5), one
shown as "fewer than 5" is in [1, 4], 0 is 0 — and a number that is not a
multiple of 5 can only be the exact count. A hidden count from 1 to 4 must never
be narrowed to a single value.

The quarter (October to December 2025; the clock stands at Thursday 15 January
2026, noon)::

    month   opened  of which Surgery  of which Flickr  closed
    Sep        6          0                 0              0
    Oct        8          1                 1              7   (the 6 from September, 1 from October)
    Nov        9          2 (one 30 Nov)    1              6   (from October)
    Dec        3          1                 1              3   (1 from October, 2 from November)

One case was opened on 30 November. Triage deadlines on the last 3 October
cases and the first 8 November ones: 11 fall due in the quarter, 8 met in time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import zipfile
from dataclasses import dataclass
from html import unescape
from itertools import pairwise

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from casework.models import CaseState, Closure
from deadlines.models import Clock
from directory.models import Directorate
from governance.figures import SUPPRESS_BELOW, SUPPRESSED, Filters, Period
from governance.forms import FiguresForm
from governance.selectors import compute_tables
from incidents.models import Platform
from tests.factories import DirectorateFactory, ServiceFactory, UserFactory
from tests.governance.world import LONDON, deadline, make_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=LONDON)
INFINITY = math.inf
Band = tuple[float, float]
Cells = dict[str, dict[tuple[str, str], str]]  # table -> (row label, column) -> cell as published


def at(month: int, day: int, year: int = 2025) -> dt.datetime:
    return dt.datetime(year, month, day, 9, 0, tzinfo=LONDON)


@dataclass
class Quarter:
    medicine: Directorate
    surgery: Directorate


@pytest.fixture
def quarter(db) -> Quarter:
    with time_machine.travel(NOW, tick=False):
        medicine, surgery = DirectorateFactory(name="Medicine"), DirectorateFactory(name="Surgery")
        reporter = UserFactory()
        posters = {
            name: [UserFactory(service=ServiceFactory(directorate=directorate)) for _ in range(4)]
            for name, directorate in (("medicine", medicine), ("surgery", surgery))
        }

        # (opened, directorate, platform, closed on, how)
        cases: list[tuple[dt.datetime, str, str, dt.datetime | None, str]] = []
        cases += [
            (at(9, 1 + 3 * i), "medicine", Platform.FACEBOOK, at(10, 6 + i), Closure.DISMISSED)
            for i in range(6)
        ]
        october = [at(10, day) for day in (1, 3, 8, 10, 15, 17, 22, 24)]
        closes = [at(10, 29)] + [at(11, day) for day in (3, 5, 12, 14, 19, 21)] + [at(12, 3)]
        for i, opened in enumerate(october):
            cases.append(
                (
                    opened,
                    "surgery" if i == 7 else "medicine",
                    Platform.FLICKR if i == 4 else Platform.FACEBOOK,
                    closes[i],
                    Closure.WITHDRAWN if i in (2, 5, 6) else Closure.DISMISSED,
                )
            )
        november = [at(11, day) for day in (4, 6, 11, 13, 18, 20, 25, 27, 30)]
        for i, opened in enumerate(november):
            cases.append(
                (
                    opened,
                    "surgery" if i in (3, 8) else "medicine",
                    Platform.FLICKR if i == 5 else Platform.FACEBOOK,
                    at(12, 10 + i) if i < 2 else None,
                    Closure.DISMISSED,
                )
            )
        for i, opened in enumerate([at(12, 2), at(12, 9), at(12, 16)]):
            cases.append(
                (
                    opened,
                    "surgery" if i == 1 else "medicine",
                    Platform.FLICKR if i == 2 else Platform.FACEBOOK,
                    None,
                    "",
                )
            )

        made = []
        for n, (opened, directorate, platform, closed, closure) in enumerate(cases):
            fields: dict[str, object] = {"poster": posters[directorate][n % 4]}
            if closed:
                fields.update(
                    state=CaseState.CLOSED,
                    closure=closure,
                    closed_at=closed,
                    triage_started_at=opened + dt.timedelta(days=1),
                )
            made.append(make_case(opened=opened, platform=platform, reporter=reporter, **fields))

        # Triage-start deadlines on the last 3 October cases and the first 8 November ones: 11 due, 3 missed.
        for i, case in enumerate(made[11:22]):
            due = case.created_at + dt.timedelta(days=2)
            deadline(
                case,
                Clock.TRIAGE_START,
                due=due,
                met=None if i in (1, 5, 9) else due - dt.timedelta(hours=4),
            )
    return Quarter(medicine=medicine, surgery=surgery)


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


# --- What a reader can know ----------------------------------------------------------


def band(cell: str | int) -> Band:
    """The true values a published count allows."""
    if cell == SUPPRESSED:
        return (1, SUPPRESS_BELOW - 1)
    n = int(cell)
    if n == 0:
        return (0, 0)
    if n % 5:
        return (n, n)  # not a multiple of 5: it can only be the exact count
    return (max(n - 2, SUPPRESS_BELOW), n + 2)


def is_count_column(table: str, column: str) -> bool:
    return table != "policies_expired" and "%" not in column and "working days" not in column


def read_zip(content: bytes) -> Cells:
    tables: Cells = {}
    archive = zipfile.ZipFile(io.BytesIO(content))
    for name in archive.namelist():
        key = name.removesuffix(".csv")
        lines = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
        header, cells = lines[0], {}
        for row in lines[1:]:
            if not any(row):
                break  # the notes follow a blank line
            for column, cell in zip(header[1:], row[1:], strict=False):
                if is_count_column(key, column):
                    cells[(row[0], column)] = cell
        tables[key] = cells
    return tables


def raw(filters: Filters) -> dict[str, dict[tuple[str, str], int]]:
    tables = {}
    for table in compute_tables(filters):
        tables[table.key] = {
            (str(row[0]), column): value
            for row in table.rows
            for column, value in zip(table.columns[1:], row[1:], strict=False)
            if is_count_column(table.key, column) and isinstance(value, int)
        }
    return tables


@dataclass(frozen=True)
class Ask:
    """One request to the dashboard's export."""

    params: tuple[tuple[str, str], ...]

    def filters(self) -> Filters:
        """The period and filters the published figures are stated to be for."""
        return FiguresForm(dict(self.params)).filters()


def ask(**params: object) -> Ask:
    return Ask(tuple(sorted((key, str(value)) for key, value in params.items())))


class Prober:
    """Reads the published figures over HTTP, and the true ones, and checks every combination."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._published: dict[Ask, Cells] = {}
        self._true: dict[Ask, dict[str, dict[tuple[str, str], int]]] = {}
        self.checked = 0
        self.given_away: list[str] = []  # small counts worked out exactly
        self.inconsistent: list[str] = []  # true values the published cells don't allow

    def published(self, request: Ask) -> Cells:
        if request not in self._published:
            response = self.client.get(reverse("governance:export_all"), dict(request.params))
            assert response.status_code == 200
            self._published[request] = read_zip(response.content)
        return self._published[request]

    def true(self, request: Ask) -> dict[str, dict[tuple[str, str], int]]:
        if request not in self._true:
            self._true[request] = raw(request.filters())
        return self._true[request]

    def every_published_count(self) -> list[tuple[Ask, str, tuple[str, str], str]]:
        return [
            (request, table, cell, value)
            for request, tables in self._published.items()
            for table, cells in tables.items()
            for cell, value in cells.items()
        ]

    def sum_holds(
        self, what: str, total: tuple[str, int, str], parts: list[tuple[str, int, str | None]]
    ) -> None:
        """``total`` = the sum of ``parts``: (what it is, true value, published cell or None if unpublished).

        Bounds each term by the others and its own publication, and notes any
        term whose true value is from 1 to 4 that comes out as a single value.
        """
        terms = [
            (name, true, band(cell) if cell is not None else (0, INFINITY))
            for name, true, cell in [total, *parts]
        ]
        assert terms[0][1] == sum(true for _, true, _ in terms[1:]), f"{what}: not a sum"
        for index, (name, true, (low, high)) in enumerate(terms):
            if index == 0:
                low = max(low, sum(b[0] for _, _, b in terms[1:]))
                high = min(high, sum(b[1] for _, _, b in terms[1:]))
            else:
                others = [b for i, (_, _, b) in enumerate(terms[1:], start=1) if i != index]
                low = max(low, terms[0][2][0] - sum(b[1] for b in others))
                high = min(high, terms[0][2][1] - sum(b[0] for b in others))
            if not low <= true <= high:
                self.inconsistent.append(f"{what}: {name} = {true} outside [{low}, {high}]")
            elif 1 <= true < SUPPRESS_BELOW:
                self.checked += 1
                if high == low:
                    self.given_away.append(f"{what}: {name} is worked out as exactly {true}")

    def assert_nothing_given_away(self) -> None:
        assert self.checked > 0  # the small counts were there to find
        assert self.given_away == []
        assert self.inconsistent == []

    def difference(self, what: str, bigger: Ask, smaller: Ask) -> None:
        """Every count of ``smaller`` is part of the same count of ``bigger``: bound what lies between."""
        wide, narrow = self.published(bigger), self.published(smaller)
        wide_true, narrow_true = self.true(bigger), self.true(smaller)
        for table, cells in wide.items():
            for cell, value in cells.items():
                if cell not in narrow.get(table, {}) or cell not in narrow_true.get(table, {}):
                    continue
                true_big, true_small = wide_true[table][cell], narrow_true[table][cell]
                self.sum_holds(
                    f"{what}, {table} {cell}",
                    (f"{bigger.params}", true_big, value),
                    [
                        (f"{smaller.params}", true_small, narrow[table][cell]),
                        ("the difference", true_big - true_small, None),
                    ],
                )


QUARTER = ask(period=Period.QUARTER, on="2025-11-15")
YEAR = ask(period=Period.YEAR, on="2025-06-01")
AUTUMN = ask(period=Period.CUSTOM, start="2025-10-01", end="2025-12-31")
MONTHS = [ask(period=Period.MONTH, on=f"2025-{month}-15") for month in (10, 11, 12)]
MONTH_LABELS = ["Oct 2025", "Nov 2025", "Dec 2025"]


def with_filter(request: Ask, **extra: object) -> Ask:
    return ask(**dict(request.params), **extra)


@pytest.fixture
def prober(quarter, frozen_now, login, governance_member) -> Prober:
    return Prober(login(governance_member))


# --- The attacks ------------------------------------------------------------------------


def test_one_directorate_or_site_against_all_gives_nothing_away(prober, quarter):
    for base in (QUARTER, YEAR, AUTUMN):
        for directorate in (quarter.medicine, quarter.surgery):
            prober.difference(
                "directorate against all", base, with_filter(base, directorate=directorate.pk)
            )
        for platform in Platform.values:
            prober.difference("site against all", base, with_filter(base, platform=platform))
        prober.difference(
            "site within a directorate",
            with_filter(base, directorate=quarter.medicine.pk),
            with_filter(base, directorate=quarter.medicine.pk, platform=Platform.FACEBOOK),
        )
    prober.assert_nothing_given_away()


def test_the_sum_over_every_directorate_or_site_gives_nothing_away(prober, quarter):
    for base in (QUARTER, YEAR, AUTUMN):
        everything = prober.published(base)["summary"]
        truth = prober.true(base)["summary"]
        for filters in (
            [{"directorate": d.pk} for d in (quarter.medicine, quarter.surgery)],
            [{"platform": p} for p in Platform.values],
        ):
            asks = [with_filter(base, **extra) for extra in filters]
            for cell, value in everything.items():
                parts = [
                    (
                        str(a.params),
                        prober.true(a)["summary"][cell],
                        prober.published(a)["summary"][cell],
                    )
                    for a in asks
                ]
                prober.sum_holds(
                    f"{base.params} {cell} over {filters}", ("all", truth[cell], value), parts
                )
    prober.assert_nothing_given_away()


def test_from_to_periods_a_day_apart_give_nothing_away(prober):
    # The probe: ending on 29 and on 30 November told apart the one case opened on the 30th.
    ends = ["2025-11-27", "2025-11-28", "2025-11-29", "2025-11-30", "2025-12-01", "2025-12-02"]
    for earlier, later in pairwise(ends):
        prober.difference(
            "end a day later",
            ask(period=Period.CUSTOM, start="2025-09-01", end=later),
            ask(period=Period.CUSTOM, start="2025-09-01", end=earlier),
        )
    starts = ["2025-09-29", "2025-09-30", "2025-10-01", "2025-10-02", "2025-11-30", "2025-12-01"]
    for earlier, later in pairwise(starts):
        prober.difference(
            "start a day later",
            ask(period=Period.CUSTOM, start=earlier, end="2025-12-31"),
            ask(period=Period.CUSTOM, start=later, end="2025-12-31"),
        )
    prober.assert_nothing_given_away()
    # Whole months, whatever day was typed: ends in the same month publish the same figures, so
    # nothing tells 29 November from 30 November.
    november = [
        prober.published(ask(period=Period.CUSTOM, start=start, end=end))
        for start in ("2025-09-01", "2025-09-02")
        for end in ("2025-11-01", "2025-11-29", "2025-11-30")
    ]
    assert all(figures == november[0] for figures in november)


def test_a_month_against_its_quarter_gives_nothing_away(prober):
    for month in MONTHS:
        prober.difference("month against quarter", QUARTER, month)
        prober.difference("month against year", YEAR, month)
    prober.difference("quarter against year", YEAR, QUARTER)
    prober.assert_nothing_given_away()


def test_a_quarter_total_minus_its_monthly_trend_rows_gives_nothing_away(prober):
    # The probe: 16 closed in the quarter, 7 in October and 6 in November left December's 3.
    measures = (
        "Reports received",
        "Cases opened",
        "Cases closed",
    )  # summary rows and trend columns alike
    for monthly in (MONTHS[-1], AUTUMN):
        trend, trend_true = prober.published(monthly)["trend"], prober.true(monthly)["trend"]
        for totals in (QUARTER, AUTUMN):
            published, truth = prober.published(totals)["summary"], prober.true(totals)["summary"]
            for measure in measures:
                cell = (measure, "Number")
                parts = [
                    (month, trend_true[(month, measure)], trend[(month, measure)])
                    for month in MONTH_LABELS
                ]
                prober.sum_holds(
                    f"{totals.params} {measure} minus {monthly.params} trend",
                    ("quarter", truth[cell], published[cell]),
                    parts,
                )
        # The quarter's own row in the quarterly trend is the same figure again.
        quarterly = prober.published(QUARTER)["trend"]
        for column in measures:
            row = ("Oct to Dec 2025", column)
            parts = [
                (month, trend_true[(month, column)], trend[(month, column)])
                for month in MONTH_LABELS
            ]
            prober.sum_holds(
                f"quarterly trend {column}",
                ("quarter", prober.true(QUARTER)["trend"][row], quarterly[row]),
                parts,
            )
    prober.assert_nothing_given_away()


def test_every_total_minus_its_rows_gives_nothing_away(prober, quarter):
    asks = [QUARTER, YEAR, AUTUMN, *MONTHS]
    asks += [
        with_filter(a, directorate=d.pk)
        for a in (QUARTER, YEAR)
        for d in (quarter.medicine, quarter.surgery)
    ]
    asks += [with_filter(a, platform=Platform.FLICKR) for a in (QUARTER, YEAR)]
    totals = 0
    for request in asks:
        for table, cells in prober.published(request).items():
            truth = prober.true(request)[table]
            for column in {column for _, column in cells}:
                if ("Total", column) not in cells:
                    continue
                totals += 1
                parts = [
                    (label, truth[(label, c)], value)
                    for (label, c), value in cells.items()
                    if c == column and label != "Total"
                ]
                prober.sum_holds(
                    f"{request.params} {table} {column}",
                    ("Total", truth[("Total", column)], cells[("Total", column)]),
                    parts,
                )
            # A part of a whole in the same row: met in time of due, assessed in time of flagged.
            for part, whole in (
                ("Met in time", "Due in period"),
                ("Assessed within 72 hours", "Cases flagged"),
            ):
                for (label, column), value in cells.items():
                    if column == whole and (label, part) in cells and cells[(label, part)] != "":
                        prober.sum_holds(
                            f"{request.params} {table} {label}",
                            (whole, truth[(label, whole)], value),
                            [
                                (part, truth[(label, part)], cells[(label, part)]),
                                ("the rest", truth[(label, whole)] - truth[(label, part)], None),
                            ],
                        )
    assert totals > 0
    prober.assert_nothing_given_away()


def test_every_published_count_is_zero_hidden_or_a_multiple_of_five(prober, quarter):
    for request in (
        QUARTER,
        YEAR,
        AUTUMN,
        *MONTHS,
        with_filter(QUARTER, directorate=quarter.surgery.pk),
        with_filter(YEAR, platform=Platform.FLICKR),
    ):
        prober.published(request)
    published = prober.every_published_count()
    assert published
    for request, table, cell, value in published:
        if value == "":  # a blank: nothing to count (e.g. no 72-hour clock on safeguarding)
            continue
        assert value == SUPPRESSED or int(value) % 5 == 0, (request.params, table, cell, value)


# --- Every place the figures are published shows the same rounded cells ---------------------


def test_the_dashboard_tables_and_chart_data_are_rounded(
    quarter, frozen_now, login, governance_member
):
    page = login(governance_member).get(
        reverse("governance:dashboard"), {"period": "quarter", "on": "2025-11-15"}
    )
    html = page.content.decode()
    charts = json.loads(
        unescape(
            re.search(
                r'<script id="chart-data" type="application/json">(.*?)</script>', html, re.DOTALL
            ).group(1)
        )
    )
    assert charts
    for chart in charts:
        for series in chart["series"]:
            for value in series["values"]:
                assert value is None or value % 5 == 0, (chart["key"], series["label"], value)
    cells = re.findall(
        r'<td[^>]*>(?:<span class="nhsuk-table-responsive__heading"[^>]*>[^<]*</span>)?([^<]*)</td>',
        html,
    )
    assert "fewer than 5" in cells
    # Raw counts of the quarter (20 opened, 16 closed, 17 on Facebook, 16 in Medicine) appear nowhere.
    for raw_count in ("16", "17", "8", "9"):
        assert raw_count not in cells
    assert "a total may not equal the sum of its rows" in html


def test_a_typed_from_to_period_is_shown_as_whole_months(
    quarter, frozen_now, login, governance_member
):
    html = (
        login(governance_member)
        .get(
            reverse("governance:dashboard"),
            {"period": "custom", "start": "2025-09-02", "end": "2025-11-29"},
        )
        .content.decode()
    )
    assert "Figures are for whole months: 1 September – 30 November 2025" in html
    assert (
        'value="2025-09-02"' in html and 'value="2025-11-29"' in html
    )  # the form keeps what was typed


def test_the_committee_pack_shows_the_rounded_figures(
    quarter, frozen_now, login, governance_member, django_capture_on_commit_callbacks
):
    from pypdf import PdfReader

    from governance.models import CommitteePack

    with django_capture_on_commit_callbacks(execute=True):
        login(governance_member).post(
            reverse("governance:pack_create"), {"period": "quarter", "on": "2025-11-15"}
        )
    pack = CommitteePack.objects.get()
    text = " ".join(page.extract_text() for page in PdfReader(pack.file.open("rb")).pages)
    text = re.sub(r"\s+", " ", text)
    assert "fewer than 5" in text and "rounded" in text
    # The summary tiles: 20 reports, 20 opened, 16 closed (published as 15).
    assert "Cases closed: 15" in text or "15 Cases closed" in text
    assert "16 Cases closed" not in text
    # The summary sentences name categories, never the total, and share out only published cells.
    assert "Total was the top" not in text and "highest was Total" not in text
    assert "the highest was Medicine (15)." in text  # no share: Surgery is hidden


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-09-02", "2026-11-29", (dt.date(2026, 9, 1), dt.date(2026, 11, 30))),
        ("2026-11-30", "2026-11-30", (dt.date(2026, 11, 1), dt.date(2026, 11, 30))),
        ("2023-12-31", "2024-02-01", (dt.date(2023, 12, 1), dt.date(2024, 2, 29))),
    ],
)
def test_the_form_widens_a_from_to_period_to_whole_months(db, start, end, expected):
    form = FiguresForm({"period": Period.CUSTOM, "start": start, "end": end})
    filters = form.filters()
    assert (
        form.is_custom
        and (filters.start, filters.end) == expected
        and filters.period == Period.MONTH
    )
