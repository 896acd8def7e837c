"""Render the governance figures (``Figures``) as a committee pack PDF.

``committee_pack_render`` is pure: a ``Figures`` in, PDF bytes out. It needs
no database, settings or clock (the "generated at" time is the figures' own),
and equal figures give byte-identical PDFs. It draws only what the tables
hold, and those cells are already safe to publish (see
``governance.figures``): small counts arrive as ``SUPPRESSED`` and are shown
as "fewer than 5", never as a number, and every other count arrives rounded
to the nearest 5, in the tables, the charts and the summary bullets alike.
Anything the pack works out for itself (a share of a total in a bullet) is
worked out from those published cells only.

Fonts, text cleaning, dates, colours, styles and the page with its "Page X of
Y" come from the document kit (``documents``), as for every Flagpost PDF.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable

from documents.fonts import FONT_BOLD, FONT_REGULAR
from documents.page import (
    DARK_GREY,
    FRAME_HEIGHT,
    FRAME_WIDTH,
    NHS_BLUE,
    PALE_GREY,
    RULE_GREY,
    PageChrome,
    grid_commands,
    outline,
    render_pdf,
    styles,
)
from documents.text import clean_text, day, fit, markup, pdf_date, when
from governance.figures import SUPPRESS_BELOW, SUPPRESSED, TOTAL, Cell, Figures, Filters, Table

MARKING = "OFFICIAL"
DEFAULT_TITLE = "Social Media Policy — committee pack"
DEFAULT_PREPARED_FOR = "Quality and Safety Committee"
POLICY_TABLE_KEY = "policies_expired"
POLICY_TABLE_TITLE = "Policy register status"
SUMMARY_TABLE_KEY = "summary"

# NHS identity palette, for chart series.
SERIES_COLOURS = (
    NHS_BLUE,
    colors.HexColor("#ED8B00"),
    colors.HexColor("#007F3B"),
    colors.HexColor("#7C2855"),
    colors.HexColor("#41B6E6"),
    colors.HexColor("#425563"),
    colors.HexColor("#DA291C"),
    colors.HexColor("#78BE20"),
)

CHART_FONT_SIZE = 7.5
MAX_CHART_HEIGHT = FRAME_HEIGHT * 0.6
MAX_BARS = 60  # more categories than this and only the largest are charted


# --------------------------------------------------------------------------- values


def _is_number(value: Cell) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fmt(value: Cell) -> str:
    """A cell as text: thousands separators, one decimal place, SUPPRESSED as is."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    return str(value)


def _period_words(filters: Filters) -> str:
    return f"{day(filters.start)} to {day(filters.end)}"


def _table_title(table: Table) -> str:
    return POLICY_TABLE_TITLE if table.key == POLICY_TABLE_KEY else table.title


def _is_total(row: tuple[Cell, ...]) -> bool:
    return bool(row) and row[0] == TOTAL


def _categories(table: Table) -> list[tuple[Cell, ...]]:
    """The table's rows without its total row: what a chart or a "highest" may pick from.

    A total is no category: drawn as a bar it squashes the real ones, and picked as the highest
    it is always the answer.
    """
    return [row for row in table.rows if not _is_total(row)]


def _published_total(table: Table) -> Cell:
    return next((row[1] for row in table.rows if _is_total(row) and len(row) >= 2), None)


def _facts(table: Table) -> list[tuple[str, Cell]]:
    """(label, value) pairs of a two-column table, or of a one-row table by column."""
    if len(table.columns) == 2:
        return [(_fmt(row[0]), row[1]) for row in _categories(table) if len(row) >= 2]
    if len(table.rows) == 1 and len(table.columns) > 1:
        return list(zip(table.columns, table.rows[0], strict=False))
    return []


# --------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class _PackStyles:
    cover_title: ParagraphStyle
    cover_line: ParagraphStyle
    big_number: ParagraphStyle
    big_text: ParagraphStyle
    big_label: ParagraphStyle
    bullet: ParagraphStyle
    cell_right: ParagraphStyle
    cell_bold_right: ParagraphStyle
    footnote: ParagraphStyle


