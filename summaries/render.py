"""Render a case summary (``SummaryData``) to PDF bytes.

``summary_render`` is pure: data in, bytes out. It reads nothing but the fonts
of the document kit (``documents``) and needs no Django settings, so it can run in a
worker, a management command or a test without a database. Equal data gives
byte-identical PDFs: the document is built in reportlab's invariant mode and
its creation date is the summary's ``generated_at``.

Everything that came from a person (descriptions, names, notes, URLs, file
names, even the case reference) goes through ``clean_text`` and is
XML-escaped before it reaches reportlab, because platypus Paragraphs parse
their text as markup: an unescaped ``<font color=red>`` or ``<a href=...>`` in
a description would restyle the summary or plant a live link in it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from xml.sax.saxutils import escape

from bidi import algorithm as uba
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from documents.fonts import FONT_BOLD
from documents.images import ImageRefused, pdf_image
from documents.page import (
    CELL_SMALL_SIZE,
    FRAME_HEIGHT,
    FRAME_WIDTH,
    RULE_GREY,
    PageChrome,
    grid_commands,
    outline,
    render_pdf,
    styles,
)
from documents.text import clean_text, day, markup, pdf_date, when
from kit.downloads import size_text
from summaries.data import (
    DeadlineItem,
    EvidenceFileItem,
    ReportItem,
    SummaryData,
)
from summaries.fingerprint import summary_fingerprint

MARKING = "OFFICIAL-SENSITIVE: PERSONNEL"
STATUS_COLOURS = {
    "Met": colors.HexColor("#007F3B"),
    "Met late": colors.HexColor("#B35900"),
    "Overdue": colors.HexColor("#D5281B"),
}


# --------------------------------------------------------------------------- building blocks


def _aligned(style: ParagraphStyle, text: str) -> ParagraphStyle:
    """``style``, or a right-aligned copy of it for text that starts right to left.

    A Hebrew or Arabic paragraph reads from the right margin; each of its lines is
    put in visual order as it is drawn (see ``documents.fonts``).
    """
    if style.alignment != TA_LEFT or uba.get_base_level(text) == 0:
        return style
    return ParagraphStyle(f"{style.name}-rtl", parent=style, alignment=TA_RIGHT)


class _Builder:
    """Collects flowables for one summary; one instance per render."""

    def __init__(self) -> None:
        self.s = styles()
        self.story: list[Flowable] = []
        self._outline_count = 0
        self._has_level0 = False

    # headings -------------------------------------------------------------

    def heading(self, text: str, level: int = 0) -> None:
        style = self.s.h2 if level == 0 else self.s.h3
        paragraph = Paragraph(markup(text, FONT_BOLD), style)
        # Sub-headings go into the outline only under a section, or reportlab refuses them.
        if level == 0 or self._has_level0:
            self._outline_count += 1
            outline(
                paragraph,
                clean_text(text, FONT_BOLD),
                f"fp-{self._outline_count}",
                min(level, 1),
            )
            self._has_level0 = self._has_level0 or level == 0
        self.story.append(paragraph)

    def section(self, title: str) -> None:
        self.heading(title, 0)

    def sub(self, title: str) -> None:
        self.heading(title, 1)

    # text -----------------------------------------------------------------

    def text(
        self, text: str, style: ParagraphStyle | None = None, empty: str = "None recorded."
    ) -> None:
        """User prose: one Paragraph per blank-line-separated block.

        Separate paragraphs keep a 20,000-character description cheap to split across
        pages (reportlab re-wraps the remainder of a paragraph at every split).
        """
        style = style or self.s.body
        blocks = [b.strip("\n") for b in re.split(r"\n[ \t]*\n", clean_text(text))]
        blocks = [b for b in blocks if b.strip()]
        if not blocks:
            self.story.append(Paragraph(escape(empty), self.s.muted))
            return
        for block in blocks:
            self.story.append(
                Paragraph(escape(block).replace("\n", "<br/>"), _aligned(style, block))
            )

    def note(self, text: str) -> None:
        """Our own wording (no user text), in the muted style."""
        self.story.append(Paragraph(escape(text), self.s.muted))

    def space(self, height: float = 6) -> None:
        self.story.append(Spacer(1, height))

    # tables ---------------------------------------------------------------

    def cell(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        style = style or self.s.cell
        font = style.fontName
        return Paragraph(markup(text, font) if text else "—", _aligned(style, text))

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[Paragraph | str]],
        widths: Sequence[float],
        empty: str = "None recorded.",
    ) -> None:
        """A data table whose header row repeats on every page it spans."""
        if not rows:
            self.note(empty)
            return
        head = [Paragraph(escape(h), self.s.cell_bold) for h in header]
        self._grid(rows, widths, self.s.cell, head=head)
        self.space(4)

    def facts(
        self, pairs: Sequence[tuple[str, Paragraph | str]], label_width: float = 42 * mm
    ) -> None:
        """Label/value rows, for one thing's attributes."""
        rows = [[Paragraph(escape(label), self.s.cell_label), value] for label, value in pairs]
        self._grid(rows, [label_width, FRAME_WIDTH - label_width], self.s.cell)
        self.space(6)

    def _grid(
        self,
        rows: Sequence[Sequence[Paragraph | str]],
        widths: Sequence[float],
        style: ParagraphStyle,
        head: list[Paragraph] | None = None,
    ) -> None:
        """Build a Table, cutting very long cells over continuation rows.

        reportlab splits tables only between rows, so a row taller than a page
        (a 30,000-character note) would raise LayoutError. Long text is cut here
        into pieces that each fit comfortably, on continuation rows with no rule
        between them, so the table keeps splitting cleanly with its header repeated.
        (reportlab's own ``splitInRow`` is left off: it also splits ordinary rows at
        a page foot and draws the repeated header in the middle of a row.) Cells
        passed in as ready-made Paragraphs must be short: they are not cut.
        """
        data: list[list[Paragraph | str]] = []
        row_ends: list[int] = []  # data indices of the last sub-row of each logical row
        offset = 1 if head else 0
        if head:
            data.append(head)
        for row in rows:
            columns: list[list[Paragraph | str]] = []
            for value, width in zip(row, widths, strict=True):
                if isinstance(value, Flowable):
                    columns.append([value])
                else:
                    pieces = _chunk_text(clean_text(value), width, style.fontSize) or [""]
                    columns.append([self.cell(piece, style) for piece in pieces])
            depth = max(len(c) for c in columns)
            for i in range(depth):
                sub_row: list[Paragraph | str] = [c[i] if i < len(c) else "" for c in columns]
                if i and not (len(columns[0]) > i):
                    # Say so, or a continuation at the top of a page looks like a row of its own.
                    sub_row[0] = Paragraph("(continued)", self.s.cell_muted)
                data.append(sub_row)
            row_ends.append(len(data) - 1)
        commands = grid_commands(head=bool(head))
        commands += [("LINEBELOW", (0, r), (-1, r), 0.3, RULE_GREY) for r in row_ends]
        table = Table(data, colWidths=list(widths), repeatRows=offset, splitByRow=1, hAlign="LEFT")
        table.setStyle(TableStyle(commands))
        self.story.append(table)

    def lines_cell(self, items: Iterable[str], empty: str = "None") -> str:
        """Several user strings in one cell, one per line."""
        kept = [" ".join(i.split()) for i in items if i.strip()]
        return "\n".join(kept) if kept else empty


