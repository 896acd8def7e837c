"""The fonts every Flagpost PDF is drawn in, registered with reportlab once per process.

Each face is a chain of the fonts shipped in ``documents/fonts``: a character
is drawn by the first font in the chain that has it (see
``scripts/build_fonts.py`` for what each subset holds).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from bidi import algorithm as uba
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_REGULAR = "FlagpostSans"
FONT_BOLD = "FlagpostSans-Bold"

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
KEPT_FORMAT = re.compile("[\u200c\u200d\U000e0020-\U000e007f]")
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
    uba.get_embedding_levels(KEPT_FORMAT.sub(_JOINER_STAND_IN, text), storage)
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
    """One font file from documents/fonts, with a correct ToUnicode map beyond U+FFFF."""

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
        self.state: WeakKeyDictionary[Any, Any] = WeakKeyDictionary()
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

    def getSubsetInternalName(self, subset: tuple[int, int], doc: Any) -> str:
        k, n = subset
        return self.chain[k].getSubsetInternalName(n, doc)

    def addObjects(self, doc: Any) -> None:
        """Nothing to write: each font in the chain writes its own subsets."""


_font_lock = threading.Lock()
_font_cmaps: dict[str, frozenset[int]] = {}


def register_fonts() -> dict[str, frozenset[int]]:
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