def _pack_styles() -> _PackStyles:
    s = styles()
    return _PackStyles(
        cover_title=ParagraphStyle(
            "gp-cover-title", parent=s.title, fontSize=28, leading=34, spaceAfter=14
        ),
        cover_line=ParagraphStyle(
            "gp-cover-line", parent=s.body, fontSize=12, leading=17, spaceAfter=6
        ),
        big_number=ParagraphStyle(
            "gp-big-number",
            parent=s.body,
            fontName=FONT_BOLD,
            fontSize=26,
            leading=30,
            textColor=NHS_BLUE,
            alignment=TA_CENTER,
            spaceAfter=0,
        ),
        big_text=ParagraphStyle(
            "gp-big-text",
            parent=s.body,
            fontName=FONT_BOLD,
            fontSize=15,
            leading=30,  # same line height as a number, so tiles line up
            textColor=NHS_BLUE,
            alignment=TA_CENTER,
            spaceAfter=0,
        ),
        big_label=ParagraphStyle(
            "gp-big-label",
            parent=s.body,
            fontSize=8.5,
            leading=11,
            textColor=DARK_GREY,
            alignment=TA_CENTER,
            spaceAfter=0,
        ),
        bullet=ParagraphStyle(
            "gp-bullet",
            parent=s.body,
            fontSize=10.5,
            leading=15,
            leftIndent=12,
            bulletIndent=0,
            bulletFontName=FONT_REGULAR,  # the bullet itself in the shipped font, so it prints and extracts as "•"
            spaceAfter=6,
        ),
        cell_right=ParagraphStyle("gp-cell-right", parent=s.cell, alignment=TA_RIGHT),
        cell_bold_right=ParagraphStyle(
            "gp-cell-bold-right", parent=s.cell_bold, alignment=TA_RIGHT
        ),
        footnote=ParagraphStyle(
            "gp-footnote", parent=s.muted, fontSize=7.5, leading=10, spaceAfter=4
        ),
    )


# --------------------------------------------------------------------------- bullets


# Figures worth a sentence wherever they appear, matched on a row's (or column's) label.
_KEY_FIGURES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"deadline.*\bmet\b|\bmet\b.*deadline", re.IGNORECASE), "Deadlines met"),
    (re.compile(r"60\s*working\s*days", re.IGNORECASE), "Open cases over 60 working days"),
    (re.compile(r"72", re.IGNORECASE), "Data breaches reported within the 72-hour clock"),
    (re.compile(r"expir", re.IGNORECASE), "Policies past expiry"),
)


_PERCENT_LABEL = re.compile(r"\s*\(%\)|\s*%$")


def _labelled(label: str, value: Cell) -> tuple[str, str]:
    """A label and its value as text; "Deadlines met (%)", 91.5 reads "Deadlines met", "91.5%"."""
    if _PERCENT_LABEL.search(label) and _is_number(value):
        return _PERCENT_LABEL.sub("", label).strip(), f"{_fmt(value)}%"
    return label, _fmt(value)


def _figure_sentence(label: str, value: Cell) -> str:
    label, text = _labelled(label, value)
    return f"{clean_text(label).rstrip('.:')}: {text}."


def _top_sentence(table: Table) -> str | None:
    pairs = _facts(table)
    published_total = _published_total(table)
    if not pairs:
        return None
    numeric = [(label, value) for label, value in pairs if _is_number(value)]
    title = _table_title(table)
    if not numeric or max(float(v) for _, v in numeric) <= 0:
        if any(value == SUPPRESSED for _, value in pairs):
            return f"{title}: every figure is fewer than 5."
        return f"{title}: none in this period."
    label, value = max(numeric, key=lambda pair: float(pair[1]))
    # A share only when every row is shown, of the published total if there is one: only published
    # cells go in, so the sentence can't tell a reader more than the table does.
    shown = [float(v) for _, v in numeric]
    total = float(published_total) if _is_number(published_total) else sum(shown)
    share = ""
    every_row_shown = len(pairs) > 1 and len(numeric) == len(pairs)
    if isinstance(value, int) and total >= SUPPRESS_BELOW and every_row_shown:
        share = f", {round(100 * value / total)}% of the total"
    what = "platform" if "platform" in f"{table.key} {title}".lower() else "highest"
    if what == "platform":
        return f"{label} was the top platform in “{title}”, with {_fmt(value)}{share}."
    return f"{title}: the highest was {label} ({_fmt(value)}{share})."