# Lines of text one table cell may hold before the rest goes on a continuation
# row. Estimated at an average glyph width of 0.6 em, or 1.25 em where there are
# CJK characters or emoji (1 to 1.25 em each); even a cell full of the widest
# glyphs is then about 50 lines, well under a page.
_MAX_CELL_LINES = 30
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60"
    "\U0001f000-\U0001faff\U00020000-\U0003fffd]"
)


def _chunk_text(text: str, width: float, font_size: float) -> list[str]:
    """Cut (cleaned) text into pieces of at most about ``_MAX_CELL_LINES`` lines.

    Cuts fall at a space where there is one near the limit, else mid-word (a
    20,000-character URL has nowhere better). Each line break counts as a line.
    """
    em = 1.25 if _WIDE.search(text) else 0.6
    per_line = max(8, int((width - 8) / (em * font_size)))
    budget = per_line * _MAX_CELL_LINES
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for line in text.split("\n"):
        while True:
            cost = max(1, -(-len(line) // per_line)) * per_line
            if used + cost <= budget:
                current.append(line)
                used += cost
                break
            room = budget - used
            if room < per_line:
                chunks.append("\n".join(current))
                current, used = [], 0
                continue
            cut = line.rfind(" ", 0, room)
            if cut < room // 2:
                cut = room
            current.append(line[:cut])
            chunks.append("\n".join(current))
            current, used = [], 0
            line = line[cut:].lstrip(" ")
    if current:
        chunks.append("\n".join(current))
    return [c for c in chunks if c.strip()]


# --------------------------------------------------------------------------- sections

SHA_FONT_SIZE = CELL_SMALL_SIZE
_CELL_PADDING = 8 + 2  # left + right padding, and a little slack for rounding
# Digits are the widest characters of a lower-case hex digest (0.636 em in DejaVu
# Sans), so these fit any SHA-256; digests are shown lower-cased to keep it so.
SHA_FULL_WIDTH = 64 * 0.636 * SHA_FONT_SIZE + _CELL_PADDING
SHA_HALF_WIDTH = 32 * 0.636 * SHA_FONT_SIZE + _CELL_PADDING


def _title_block(b: _Builder, data: SummaryData) -> None:
    b.story.append(Paragraph("Flagpost · Social media policy case", b.s.meta))
    b.story.append(Paragraph(f"Case {markup(data.reference, FONT_BOLD)}", b.s.title))
    b.story.append(Paragraph(markup(data.variant_label, FONT_BOLD), b.s.subtitle))
    b.story.append(
        Paragraph(
            f"Generated {escape(when(data.generated_at))} for {markup(data.generated_for)}. "
            "All times are UK time.",
            b.s.meta,
        )
    )
    b.story.append(
        Paragraph(
            f"<b>{MARKING}.</b> This summary holds personal information about staff. Share it only with "
            "people who need it for this case, keep it secure and do not copy it into other systems.",
            b.s.notice,
        )
    )


def _deadline_row(b: _Builder, item: DeadlineItem) -> list[Paragraph | str]:
    colour = STATUS_COLOURS.get(item.status, colors.black)
    status = Paragraph(
        markup(_short(item.status, 60), FONT_BOLD),
        ParagraphStyle("fp-status", parent=b.s.cell_bold, textColor=colour),
    )
    return [item.what, when(item.due_at), status]


def _at_a_glance(b: _Builder, data: SummaryData) -> None:
    b.section("Case at a glance")
    b.facts(
        [
            ("Reference", data.reference),
            ("State", data.state),
            ("Opened", when(data.opened_at)),
            ("Closed", when(data.closed_at) if data.closed_at else "Not closed"),
            ("Policy versions in force", b.lines_cell(data.policy_versions, empty="None recorded")),
            ("Flags", b.lines_cell(data.flags, empty="None")),
        ]
    )
    b.sub("Deadlines")
    b.table(
        ["Deadline", "Due", "Status"],
        [_deadline_row(b, d) for d in data.deadlines],
        [FRAME_WIDTH - 75 * mm, 45 * mm, 30 * mm],
        empty="No deadlines recorded.",
    )


def _report(b: _Builder, report: ReportItem) -> None:
    b.sub(f"Report {report.reference}")
    b.facts(
        [
            ("Platform", report.platform),
            ("Seen by the reporter", when(report.seen_at)),
            ("Posted", when(report.posted_at) if report.posted_at else "Not known"),
            ("Reported", when(report.submitted_at)),
            ("Reporter", report.reporter),
            ("Shows a patient", report.shows_patient),
            ("Welfare risk", report.welfare_risk),
        ]
    )
    b.story.append(Paragraph("Description", b.s.cell_label))
    b.space(2)
    b.text(report.description, empty="No description given.")
    b.story.append(Paragraph("Links given", b.s.cell_label))
    b.space(2)
    if report.links:
        # Links are printed as text, never made clickable: a "javascript:" or
        # phishing URL in a report must not become a live link in the summary.
        for url in report.links:
            b.story.append(Paragraph("• " + markup(url), b.s.body))
    else:
        b.note("No links given.")


def _reports(b: _Builder, data: SummaryData) -> None:
    b.section("Reports")
    if not data.reports:
        b.note("No reports recorded.")
    for report in data.reports:
        _report(b, report)


def _people(b: _Builder, data: SummaryData) -> None:
    b.section("People")
    b.table(
        ["Role", "Name"], [[p.role, p.name] for p in data.people], [55 * mm, FRAME_WIDTH - 55 * mm]
    )


def _principles(b: _Builder, data: SummaryData) -> None:
    b.section("Alleged principles")
    b.table(
        ["Principle", "Policy", "Investigated under"],
        [
            [f"{p.reference} {p.title}".strip(), p.policy, p.investigated_under]
            for p in data.principles
        ],
        [FRAME_WIDTH - 110 * mm, 60 * mm, 50 * mm],
    )


def _short(text: str, limit: int) -> str:
    """Cap text going into a ready-made table cell, which is never cut over rows."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sha(value: str) -> str:
    # A real digest is 64 characters; anything far longer is junk, not worth pages.
    return clean_text(_short(value.strip().lower(), 128))


def _sha_cell(b: _Builder, sha256: str) -> Paragraph:
    # Two fixed halves read better than wherever the wrap happens to fall.
    sha = _sha(sha256)
    half = (len(sha) + 1) // 2
    return Paragraph(escape(sha[:half]) + "<br/>" + escape(sha[half:]), b.s.cell_small)


def _file_name_cell(b: _Builder, item: EvidenceFileItem) -> Paragraph:
    return Paragraph(
        f"{markup(_short(item.name, 300))}<br/><font size=7 color='#768692'>{escape(clean_text(_short(item.content_type, 80)))}, "
        f"{escape(_size(item.size))}</font>",  # the full name is in the image list and manifest
        b.s.cell,
    )


def _size(size: int) -> str:
    return size_text(size)  # the same wording as the forms and messages


def _evidence(b: _Builder, data: SummaryData) -> None:
    b.section("Evidence")
    b.sub("Links")
    b.table(
        ["Link", "Report", "Added by", "Added"],
        [
            [link.url, link.report_reference, link.added_by, when(link.added_at)]
            for link in data.links
        ],
        [FRAME_WIDTH - 113 * mm, 22 * mm, 42 * mm, 49 * mm],
        empty="No links recorded.",
    )
    b.sub("Files")
    b.table(
        ["File", "Report", "Added by", "Added", "SHA-256"],
        [
            [
                _file_name_cell(b, f),
                f.report_reference,
                f.added_by,
                when(f.added_at),
                _sha_cell(b, f.sha256),
            ]
            for f in data.files
        ],
        [FRAME_WIDTH - 72 * mm - SHA_HALF_WIDTH, 16 * mm, 28 * mm, 28 * mm, SHA_HALF_WIDTH],
        empty="No files recorded.",
    )
    if not data.files:
        return
    b.sub("Images")
    # Room for a two-line caption and a heading kept with the first picture, so
    # neither is ever left alone at the foot of a page.
    max_height = FRAME_HEIGHT - 110
    for item in data.files:
        caption = Paragraph(
            f"<b>{markup(item.name, FONT_BOLD)}</b> · report {markup(item.report_reference)} · "
            f"added by {markup(item.added_by)}, {escape(when(item.added_at))}<br/>"
            f"<font size=7>SHA-256 {escape(_sha(item.sha256))}</font>",
            b.s.caption,
        )
        if item.image is None:
            kind = clean_text(item.content_type) or "unknown type"
            b.story.append(
                Paragraph(
                    f"<b>{markup(item.name, FONT_BOLD)}</b>: not shown here ({escape(kind)}); see the original file.",
                    b.s.muted,
                )
            )
            continue
        try:
            if hashlib.sha256(item.image).hexdigest() != item.sha256.strip().lower():
                # Never show a picture under a hash it doesn't have: the manifest vouches for it.
                raise ImageRefused("its bytes do not match the recorded SHA-256", reason="sha256")
            picture = pdf_image(item.image, max_width=FRAME_WIDTH, max_height=max_height)
        except ImageRefused as exc:
            b.story.append(
                Paragraph(
                    f"<b>{markup(item.name, FONT_BOLD)}</b>: could not be shown: {escape(str(exc))}.",
                    b.s.body,  # not muted: a reader must notice that a piece of evidence is missing
                )
            )
            continue
        # Not KeepTogether: nested inside the heading's keep-with-next group it reports
        # an unbounded height and the heading is left behind. The caption's own
        # keepWithNext keeps it (and a preceding heading) with the picture.
        b.story.extend([caption, picture, Spacer(1, 12)])


def _timeline(b: _Builder, data: SummaryData) -> None:
    b.section("Timeline")
    b.table(
        ["When", "Who", "What", "Note"],
        [[when(e.at), e.actor, e.what, e.note] for e in data.timeline],
        [33 * mm, 30 * mm, 48 * mm, FRAME_WIDTH - 111 * mm],
        empty="No events recorded.",
    )


def _triage(b: _Builder, data: SummaryData) -> None:
    if data.triage_summary.strip():
        b.section("Triage summary")
        b.text(data.triage_summary)


def _investigation(b: _Builder, data: SummaryData) -> None:
    parts: list[tuple[str, Callable[[], None]]] = []
    for title, value in (
        ("Terms of reference", data.terms_of_reference),
        ("Evidence summary", data.evidence_summary),
        ("Interview records", data.interview_records),
    ):
        if value.strip():
            parts.append((title, partial(b.text, value)))
    if data.findings:
        parts.append(
            (
                "Findings",
                partial(
                    b.table,
                    ["Principle", "Finding"],
                    [
                        [f.principle, b.cell("Upheld" if f.upheld else "Not upheld", b.s.cell_bold)]
                        for f in data.findings
                    ],
                    [FRAME_WIDTH - 40 * mm, 40 * mm],
                ),
            )
        )
    if data.recommendation.strip():
        parts.append(("Recommendation", partial(b.text, data.recommendation)))
    if not parts:
        return
    b.section("Investigation")
    for title, render in parts:
        b.sub(title)
        render()


def _outcome(b: _Builder, data: SummaryData) -> None:
    if not (
        data.outcome.strip()
        or data.outcome_rationale.strip()
        or data.appeal_deadline
        or data.informal_action.strip()
    ):
        return
    b.section("Outcome")
    facts: list[tuple[str, Paragraph | str]] = []
    if data.outcome.strip():
        facts.append(("Outcome", data.outcome))
    if data.appeal_deadline:
        facts.append(("Appeal deadline", day(data.appeal_deadline)))
    if facts:
        b.facts(facts)
    if data.outcome_rationale.strip():
        b.sub("Rationale")
        b.text(data.outcome_rationale)
    if data.informal_action.strip():
        b.sub("Informal resolution")
        b.text(data.informal_action)


def _manifest(b: _Builder, data: SummaryData, fingerprint: str) -> None:
    b.section("Manifest")
    b.story.append(Paragraph("Content fingerprint (SHA-256)", b.s.cell_label))
    b.story.append(
        Paragraph(
            escape(fingerprint),
            ParagraphStyle(
                "fp-fingerprint", parent=b.s.body, fontName=FONT_BOLD, fontSize=9.5, spaceAfter=4
            ),
        )
    )
    b.story.append(
        Paragraph(
            "To check that this summary was issued by Flagpost and its content is unchanged, enter the "
            "fingerprint on Flagpost's Verify page or run "
            f"<b>python manage.py verify_summary {escape(fingerprint)}</b>.",
            b.s.body,
        )
    )
    b.note(
        "The fingerprint covers this summary's content, not the PDF file, so printing or "
        "re-saving the PDF does not change it."
    )
    b.sub("Evidence files")
    b.table(
        ["File", "SHA-256"],
        [[f.name, Paragraph(escape(_sha(f.sha256)), b.s.cell_small)] for f in data.files],
        [FRAME_WIDTH - SHA_FULL_WIDTH, SHA_FULL_WIDTH],
        empty="No evidence files.",
    )


# --------------------------------------------------------------------------- entry point


def summary_render(data: SummaryData) -> bytes:
    """Render ``data`` as an A4 PDF and return its bytes.

    Pure and deterministic: no database, settings or clock; the same data always
    gives the same bytes.
    """
    fingerprint = summary_fingerprint(data)
    builder = _Builder()
    _title_block(builder, data)
    _at_a_glance(builder, data)
    _reports(builder, data)
    _people(builder, data)
    _principles(builder, data)
    _evidence(builder, data)
    _timeline(builder, data)
    _triage(builder, data)
    _investigation(builder, data)
    _outcome(builder, data)
    _manifest(builder, data, fingerprint)
    chrome = PageChrome(
        marking=MARKING,
        context=f"Case {data.reference}",
        generated=f"Generated {when(data.generated_at)} for {data.generated_for}",
        pdf_date=pdf_date(data.generated_at),
    )
    return render_pdf(
        builder.story, chrome=chrome, title=f"Case {data.reference} — {data.variant_label}"
    )
