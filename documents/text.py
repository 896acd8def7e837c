"""User text made safe and drawable, and dates as the documents print them.

Everything that came from a person goes through ``clean_text`` and is
XML-escaped (``markup``) before it reaches reportlab, because platypus
Paragraphs parse their text as markup: an unescaped ``<font color=red>`` or
``<a href=...>`` would restyle the document or plant a live link in it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from arabic_reshaper import ArabicReshaper
from arabic_reshaper.ligatures import (  # type: ignore[import-untyped]  # ships no types
    LIGATURES as ARABIC_LIGATURES,
)
from arabic_reshaper.reshaper_config import (  # type: ignore[import-untyped]  # ships no types
    default_config as reshaper_defaults,
)
from reportlab.pdfbase import pdfmetrics

from documents.fonts import FONT_REGULAR, KEPT_FORMAT, register_fonts

REPLACEMENT_CHAR = "□"  # shown for any character none of the shipped fonts can draw


# Times are shown in UK local time: the people reading these documents are NHS
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
      (``KEPT_FORMAT``): bidi embeddings, overrides and isolates could make the
      printed text read differently from its data, and the rest are invisible.
    - Arabic letters are replaced by their joined forms (initial, medial, final),
      which reportlab can't choose itself. The text stays in logical order: it is
      put in visual order line by line as it is drawn (``documents.fonts``).
    - Anything no shipped font can draw (rare scripts, lone surrogates, private
      use) becomes REPLACEMENT_CHAR, so the reader sees that something was there;
      an invisible modifier no font has is just dropped.
    """
    cmap = register_fonts()[font]
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
        elif category != "Cf" or KEPT_FORMAT.match(ch):
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


def strip_controls(text: str) -> str:
    """For PDF metadata, which any Unicode can go in but controls should not."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))


def markup(text: str, font: str = FONT_REGULAR) -> str:
    """User text as safe Paragraph markup: cleaned, XML-escaped, line breaks as <br/>."""
    return escape(clean_text(text, font)).replace("\n", "<br/>")


def fit(text: str, font: str, size: float, width: float) -> str:
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
    """``14 March 2024, 09:05 GMT`` in UK time; month names fixed so no locale can change them.

    The zone (GMT or BST, as ``kit.clock`` shows it on pages and in emails) tells apart the
    two 01:30s of the night the clocks go back. A naive value has no zone to show.
    """
    if value is None:
        return "—"
    value = _local(value)
    zone = f" {value.tzname()}" if value.tzinfo is not None else ""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}, {value:%H:%M}{zone}"


def day(value: dt.date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = _local(value)
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def pdf_date(value: dt.datetime) -> str:
    """A PDF date string (``D:YYYYMMDDHHmmSS+HH'mm'``) for the document info."""
    if value.tzinfo is None or value.utcoffset() is None:
        return f"D:{value:%Y%m%d%H%M%S}"
    value = value.astimezone(dt.UTC)
    return f"D:{value:%Y%m%d%H%M%S}+00'00'"