def _trend_sentence(table: Table) -> str | None:
    rows = [row for row in _categories(table) if len(row) >= 2]
    if len(rows) < 2 or len(table.columns) < 2:
        return None
    series = clean_text(table.columns[1])
    last, previous = rows[-1], rows[-2]
    if not (_is_number(last[1]) or _is_number(previous[1])):
        return None  # "fewer than 5, against fewer than 5" tells nobody anything
    title = _table_title(table)
    now = f"{_fmt(last[1])} in {_fmt(last[0])}"
    before = f"{_fmt(previous[1])} in {_fmt(previous[0])}"
    if _is_number(last[1]) and _is_number(previous[1]):
        if last[1] == previous[1]:
            return f"{title} ({series}): {now}, the same as {before}."
        change = "up" if float(last[1]) > float(previous[1]) else "down"
        return f"{title} ({series}): {now}, {change} from {before}."
    return f"{title} ({series}): {now}, against {before}."


def _policy_sentence(table: Table) -> str | None:
    # A status/count table says it itself (matched by _KEY_FIGURES); a list of
    # policies is counted.
    if any(pattern.search(label) for label, _ in _facts(table) for pattern, _n in _KEY_FIGURES):
        return None
    count = len(table.rows)
    if count == 0:
        return "No policies in the register are past their expiry date."
    noun = "policy is" if count == 1 else "policies are"
    return f"{count} {noun} listed as past expiry in the policy register status."


def _bullets(figures: Figures) -> list[str]:
    """3–5 plain-English sentences derived from whatever tables are present."""
    tables = sorted(figures.tables, key=lambda t: t.key != SUMMARY_TABLE_KEY)  # summary first
    found: list[str] = []
    for pattern, _name in _KEY_FIGURES:
        for table in tables:
            hit = next(
                (
                    (label, value)
                    for label, value in _facts(table)
                    if pattern.search(label) and (_is_number(value) or value == SUPPRESSED)
                ),
                None,
            )
            if hit is not None:
                sentence = _figure_sentence(*hit)
                if sentence not in found:
                    found.append(sentence)
                break
    extra: list[str | None] = []
    for table in figures.tables:
        if table.key == POLICY_TABLE_KEY:
            extra.append(_policy_sentence(table))
    bars = sorted(
        (t for t in figures.tables if t.chart == "bar"),
        key=lambda t: "platform" not in f"{t.key} {t.title}".lower(),
    )
    extra += [_top_sentence(t) for t in bars]
    extra += [_trend_sentence(t) for t in figures.tables if t.chart == "line"]
    for candidate in extra:
        if candidate and candidate not in found:
            found.append(candidate)
    return found[:5]


# --------------------------------------------------------------------------- charts


def _chart_label(text: Cell, width: float) -> str:
    return fit(_fmt(text), FONT_REGULAR, CHART_FONT_SIZE, width)


