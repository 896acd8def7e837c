"""The page every Flagpost PDF is printed on, and the one way to build it.

A4 with fixed margins; a protective marking at the top and bottom of every
page, a line of context in the header, who and when in the footer, and
"Page X of Y"; an outline entry for every heading that asks for one. Building
is deterministic: reportlab's invariant mode, and the document's own date in
place of the clock, so equal content gives byte-identical PDFs.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

from documents.fonts import FONT_BOLD, FONT_REGULAR, register_fonts
from documents.text import fit, strip_controls

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_LEFT = MARGIN_RIGHT = 18 * mm
MARGIN_TOP = 24 * mm  # room for the marking and the header line above the frame
MARGIN_BOTTOM = 24 * mm  # room for the two footer lines below it
FRAME_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
FRAME_HEIGHT = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

NHS_BLUE = colors.HexColor("#005EB8")
DARK_GREY = colors.HexColor("#425563")
MID_GREY = colors.HexColor("#768692")
PALE_GREY = colors.HexColor("#E8EDEE")
RULE_GREY = colors.HexColor("#AEB7BD")

CELL_SMALL_SIZE = 7.2  # the cell_small style, for digests

F = TypeVar("F", bound=Flowable)


# --------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    meta: ParagraphStyle
    notice: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    body: ParagraphStyle
    muted: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_label: ParagraphStyle
    cell_small: ParagraphStyle
    cell_muted: ParagraphStyle
    caption: ParagraphStyle


def _make_styles() -> Styles:
    register_fonts()
    base = ParagraphStyle(
        "fp-body",
        fontName=FONT_REGULAR,
        fontSize=9.5,
        leading=13.5,
        textColor=colors.black,
        spaceAfter=5,
        splitLongWords=1,
    )
    cell = ParagraphStyle("fp-cell", parent=base, fontSize=8.5, leading=11, spaceAfter=0)
    return Styles(
        title=ParagraphStyle(
            "fp-title",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=20,
            leading=24,
            textColor=NHS_BLUE,
            spaceAfter=2,
        ),
        subtitle=ParagraphStyle(
            "fp-subtitle",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=13,
            leading=17,
            textColor=DARK_GREY,
            spaceAfter=6,
        ),
        meta=ParagraphStyle(
            "fp-meta", parent=base, fontSize=8.5, leading=12, textColor=DARK_GREY, spaceAfter=2
        ),
        notice=ParagraphStyle(
            "fp-notice",
            parent=base,
            fontSize=8.5,
            leading=12,
            textColor=colors.black,
            backColor=PALE_GREY,
            borderPadding=(5, 6, 5, 6),
            spaceBefore=8,
            spaceAfter=12,
        ),
        # keepWithNext stops a heading being stranded at the foot of a page.
        h2=ParagraphStyle(
            "fp-h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=14,
            leading=18,
            textColor=NHS_BLUE,
            spaceBefore=14,
            spaceAfter=6,
            keepWithNext=1,
        ),
        h3=ParagraphStyle(
            "fp-h3",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=10.5,
            leading=14,
            textColor=DARK_GREY,
            spaceBefore=8,
            spaceAfter=3,
            keepWithNext=1,
        ),
        body=base,
        muted=ParagraphStyle("fp-muted", parent=base, textColor=MID_GREY),
        cell=cell,
        cell_bold=ParagraphStyle("fp-cell-bold", parent=cell, fontName=FONT_BOLD),
        cell_label=ParagraphStyle(
            "fp-cell-label", parent=cell, fontName=FONT_BOLD, textColor=DARK_GREY
        ),
        cell_small=ParagraphStyle(
            "fp-cell-small", parent=cell, fontSize=CELL_SMALL_SIZE, leading=9.5
        ),
        cell_muted=ParagraphStyle("fp-cell-muted", parent=cell, fontSize=7.5, textColor=MID_GREY),
        caption=ParagraphStyle(
            "fp-caption",
            parent=base,
            fontSize=8.5,
            leading=11.5,
            textColor=DARK_GREY,
            spaceAfter=3,
            keepWithNext=1,
        ),
    )


_styles_cache: list[Styles] = []


def styles() -> Styles:
    """The paragraph styles every document starts from (made once: they need the fonts)."""
    if not _styles_cache:
        _styles_cache.append(_make_styles())
    return _styles_cache[0]


def grid_commands(*, head: bool) -> list[tuple[Any, ...]]:
    """The TableStyle every data table starts from: top-aligned, evenly padded, a shaded header."""
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if head:
        commands += [
            ("BACKGROUND", (0, 0), (-1, 0), PALE_GREY),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, DARK_GREY),
        ]
    return commands


# --------------------------------------------------------------------------- page furniture


@dataclass(frozen=True)
class PageChrome:
    """What the header and footer of every page say."""

    marking: str  # the protective marking, top and bottom
    context: str  # the header's right-hand side: "Case C-2024-0001", a period
    generated: str  # "Generated 14 March 2024, 09:05 for ..."
    pdf_date: str  # documents.text.pdf_date of the document's own time


class NumberedCanvas(Canvas):
    """Two-pass canvas: pages are held back until the total is known, then stamped.

    "Page X of Y" needs Y before page 1 is written, so ``showPage`` only records
    each page's state and ``save`` replays them with the header and footer.
    Bookmarks are deferred the same way: reportlab binds a bookmark to the page
    it is *writing*, which during the first pass would always be page 1.
    """

    def __init__(self, *args: Any, chrome: PageChrome, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._chrome = chrome
        self._held_pages: list[dict[str, Any]] = []
        self._pending_bookmarks: list[str] = []
        # invariant mode fixes the date at 2000-01-01; the document's own time is truer.
        self.setDateFormatter(lambda *_ymdhms: chrome.pdf_date)

    def bookmarkPage(self, key: str, **kwargs: Any) -> None:
        self._pending_bookmarks.append(key)

    def showPage(self) -> None:
        self._held_pages.append(dict(self.__dict__))
        self._pending_bookmarks = []
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for number, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            for key in self._pending_bookmarks:
                Canvas.bookmarkPage(
                    self, key, fit="XYZ", top=PAGE_HEIGHT - MARGIN_TOP + 30, left=0, zoom=0
                )
            self._draw_furniture(number, total)
            Canvas.showPage(self)
        Canvas.save(self)

    def _draw_furniture(self, number: int, total: int) -> None:
        chrome = self._chrome
        left, right = MARGIN_LEFT, PAGE_WIDTH - MARGIN_RIGHT
        self.saveState()
        # Header: the protective marking (required on every page) and the context.
        top = PAGE_HEIGHT - 13 * mm
        self.setFillColor(colors.black)
        self.setFont(FONT_BOLD, 9)
        self.drawString(left, top, chrome.marking)
        marking_width = pdfmetrics.stringWidth(chrome.marking, FONT_BOLD, 9)
        self.setFont(FONT_REGULAR, 9)
        self.setFillColor(DARK_GREY)
        context = fit(chrome.context, FONT_REGULAR, 9, right - left - marking_width - 20)
        self.drawRightString(right, top, context)
        self.setStrokeColor(RULE_GREY)
        self.setLineWidth(0.6)
        self.line(left, top - 5, right, top - 5)
        # Footer: who it was made for and when, the page count, and the marking again
        # (convention for protectively marked documents: top and bottom).
        bottom = 15 * mm
        self.line(left, bottom + 10, right, bottom + 10)
        self.setFont(FONT_REGULAR, 7.5)
        page_label = f"Page {number} of {total}"
        page_width = pdfmetrics.stringWidth(page_label, FONT_REGULAR, 7.5)
        self.drawString(
            left, bottom, fit(chrome.generated, FONT_REGULAR, 7.5, right - left - page_width - 20)
        )
        self.drawRightString(right, bottom, page_label)
        self.setFont(FONT_BOLD, 7.5)
        self.setFillColor(colors.black)
        self.drawCentredString(PAGE_WIDTH / 2, bottom - 11, chrome.marking)
        self.restoreState()


class _OutlinedDoc(SimpleDocTemplate):
    """Adds a PDF outline entry for every flowable that carries one (``outline``)."""

    def afterFlowable(self, flowable: Flowable) -> None:
        entry: tuple[str, str, int] | None = getattr(flowable, "_fp_outline", None)
        if entry is not None:
            title, key, level = entry
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(title, key, level=level, closed=level > 0)


def outline(flowable: F, title: str, key: str, level: int) -> F:
    """Give ``flowable`` (a heading) an entry in the PDF outline, under a unique ``key``."""
    flowable._fp_outline = (title, key, level)
    return flowable


# --------------------------------------------------------------------------- building


def render_pdf(story: list[Flowable], *, chrome: PageChrome, title: str) -> bytes:
    """Lay ``story`` out on the Flagpost page and return the PDF's bytes."""
    register_fonts()
    buffer = io.BytesIO()
    with _binary_streams():
        doc = _OutlinedDoc(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN_LEFT,
            rightMargin=MARGIN_RIGHT,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=strip_controls(title),
            author="Flagpost",
            subject=chrome.marking,
            creator="Flagpost",
            lang="en-GB",
            invariant=1,  # no random document ID or wall-clock date: equal content, equal bytes
        )
        doc.build(story, canvasmaker=partial(NumberedCanvas, chrome=chrome))
    return buffer.getvalue()


_rl_config_lock = threading.Lock()


@contextmanager
def _binary_streams() -> Iterator[None]:
    """Build without ASCII85 stream encoding, then put reportlab's setting back.

    reportlab ASCII85-encodes every stream by default, in pure Python unless its
    optional C accelerator is installed: for 20 screenshots that was two thirds of
    the render time, and it makes the PDF a quarter bigger. ASCII85 only matters
    for 7-bit transports, which a PDF download is not. The setting is a process-wide
    global that each stream reads when it is created, so it is changed under a
    lock and restored, and no other reportlab user sees it.
    """
    with _rl_config_lock:
        previous = rl_config.useA85
        rl_config.useA85 = 0
        try:
            yield
        finally:
            rl_config.useA85 = previous
