"""Render a case summary (``SummaryData``) to PDF bytes.

``summary_render`` is pure: data in, bytes out. It reads nothing but the fonts
shipped in ``summaries/fonts`` and needs no Django settings, so it can run in a
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

import datetime as dt
import hashlib
import io
import re
import threading
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from arabic_reshaper import ArabicReshaper
from arabic_reshaper.ligatures import LIGATURES as ARABIC_LIGATURES
from arabic_reshaper.reshaper_config import default_config as reshaper_defaults
from bidi import algorithm as uba
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from kit.downloads import size_text
from summaries.data import (
    DeadlineItem,
    EvidenceFileItem,
    ReportItem,
    SummaryData,
)
from summaries.fingerprint import summary_fingerprint

MARKING = "OFFICIAL-SENSITIVE: PERSONNEL"
REPLACEMENT_CHAR = "□"  # shown for any character none of the shipped fonts can draw

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_REGULAR = "FlagpostSans"
FONT_BOLD = "FlagpostSans-Bold"

# Case times are shown in UK local time: the people reading a summary are NHS
# staff and panels in the UK, and the hearing talks in local time.
UK_TIME = ZoneInfo("Europe/London")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_LEFT = MARGIN_RIGHT = 18 * mm
MARGIN_TOP = 24 * mm  # room for the marking and reference above the frame
MARGIN_BOTTOM = 24 * mm  # room for the two footer lines below it
FRAME_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
FRAME_HEIGHT = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

# Images bigger than this are not decoded at all: a small file can declare
# enormous dimensions (a "decompression bomb") and take the worker's memory.
MAX_IMAGE_PIXELS = 40_000_000
# Screenshot pixels are drawn at 96 dpi, the size they had on screen, unless
# that is larger than the space on the page.
POINTS_PER_PIXEL = 72 / 96

NHS_BLUE = colors.HexColor("#005EB8")
DARK_GREY = colors.HexColor("#425563")
MID_GREY = colors.HexColor("#768692")
PALE_GREY = colors.HexColor("#E8EDEE")
RULE_GREY = colors.HexColor("#AEB7BD")
STATUS_COLOURS = {
    "Met": colors.HexColor("#007F3B"),
    "Met late": colors.HexColor("#B35900"),
    "Overdue": colors.HexColor("#D5281B"),
}


# --------------------------------------------------------------------------- fonts

# Each face reportlab draws with is a chain of shipped fonts: a character is drawn
# by the first font in the chain that has it. DejaVu Sans covers Latin, Greek,
# Cyrillic, Hebrew and the Arabic presentation forms; the Noto subsets add what it
# lacks (see scripts/build_fonts.py for what each holds). There is no bold CJK,
# Hangul or emoji face: shipping them would double the fonts' size for headings, so
# those characters print in their regular weight inside bold text.
_ARABIC = "NotoSansArabic-Regular-subset.ttf"
_ARABIC_BOLD = "NotoSansArabic-Bold-subset.ttf"
_CJK = "NotoSansSC-Regular-subset.ttf"
_HANGUL = "NotoSansKR-Regular-subset.ttf"
_EMOJI = "NotoEmoji-Regular-subset.ttf"
_CHAINS: dict[str, tuple[str, ...]] = {
    FONT_REGULAR: ("DejaVuSans.ttf", _ARABIC, _CJK, _HANGUL, _EMOJI),
    # The bold face lacks ~140 glyphs the regular one has: regular beats a box.
    FONT_BOLD: ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", _ARABIC_BOLD, _CJK, _HANGUL, _EMOJI),
}

# Characters that belong to the one before them (joiners, variation selectors,
# skin tones, tag characters, combining marks): they stay in that character's font
# where it has them, so an emoji sequence isn't split between two fonts.
_CLINGING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u200c\u200d\u20d0-\u20ff\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"
    "\U000e0100-\U000e01ef]"
)
# Right-to-left letters (Hebrew, Arabic and their presentation forms, Syriac,
# Thaana, N'Ko and the like): only a string with one of these needs reordering.
_RTL = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]"
)


# Format characters that are kept: they change what a sequence means or looks like
# (the joiner in 👨‍👩‍👧, the non-joiner in Persian words, the tags in 🏴󠁧󠁢󠁷󠁬󠁳󠁿).
# Every other one is dropped (see clean_text).
_KEPT_FORMAT = re.compile("[\u200c\u200d\U000e0020-\U000e007f]")
# Stands in for those while the bidi algorithm runs: it would drop them (they are
# "boundary neutral"), and a nonspacing mark takes the direction of the character
# before it, which is where a joiner belongs.
_JOINER_STAND_IN = "\U0001d167"


def _visual_order(text: str) -> str:
    """One line of text in the order it is drawn left to right (Unicode bidi, UAX #9).

    Rules L1 to L4 on one line: right-to-left runs reversed, their brackets mirrored
    so "(" still opens. The base direction is the line's first strong character.
    """
    storage = uba.get_empty_storage()
    base = uba.get_base_level(text)
    storage["base_level"] = base
    storage["base_dir"] = ("L", "R")[base]
    uba.get_embedding_levels(_KEPT_FORMAT.sub(_JOINER_STAND_IN, text), storage)
    for index, entry in enumerate(storage["chars"]):
        entry["index"] = index
    uba.explicit_embed_and_overrides(storage, False)
    uba.resolve_weak_types(storage, False)
    uba.resolve_neutral_types(storage, False)
    uba.resolve_implicit_levels(storage, False)
    uba.reorder_resolved_levels(storage, False)
    uba.apply_mirroring(storage, False)
    return "".join(
        text[e["index"]] if e["ch"] == _JOINER_STAND_IN else e["ch"] for e in storage["chars"]
    )


def _to_unicode_cmap(font_name: str, subset: Sequence[int]) -> str:
    """A ToUnicode CMap whose entries are UTF-16BE, so U+1F600 is <D83DDE00>.

    reportlab's own writes every code point as at least four hex digits, which gives
    ``<1F600>`` beyond U+FFFF: invalid, and the emoji then can't be copied, searched
    or extracted.
    """
    entries = [f"<{i:02X}> <{chr(code).encode('utf-16-be').hex().upper()}>"
               for i, code in enumerate(subset)]  # fmt: skip
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            f"/CIDSystemInfo << /Registry ({font_name}) /Ordering ({font_name}) /Supplement 0 >> def",
            f"/CMapName /{font_name} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(entries)} beginbfchar",
            *entries,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


class _ShippedFont(TTFont):
    """One font file from summaries/fonts, with a correct ToUnicode map beyond U+FFFF."""

    def addObjects(self, doc: Any) -> None:
        state = self.state.get(doc)
        subsets = [list(s) for s in state.subsets] if state is not None else []
        super().addObjects(doc)  # writes each 256-glyph subset, then forgets them
        for n, subset in enumerate(subsets):
            if max(subset, default=0) > 0xFFFF:
                name = (SUBSETN(n) + b"+" + self.face.name + self.face.subfontNameX).decode(
                    "pdfdoc"
                )
                doc.idToObject["toUnicodeCMap:" + name].content = _to_unicode_cmap(name, subset)


class _FallbackFont(TTFont):
    """A chain of shipped fonts that reportlab measures and draws as one font.

    Working at this level (instead of ``<font>`` tags around each run) means every
    path that draws text gets the fallbacks: Paragraphs, table cells, page headers
    and footers, chart labels. reportlab asks a TrueType font for two things: the
    width of a string, and the string split into (subset, bytes) pieces to write,
    each with a PDF font name. Both are answered here by splitting the string into
    runs by font and passing each run to that font, so each font keeps its own
    subsets, widths and ToUnicode map and text extracts as it was written.

    Drawing is also where right-to-left text is put in visual order: reportlab hands
    over one laid-out line (or the part of it in one style) at a time, so lines wrap
    in reading order and each is then reordered by the Unicode bidi algorithm.
    Widths don't depend on order, so measuring never needs it.
    """

    def __init__(self, name: str, chain: Sequence[_ShippedFont]) -> None:
        primary = chain[0]
        # Not TTFont.__init__: the faces are parsed already, once, in the chain.
        self.fontName = name
        self.face = primary.face  # ascent, descent and the face name come from DejaVu
        self.encoding = primary.encoding
        self.state = WeakKeyDictionary()
        self._asciiReadable = primary._asciiReadable
        self.shapable = False
        self.chain = tuple(chain)
        self._cmaps = [frozenset(font.face.charToGlyph) for font in chain]
        self._emoji = next(i for i, f in enumerate(chain) if f.face.name.startswith(b"NotoEmoji"))
        self.coverage: frozenset[int] = frozenset().union(*self._cmaps)
        # Strings made only of these go straight to the first font: most text is.
        # Pictographs are left out because the emoji font draws them even where
        # DejaVu has one, so that all emoji look alike.
        self._primary_only = frozenset(
            chr(c) for c in self._cmaps[0] if c < 0x1F000 and c != 0xFE0F
        )
        self._first_with: dict[int, int] = {}

    def _first_font(self, code: int) -> int:
        index = self._first_with.get(code)
        if index is None:
            index = next((i for i, cmap in enumerate(self._cmaps) if code in cmap), 0)
            self._first_with[code] = index
        return index

    def _runs(self, text: str) -> list[tuple[int, str]]:
        """``text`` as (index of font in the chain, run) pieces, in order."""
        if self._primary_only.issuperset(text):
            return [(0, text)] if text else []
        emoji_cmap = self._cmaps[self._emoji]
        picks: list[int] = []
        for i, ch in enumerate(text):
            code = ord(ch)
            if picks and code in self._cmaps[picks[-1]] and _CLINGING.match(ch):
                picks.append(picks[-1])
            elif code in emoji_cmap and (
                code >= 0x1F000 or text[i + 1 : i + 2] == "\ufe0f"  # emoji presentation
            ):
                picks.append(self._emoji)
            else:
                picks.append(self._first_font(code))
        self._whole_words(text, picks)
        runs: list[tuple[int, str]] = []
        start = 0
        for i in range(1, len(text) + 1):
            if i == len(text) or picks[i] != picks[start]:
                runs.append((picks[start], text[start:i]))
                start = i
        return runs

    def _whole_words(self, text: str, picks: list[int]) -> None:
        """Draw a word that would mix two fonts in one font that has all of it.

        Letters of one word from two designs look patched, and in Arabic the joins
        between them don't meet (DejaVu lacks two Urdu letter forms, for one).
        """
        for match in re.finditer(r"[^\W\d_]+", text):
            start, end = match.span()
            if len(set(picks[start:end])) < 2 or self._emoji in picks[start:end]:
                continue
            word = {ord(ch) for ch in text[start:end]}
            for index, cmap in enumerate(self._cmaps):
                if index != self._emoji and word <= cmap:
                    picks[start:end] = [index] * (end - start)
                    break

    def stringWidth(self, text: str | bytes, size: float, encoding: str = "utf8") -> float:
        if isinstance(text, bytes):
            text = text.decode(encoding or "utf8")
        return sum(self.chain[k].stringWidth(run, size) for k, run in self._runs(text))

    def splitString(
        self, text: str | bytes, doc: Any, encoding: str = "utf-8"
    ) -> list[tuple[tuple[int, int], bytes]]:
        if isinstance(text, bytes):
            text = text.decode(encoding or "utf-8")
        if _RTL.search(text):
            text = _visual_order(text)
        return [
            ((k, subset), piece)
            for k, run in self._runs(text)
            for subset, piece in self.chain[k].splitString(run, doc)
        ]

    def getSubsetInternalName(self, subset: tuple[int, int], doc: Any) -> str:  # type: ignore[override]
        k, n = subset
        return self.chain[k].getSubsetInternalName(n, doc)

    def addObjects(self, doc: Any) -> None:
        """Nothing to write: each font in the chain writes its own subsets."""


_font_lock = threading.Lock()
_font_cmaps: dict[str, frozenset[int]] = {}


def _fonts() -> dict[str, frozenset[int]]:
    """Register the shipped fonts once per process; return the code points each face can draw.

    Parsing the fonts costs about 200 milliseconds, so it happens once. The lock keeps two
    threads rendering at the same moment from registering half a font family.
    """
    if _font_cmaps:
        return _font_cmaps
    with _font_lock:
        if not _font_cmaps:
            files: dict[str, _ShippedFont] = {}
            for chain in _CHAINS.values():
                for file in chain:
                    if file not in files:
                        files[file] = _ShippedFont(f"{FONT_REGULAR}:{file}", str(FONT_DIR / file))
            faces = {
                name: _FallbackFont(name, [files[file] for file in chain])
                for name, chain in _CHAINS.items()
            }
            for face in faces.values():
                pdfmetrics.registerFont(face)
            # No italic face is shipped; mapping italic to upright means a stray <i>
            # in our own markup degrades instead of raising.
            pdfmetrics.registerFontFamily(
                FONT_REGULAR,
                normal=FONT_REGULAR,
                bold=FONT_BOLD,
                italic=FONT_REGULAR,
                boldItalic=FONT_BOLD,
            )
            _font_cmaps.update({name: face.coverage for name, face in faces.items()})
    return _font_cmaps


# --------------------------------------------------------------------------- text

_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\x85\x0b\x0c]")
# Runs of Arabic script are reshaped on their own: the reshaper drops every zero-width
# joiner it sees, and one between two emoji isn't its to drop.
_ARABIC_RUN = re.compile(
    "[\u200c\u200d]*[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]"
    "[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\u200c\u200d]*"
)
# Joined Arabic letter forms, but only the ligatures Arabic requires (lam with alef):
# the optional word ligatures (ﷲ, ﷺ) would print a whole word as one sign.
_RESHAPER = ArabicReshaper(
    configuration={
        **reshaper_defaults,
        **{name: False for name, _forms in ARABIC_LIGATURES},
        "ARABIC LIGATURE LAM WITH ALEF": True,
        "ARABIC LIGATURE LAM WITH ALEF WITH HAMZA ABOVE": True,
        "ARABIC LIGATURE LAM WITH ALEF WITH HAMZA BELOW": True,
        "ARABIC LIGATURE LAM WITH ALEF WITH MADDA ABOVE": True,
        "support_ligatures": True,
        "delete_harakat": False,  # vowel marks are part of what was written
        "delete_tatweel": False,
        "support_zwj": True,
    }
)


def clean_text(text: str, font: str = FONT_REGULAR) -> str:
    """Make user text drawable: keep line breaks, drop controls, join Arabic, mark missing glyphs.

    - NFC first, so "e" + combining acute becomes the single precomposed glyph the
      font has (reportlab places no combining marks).
    - Control characters (Cc: NUL, escape codes) and format characters (Cf) are
      dropped, except the joiners and tags that emoji and some scripts need
      (``_KEPT_FORMAT``): bidi embeddings, overrides and isolates could make the
      printed text read differently from its data, and the rest are invisible.
    - Arabic letters are replaced by their joined forms (initial, medial, final),
      which reportlab can't choose itself. The text stays in logical order: it is
      put in visual order line by line as it is drawn (``_FallbackFont``).
    - Anything no shipped font can draw (rare scripts, lone surrogates, private
      use) becomes REPLACEMENT_CHAR, so the reader sees that something was there;
      an invisible modifier no font has is just dropped.
    """
    cmap = _fonts()[font]
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text).replace("\u2029", "\n\n")
    kept: list[str] = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch == "\n":
            kept.append(ch)
        elif category == "Cc":
            if ch == "\t":
                kept.append(" ")
        elif category == "Zs":
            kept.append(" ")  # any width of space is a plain space to a reader
        elif category != "Cf" or _KEPT_FORMAT.match(ch):
            kept.append(ch)
    # Joined forms are chosen once the controls are gone, so none can break a join.
    text = _ARABIC_RUN.sub(lambda run: _RESHAPER.reshape(run.group()), "".join(kept))
    out: list[str] = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch == "\n" or (ord(ch) in cmap and category not in ("Cs", "Co")):
            out.append(ch)
        elif category not in ("Cf", "Mn", "Me"):
            out.append(REPLACEMENT_CHAR)
    return "".join(out)


def _strip_controls(text: str) -> str:
    """For PDF metadata, which any Unicode can go in but controls should not."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))


def markup(text: str, font: str = FONT_REGULAR) -> str:
    """User text as safe Paragraph markup: cleaned, XML-escaped, line breaks as <br/>."""
    return escape(clean_text(text, font)).replace("\n", "<br/>")


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Shorten one line of canvas text with an ellipsis so it stays inside ``width``."""
    # Few visible glyphs are narrower than 0.1 em (DejaVu's narrowest is 0.166, a
    # few joined Arabic forms come close to 0.1), so little past this can fit;
    # cutting first keeps a 40,000-character name from costing seconds on every page.
    limit = int(width / (0.1 * size)) + 2
    was_cut = len(text) > limit
    text = clean_text(text[:limit], font).replace("\n", " ")
    if not was_cut and pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    low, high = 0, len(text)  # binary search for the longest prefix that fits
    while low < high:
        middle = (low + high + 1) // 2
        if pdfmetrics.stringWidth(text[:middle] + "…", font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low] + "…"


# --------------------------------------------------------------------------- dates


def _local(value: dt.datetime) -> dt.datetime:
    # Naive datetimes are shown as given: guessing their zone would be worse.
    return value.astimezone(UK_TIME) if value.tzinfo is not None else value


def when(value: dt.datetime | None) -> str:
    """``14 March 2024, 09:05`` in UK time; month names fixed so no locale can change them."""
    if value is None:
        return "—"
    value = _local(value)
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}, {value:%H:%M}"


def day(value: dt.date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = _local(value)
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _pdf_date(value: dt.datetime) -> str:
    """A PDF date string (``D:YYYYMMDDHHmmSS+HH'mm'``) for the document info."""
    if value.tzinfo is None or value.utcoffset() is None:
        return f"D:{value:%Y%m%d%H%M%S}"
    value = value.astimezone(dt.UTC)
    return f"D:{value:%Y%m%d%H%M%S}+00'00'"


# --------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class _Styles:
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


def _make_styles() -> _Styles:
    _fonts()
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
    return _Styles(
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
            "fp-cell-small", parent=cell, fontSize=SHA_FONT_SIZE, leading=9.5
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


_styles_cache: list[_Styles] = []


def _styles() -> _Styles:
    if not _styles_cache:
        _styles_cache.append(_make_styles())
    return _styles_cache[0]


# --------------------------------------------------------------------------- page furniture


@dataclass(frozen=True)
class _PageChrome:
    reference: str
    generated: str  # "Generated 14 March 2024, 09:05 for ..."
    pdf_date: str


class _NumberedCanvas(Canvas):
    """Two-pass canvas: pages are held back until the total is known, then stamped.

    "Page X of Y" needs Y before page 1 is written, so ``showPage`` only records
    each page's state and ``save`` replays them with the header and footer.
    Bookmarks are deferred the same way: reportlab binds a bookmark to the page
    it is *writing*, which during the first pass would always be page 1.
    """

    def __init__(self, *args: Any, chrome: _PageChrome, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._chrome = chrome
        self._held_pages: list[dict[str, Any]] = []
        self._pending_bookmarks: list[str] = []
        # invariant mode fixes the date at 2000-01-01; the summary's own time is truer.
        self.setDateFormatter(lambda *_ymdhms: chrome.pdf_date)

    def bookmarkPage(self, key: str, **kwargs: Any) -> None:  # type: ignore[override]
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
        # Header: the protective marking (required on every page) and the case.
        top = PAGE_HEIGHT - 13 * mm
        self.setFillColor(colors.black)
        self.setFont(FONT_BOLD, 9)
        self.drawString(left, top, MARKING)
        marking_width = pdfmetrics.stringWidth(MARKING, FONT_BOLD, 9)
        self.setFont(FONT_REGULAR, 9)
        self.setFillColor(DARK_GREY)
        reference = _fit(
            f"Case {chrome.reference}", FONT_REGULAR, 9, right - left - marking_width - 20
        )
        self.drawRightString(right, top, reference)
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
            left, bottom, _fit(chrome.generated, FONT_REGULAR, 7.5, right - left - page_width - 20)
        )
        self.drawRightString(right, bottom, page_label)
        self.setFont(FONT_BOLD, 7.5)
        self.setFillColor(colors.black)
        self.drawCentredString(PAGE_WIDTH / 2, bottom - 11, MARKING)
        self.restoreState()


class _SummaryDoc(SimpleDocTemplate):
    """Adds a PDF outline entry for every heading that carries one."""

    def afterFlowable(self, flowable: Flowable) -> None:
        outline: tuple[str, str, int] | None = getattr(flowable, "_fp_outline", None)
        if outline is not None:
            title, key, level = outline
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(title, key, level=level, closed=level > 0)


# --------------------------------------------------------------------------- building blocks


def _aligned(style: ParagraphStyle, text: str) -> ParagraphStyle:
    """``style``, or a right-aligned copy of it for text that starts right to left.

    A Hebrew or Arabic paragraph reads from the right margin; each of its lines is
    put in visual order as it is drawn (see ``_FallbackFont``).
    """
    if style.alignment != TA_LEFT or uba.get_base_level(text) == 0:
        return style
    return ParagraphStyle(f"{style.name}-rtl", parent=style, alignment=TA_RIGHT)


class _Builder:
    """Collects flowables for one summary; one instance per render."""

    def __init__(self) -> None:
        self.s = _styles()
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
            paragraph._fp_outline = (
                clean_text(text, FONT_BOLD),
                f"fp-{self._outline_count}",
                min(level, 1),
            )  # type: ignore[attr-defined]
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


# --------------------------------------------------------------------------- images


class _ImageUnavailable(Exception):
    """Why one evidence image cannot be shown; the summary goes on without it."""


def _prepare_image(raw: bytes) -> tuple[bytes, int, int]:
    """Decode an image fully and return bytes reportlab can embed, with pixel size.

    Decoding every pixel here (not only the header) means a truncated or corrupt
    file fails now, where it can be reported, instead of midway through the build.
    Common cases pass the original bytes through untouched (JPEG is embedded as is,
    so the PDF stays small); anything unusual - alpha, palettes, 16-bit, CMYK, EXIF
    rotation - is normalised to plain RGB first so reportlab draws it reliably.
    """
    try:
        from PIL import Image as PILImage
        from PIL import ImageOps
    except ImportError as exc:  # pragma: no cover - reportlab requires Pillow
        raise _ImageUnavailable("no image decoder available") from exc

    with warnings.catch_warnings():
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        try:
            with PILImage.open(io.BytesIO(raw)) as img:
                width, height = img.size
                if width <= 0 or height <= 0:
                    raise _ImageUnavailable("the image has no size")
                if width * height > MAX_IMAGE_PIXELS:
                    raise _ImageUnavailable(
                        f"the image is too large to show ({width}×{height} pixels)"
                    )
                img.load()
                source_format = img.format
                orientation = img.getexif().get(0x0112, 1)
                if orientation == 1 and (
                    (source_format == "JPEG" and img.mode in ("RGB", "L"))
                    or (
                        source_format == "PNG"
                        and img.mode in ("RGB", "L")
                        and "transparency" not in img.info
                    )
                ):
                    return raw, width, height
                normalised = ImageOps.exif_transpose(img) if orientation != 1 else img
                normalised = _flatten_to_rgb(normalised)
                out = io.BytesIO()
                if source_format == "JPEG":
                    normalised.save(out, format="JPEG", quality=92)
                else:
                    normalised.save(out, format="PNG", compress_level=3)
                return out.getvalue(), normalised.size[0], normalised.size[1]
        except _ImageUnavailable:
            raise
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
            raise _ImageUnavailable("the image is too large to show") from exc
        except Exception as exc:  # any decoder failure means "not shown", never a failed summary
            raise _ImageUnavailable("the file is not an image that could be decoded") from exc


def _flatten_to_rgb(img: Any) -> Any:
    """RGB with any transparency composited onto white, as it looked on a light screen."""
    from PIL import Image as PILImage

    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = PILImage.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale down to 8 bits rather than clip everything to white.
        return img.point(lambda v: v / 256).convert("L").convert("RGB")
    return img.convert("RGB")


class _EvidenceImage(Image):
    """An embedded image that can still never stop the summary being produced.

    The bytes were fully decoded beforehand with the same decoder reportlab uses,
    so this fallback should never fire; if it does, the reader sees a note in
    place of the picture instead of HR getting no summary at all.
    """

    def draw(self) -> None:
        try:
            super().draw()
        except Exception:  # noqa: BLE001 - see class docstring
            self.canv.saveState()
            self.canv.setStrokeColor(RULE_GREY)
            self.canv.rect(0, 0, self.drawWidth, self.drawHeight)
            self.canv.setFont(FONT_REGULAR, 9)
            self.canv.drawString(6, self.drawHeight - 14, "This image could not be shown.")
            self.canv.restoreState()


def _image_flowable(raw: bytes, max_width: float, max_height: float) -> Image:
    prepared, width_px, height_px = _prepare_image(raw)
    scale = min(POINTS_PER_PIXEL, max_width / width_px, max_height / height_px)
    try:
        return _EvidenceImage(
            io.BytesIO(prepared), width=width_px * scale, height=height_px * scale
        )
    except Exception as exc:  # reportlab's own reader refused what Pillow accepted
        raise _ImageUnavailable("the image could not be read for the PDF") from exc


# --------------------------------------------------------------------------- sections

SHA_FONT_SIZE = 7.2  # the cell_small style
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
                raise _ImageUnavailable("its bytes do not match the recorded SHA-256")
            picture = _image_flowable(item.image, FRAME_WIDTH, max_height)
        except _ImageUnavailable as exc:
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
    _fonts()
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

    chrome = _PageChrome(
        reference=data.reference,
        generated=f"Generated {when(data.generated_at)} for {data.generated_for}",
        pdf_date=_pdf_date(data.generated_at),
    )
    buffer = io.BytesIO()
    with _binary_streams():
        _build(builder.story, chrome, data, buffer)
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


def _build(
    story: list[Flowable], chrome: _PageChrome, data: SummaryData, buffer: io.BytesIO
) -> None:
    doc = _SummaryDoc(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=_strip_controls(f"Case {data.reference} — {data.variant_label}"),
        author="Flagpost",
        subject=MARKING,
        creator="Flagpost",
        lang="en-GB",
        invariant=1,  # no random document ID or wall-clock date: equal data, equal bytes
    )
    doc.build(story, canvasmaker=partial(_NumberedCanvas, chrome=chrome))