def _bar_chart(table: Table) -> tuple[Drawing | None, str]:
    """A horizontal bar chart of column 2 against column 1, and its footnote."""
    rows = [row for row in _categories(table) if len(row) >= 2]
    if not rows:
        return None, ""
    if not any(_is_number(row[1]) for row in rows):
        return (
            None,
            "No chart: none of these figures is a number that can be shown (all are fewer than 5 or blank).",
        )
    note = ""
    if len(rows) > MAX_BARS:
        rows = sorted(rows, key=lambda r: float(r[1]) if _is_number(r[1]) else 0.0, reverse=True)
        rows = rows[:MAX_BARS]
        note = f"Chart shows the {MAX_BARS} largest; the table has them all. "
    suppressed = [row[1] == SUPPRESSED for row in rows]
    if any(suppressed):
        note += "* fewer than 5: drawn as 0 so the category still shows; the figure is withheld."
    values = [float(row[1]) if _is_number(row[1]) else 0.0 for row in rows]

    label_room = min(
        FRAME_WIDTH * 0.4,
        max(
            pdfmetrics.stringWidth(clean_text(_fmt(row[0])) + " *", FONT_REGULAR, CHART_FONT_SIZE)
            for row in rows
        )
        + 8,
    )
    n = len(rows)
    bar_pitch = max(7.0, min(18.0, (MAX_CHART_HEIGHT - 40) / n))
    plot_height = bar_pitch * n
    height = plot_height + 34
    drawing = Drawing(FRAME_WIDTH, height)
    chart = HorizontalBarChart()
    chart.x = label_room
    chart.y = 22
    chart.width = FRAME_WIDTH - label_room - 40  # room for value labels past the longest bar
    chart.height = plot_height
    # Top to bottom in table order: the category axis runs upwards, so reverse.
    order = list(range(n))[::-1]
    chart.data = [[values[i] for i in order]]
    chart.categoryAxis.categoryNames = [
        _chart_label(rows[i][0], label_room - 8) + (" *" if suppressed[i] else "") for i in order
    ]
    chart.categoryAxis.labels.fontName = FONT_REGULAR
    chart.categoryAxis.labels.fontSize = CHART_FONT_SIZE
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.strokeColor = DARK_GREY
    chart.categoryAxis.tickLeft = 0
    chart.valueAxis.valueMin = 0
    top = max(values)
    if top <= 0:
        chart.valueAxis.valueMax = 5
        chart.valueAxis.valueStep = 1
    chart.valueAxis.labels.fontName = FONT_REGULAR
    chart.valueAxis.labels.fontSize = CHART_FONT_SIZE
    chart.valueAxis.strokeColor = DARK_GREY
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = PALE_GREY
    chart.valueAxis.gridStrokeWidth = 0.5
    chart.valueAxis.forceZero = 1
    chart.bars[0].fillColor = NHS_BLUE
    chart.bars[0].strokeColor = None
    chart.barSpacing = 0
    chart.groupSpacing = max(1.5, bar_pitch * 0.25)
    chart.barLabelFormat = "values"
    chart.barLabelArray = [["<5" if suppressed[i] else _fmt(rows[i][1]) for i in order]]
    chart.barLabels.fontName = FONT_REGULAR
    chart.barLabels.fontSize = CHART_FONT_SIZE
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    chart.barLabels.fillColor = DARK_GREY
    drawing.add(chart)
    return drawing, note


def _line_chart(table: Table) -> tuple[Drawing | None, str]:
    """A line per column after the first, over the periods in column 1."""
    rows = [row for row in _categories(table) if row]
    series_names = list(table.columns[1:])
    if not rows or not series_names:
        return None, ""
    data = [
        [float(row[i]) if i < len(row) and _is_number(row[i]) else None for row in rows]  # type: ignore[arg-type]
        for i in range(1, len(table.columns))
    ]
    if all(v is None for series in data for v in series):
        return (
            None,
            "No chart: none of these figures is a number that can be shown (all are fewer than 5 or blank).",
        )
    note = ""
    if any(cell == SUPPRESSED for row in rows for cell in row[1:]):
        note = "Points that are fewer than 5 are left out of the chart (the line runs straight past them); the table shows them."

    legend_rows = 0 if len(series_names) == 1 else -(-len(series_names) // 3)
    legend_height = legend_rows * 12 + (6 if legend_rows else 0)
    n = len(rows)
    labels = [_fmt(row[0]) for row in rows]
    plot_width = FRAME_WIDTH - 50
    widest = max(
        pdfmetrics.stringWidth(clean_text(s), FONT_REGULAR, CHART_FONT_SIZE) for s in labels
    )
    rotate = widest > plot_width / n - 4
    label_height = min(60.0, widest * 0.72 + 6) if rotate else 14
    plot_height = 150
    height = plot_height + label_height + legend_height + 14
    drawing = Drawing(FRAME_WIDTH, height)
    chart = HorizontalLineChart()
    chart.x = 40
    chart.y = label_height + legend_height + 4
    chart.width = plot_width
    chart.height = plot_height
    chart.data = data
    chart.joinedLines = 1
    chart.categoryAxis.categoryNames = [_chart_label(s, 80) for s in labels]
    chart.categoryAxis.labels.fontName = FONT_REGULAR
    chart.categoryAxis.labels.fontSize = CHART_FONT_SIZE
    chart.categoryAxis.strokeColor = DARK_GREY
    if rotate:
        chart.categoryAxis.labels.angle = 45
        chart.categoryAxis.labels.boxAnchor = "ne"
        chart.categoryAxis.labels.dx = 0
        chart.categoryAxis.labels.dy = -2
    chart.valueAxis.valueMin = 0
    numbers = [v for series in data for v in series if v is not None]
    if max(numbers) <= 0:
        chart.valueAxis.valueMax = 5
        chart.valueAxis.valueStep = 1
    chart.valueAxis.labels.fontName = FONT_REGULAR
    chart.valueAxis.labels.fontSize = CHART_FONT_SIZE
    chart.valueAxis.strokeColor = DARK_GREY
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = PALE_GREY
    chart.valueAxis.gridStrokeWidth = 0.5
    chart.valueAxis.forceZero = 1
    for i in range(len(data)):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        chart.lines[i].strokeColor = colour
        chart.lines[i].strokeWidth = 1.6
        chart.lines[i].symbol = makeMarker(
            "FilledCircle", size=3.5, fillColor=colour, strokeColor=colour
        )
    drawing.add(chart)
    if legend_rows:
        legend = Legend()
        legend.x = 40
        legend.y = legend_height - 4
        legend.boxAnchor = "nw"
        legend.alignment = "right"
        legend.columnMaximum = 1 if legend_rows == 1 else legend_rows
        legend.deltax = plot_width / 3
        legend.dx = 8
        legend.dy = 6
        legend.fontName = FONT_REGULAR
        legend.fontSize = CHART_FONT_SIZE
        legend.strokeWidth = 0
        legend.colorNamePairs = [
            (
                SERIES_COLOURS[i % len(SERIES_COLOURS)],
                fit(name, FONT_REGULAR, CHART_FONT_SIZE, plot_width / 3 - 20),
            )
            for i, name in enumerate(series_names)
        ]
        drawing.add(legend)
    elif series_names:
        drawing.add(
            String(
                40,
                plot_height + chart.y + 4,
                fit(series_names[0], FONT_REGULAR, CHART_FONT_SIZE, plot_width),
                fontName=FONT_REGULAR,
                fontSize=CHART_FONT_SIZE,
                fillColor=DARK_GREY,
            )
        )
    return drawing, note


# --------------------------------------------------------------------------- building


class _Pack:
    """Collects flowables for one pack; one instance per render."""

    def __init__(self, figures: Figures) -> None:
        self.figures = figures
        self.s = styles()
        self.p = _pack_styles()
        self.story: list[Flowable] = []
        self._outline_count = 0

    def heading(self, text: str, level: int = 0) -> Paragraph:
        style = self.s.h2 if level == 0 else self.s.h3
        paragraph = Paragraph(markup(text, FONT_BOLD), style)
        self._outline_count += 1
        outline(paragraph, clean_text(text, FONT_BOLD), f"gp-{self._outline_count}", level)
        return paragraph

    def note(self, text: str) -> Paragraph:
        return Paragraph(markup(text), self.s.muted)

    # cover ----------------------------------------------------------------

    def cover(self, title: str, prepared_for: str) -> None:
        f = self.figures
        heading = outline(
            Paragraph(markup(title, FONT_BOLD), self.p.cover_title), "Cover", "gp-cover", 0
        )
        self.story += [
            Spacer(1, 45 * mm),
            Paragraph("Flagpost · governance figures", self.s.meta),
            heading,
            Paragraph(f"<b>Period:</b> {escape(_period_words(f.filters))}", self.p.cover_line),
            Paragraph(f"<b>Prepared for:</b> {markup(prepared_for)}", self.p.cover_line),
            Paragraph(
                f"<b>Generated:</b> {escape(when(f.generated_at))} (UK time)", self.p.cover_line
            ),
            Spacer(1, 10 * mm),
            Paragraph(
                f"<b>{MARKING}.</b> Counts from 1 to 4 are shown as “fewer than 5” and every other "
                "count is rounded to the nearest 5, each on its own, so a total may not equal the sum "
                "of its rows; percentages are worked out from the rounded counts. Periods are whole "
                "calendar months. No names, case references or free text appear in this pack.",
                self.s.notice,
            ),
            PageBreak(),
        ]

    # summary --------------------------------------------------------------

    def summary(self) -> None:
        self.story.append(self.heading("Summary"))
        summary = next((t for t in self.figures.tables if t.key == SUMMARY_TABLE_KEY), None)
        facts = _facts(summary) if summary is not None else []
        if facts:
            self.story.append(self._tiles(facts))
            if summary is not None and summary.note.strip():
                self.story.append(Paragraph(markup(summary.note), self.p.footnote))
        else:
            self.story.append(self.note("No summary figures for this period."))
        self.story.append(Spacer(1, 6))
        self.story.append(self.heading("Key points", 1))
        bullets = _bullets(self.figures)
        if not bullets:
            self.story.append(self.note("No figures to summarise for this period."))
        for sentence in bullets:
            self.story.append(Paragraph(markup(sentence), self.p.bullet, bulletText="•"))
        self.story.append(PageBreak())

    def _tiles(self, facts: Sequence[tuple[str, Cell]]) -> RLTable:
        per_row = 3 if len(facts) != 4 else 2
        width = FRAME_WIDTH / per_row
        # A tile is its number and label; a short last row is padded with empty cells.
        cells: list[list[Paragraph] | str] = []
        for raw_label, value in facts:
            style = self.p.big_number if _is_number(value) else self.p.big_text
            label, text = _labelled(raw_label, value)
            cells.append(
                [
                    Paragraph(markup(text, FONT_BOLD), style),
                    Paragraph(markup(label), self.p.big_label),
                ]
            )
        grid = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
        grid[-1] += [""] * (per_row - len(grid[-1]))
        table = RLTable(grid, colWidths=[width] * per_row, hAlign="LEFT")
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 10),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 12),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ]
        for r, row in enumerate(grid):
            for c, cell in enumerate(row):
                if cell != "":
                    commands.append(("BACKGROUND", (c, r), (c, r), PALE_GREY))
                    commands.append(("BOX", (c, r), (c, r), 3, colors.white))
        table.setStyle(TableStyle(commands))
        return table

    # tables ---------------------------------------------------------------

    def section(self, table: Table) -> None:
        title = _table_title(table)
        head: list[Flowable] = [self.heading(title)]
        if table.key == POLICY_TABLE_KEY and table.title.strip() and table.title != title:
            head.append(Paragraph(markup(table.title), self.s.caption))
        chart: Drawing | None = None
        chart_note = ""
        if table.chart == "bar":
            chart, chart_note = _bar_chart(table)
        elif table.chart == "line":
            chart, chart_note = _line_chart(table)
        if chart is not None:
            # Heading, chart and footnote travel together; the table can then split.
            block = [*head, chart]
            if chart_note:
                block.append(Paragraph(markup(chart_note), self.p.footnote))
            self.story.append(CondPageBreak(chart.height + 80))
            self.story.append(KeepTogether(block))
        else:
            self.story += head
            if chart_note:
                self.story.append(Paragraph(markup(chart_note), self.p.footnote))
        self.story.append(Spacer(1, 4))
        if table.rows:
            self.story.append(self._grid(table))
        else:
            self.story.append(self.note("No data for this period."))
        if table.note.strip():
            self.story.append(Spacer(1, 3))
            self.story.append(Paragraph(markup(table.note), self.p.footnote))
        self.story.append(Spacer(1, 8))

    def _grid(self, table: Table) -> RLTable:
        ncols = max([len(table.columns), *(len(r) for r in table.rows)])
        columns = list(table.columns) + [""] * (ncols - len(table.columns))
        numeric = [
            i > 0
            and all(
                _is_number(row[i]) or row[i] in (SUPPRESSED, None)
                for row in table.rows
                if i < len(row)
            )
            for i in range(ncols)
        ]
        head = [
            Paragraph(
                markup(h, FONT_BOLD), self.p.cell_bold_right if numeric[i] else self.s.cell_bold
            )
            for i, h in enumerate(columns)
        ]
        body = [
            [
                Paragraph(
                    markup(_fmt(row[i]) if i < len(row) else ""),
                    self.p.cell_right if numeric[i] else self.s.cell,
                )
                for i in range(ncols)
            ]
            for row in table.rows
        ]
        table_style = [*grid_commands(head=True), ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE_GREY)]
        rl_table = RLTable(
            [head, *body],
            colWidths=self._widths(columns, table.rows, numeric),
            repeatRows=1,
            splitByRow=1,
            hAlign="LEFT",
        )
        rl_table.setStyle(TableStyle(table_style))
        return rl_table

    @staticmethod
    def _widths(
        columns: Sequence[str], rows: Sequence[Sequence[Cell]], numeric: Sequence[bool]
    ) -> list[float]:
        """Numeric columns as wide as their widest entry; text columns share the rest."""
        pad = 8 + 4

        def natural(i: int) -> float:
            texts = [columns[i]] + [_fmt(r[i]) for r in rows if i < len(r)]
            head = pdfmetrics.stringWidth(clean_text(columns[i], FONT_BOLD), FONT_BOLD, 8.5)
            body = max(
                (pdfmetrics.stringWidth(clean_text(t), FONT_REGULAR, 8.5) for t in texts[1:]),
                default=0,
            )
            return max(head, body) + pad

        ncols = len(columns)
        wants = [natural(i) for i in range(ncols)]
        fixed = {i: min(max(wants[i], 18 * mm), 38 * mm) for i in range(ncols) if numeric[i]}
        text_cols = [i for i in range(ncols) if not numeric[i]]
        room = FRAME_WIDTH - sum(fixed.values())
        if not text_cols:
            scale = min(1.0, FRAME_WIDTH / sum(fixed.values()))
            return [fixed[i] * scale for i in range(ncols)]
        if room < 25 * mm * len(text_cols):  # too many numeric columns: squeeze them
            room = 25 * mm * len(text_cols)
            scale = (FRAME_WIDTH - room) / sum(fixed.values())
            fixed = {i: w * scale for i, w in fixed.items()}
        text_wants = {i: min(wants[i], room) for i in text_cols}
        total_wants = sum(text_wants.values())
        if total_wants <= room:
            # Everything fits: give the spare room to the first text column.
            text = dict(text_wants)
            text[text_cols[0]] += room - total_wants
        else:
            text = {i: room * w / total_wants for i, w in text_wants.items()}
        return [fixed[i] if numeric[i] else text[i] for i in range(ncols)]


# --------------------------------------------------------------------------- entry point


def committee_pack_render(
    figures: Figures,
    *,
    title: str = DEFAULT_TITLE,
    prepared_for: str = DEFAULT_PREPARED_FOR,
) -> bytes:
    """Render ``figures`` as an A4 committee pack PDF and return its bytes.

    Cover page, a one-page summary (the "summary" table as large numbers and a
    few sentences derived from the tables), then every table in order: a bar or
    line chart where the table asks for one, followed by the table itself.
    Pure and deterministic: no database, settings or clock.
    """
    pack = _Pack(figures)
    pack.cover(title, prepared_for)
    pack.summary()
    for table in figures.tables:
        if table.key != SUMMARY_TABLE_KEY:
            pack.section(table)
    if figures.tables == () or all(t.key == SUMMARY_TABLE_KEY for t in figures.tables):
        pack.story.append(pack.note("No other tables for this period."))

    period = _period_words(figures.filters)
    chrome = PageChrome(
        marking=MARKING,
        context=period,
        generated=f"Flagpost committee pack · generated {when(figures.generated_at)} for {prepared_for}",
        pdf_date=pdf_date(figures.generated_at),
    )
    return render_pdf(pack.story, chrome=chrome, title=f"{title} — {period}")
