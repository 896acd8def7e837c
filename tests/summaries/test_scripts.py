"""Staff and patients write in many scripts: the PDFs print them and give them back.

Each test puts text in a summary (or the committee pack), reads the PDF back with
pypdf and checks the characters return: Chinese, Japanese and Korean from the
Noto CJK fonts, emoji from Noto Emoji with their joiners and skin tones, Hebrew
and Arabic right to left with Arabic letters joined. pypdf reverses right-to-left
runs as it extracts (it expects them drawn in visual order, as a PDF viewer shows
them), so Hebrew comes back in reading order only if it was drawn right to left.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import re
import unicodedata

import pytest
from pypdf import PdfReader

from documents.text import REPLACEMENT_CHAR
from governance.figures import Figures, Filters, Period, Table
from governance.pack import committee_pack_render
from summaries.data import EventItem, Person, SummaryData
from summaries.render import summary_render
from tests.summaries import OPENED, make_summary

CHINESE = "护士在社交媒体上发布了照片"
JAPANESE = "ひらがなとカタカナの文章"
KOREAN = "간호사가 사진을 올렸습니다"
HEBREW = "שלום עולם"
ARABIC = "مرحبا بالعالم"
GRINNING = "😀"
THUMBS_UP_MEDIUM = "👍🏽"  # thumbs up + skin tone modifier
FAMILY = "👨\u200d👩\u200d👧"  # man, woman, girl joined by zero-width joiners


def _read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _font_names(reader: PdfReader) -> set[str]:
    """The embedded fonts' names without their subset prefix (``AAAAAA+``)."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def _with_text(text: str, **changes: object) -> SummaryData:
    base = make_summary()
    report = dataclasses.replace(base.reports[0], description=text, reporter=text)
    return dataclasses.replace(
        base,
        reports=(report,),
        people=(Person("Person who posted", text),),
        timeline=(EventItem(OPENED, text, "Note added", text),),
        **changes,
    )


def test_chinese_japanese_and_korean_print_and_extract(caplog: pytest.LogCaptureFixture) -> None:
    text = f"{CHINESE}。{JAPANESE}。{KOREAN}."
    data = _with_text(text, reference="FP-护士-1", generated_for="陈静")
    with caplog.at_level(logging.WARNING, logger="pypdf"):
        reader, extracted = _read(summary_render(data))
    for part in (CHINESE, JAPANESE, KOREAN):
        assert part in extracted
    # The page header (drawn on the canvas, not in a Paragraph) has them too.
    assert extracted.count("Case FP-护士-1") == len(reader.pages) + 1
    assert "Generated 2 April 2024, 15:30 BST for 陈静" in extracted
    assert REPLACEMENT_CHAR not in extracted
    assert {"NotoSansSC-Regular", "NotoSansKR-Regular"} <= _font_names(reader)
    assert not caplog.records, "pypdf found something malformed"


def test_emoji_print_with_their_joiners_and_skin_tones(caplog: pytest.LogCaptureFixture) -> None:
    text = f"Great shift {GRINNING} {THUMBS_UP_MEDIUM} {FAMILY} 🇬🇧 end"
    data = _with_text(text, reference=f"FP-{GRINNING}")
    with caplog.at_level(logging.WARNING, logger="pypdf"):
        reader, extracted = _read(summary_render(data))
    assert text in extracted  # description, reporter, people and timeline alike
    assert extracted.count(FAMILY) >= 4
    assert f"Case FP-{GRINNING}" in extracted
    assert REPLACEMENT_CHAR not in extracted
    # Emoji are beyond U+FFFF: a malformed ToUnicode map would make pypdf complain here.
    assert not caplog.records, "pypdf found something malformed"
    assert "NotoEmoji-Regular" in _font_names(reader)


def test_hebrew_and_arabic_are_drawn_right_to_left_and_arabic_is_joined() -> None:
    data = _with_text(f"{HEBREW}\n\n{ARABIC}\n\nHebrew in a sentence: {HEBREW} (2024).")
    _reader, extracted = _read(summary_render(data))
    assert HEBREW in extracted
    # (pypdf's reversal takes neutral characters at the end of the run with it, so the
    # bracket and full stop after the Hebrew don't come back where they are printed.)
    assert f"Hebrew in a sentence: {HEBREW}" in extracted
    # Joined letters are printed as Arabic presentation forms (initial, medial, final);
    # compatibility normalisation turns them back into the letters that were typed.
    assert re.search("[\ufe70-\ufefc]{4}", extracted)
    assert ARABIC in unicodedata.normalize("NFKC", extracted)
    assert REPLACEMENT_CHAR not in extracted


def test_a_long_hebrew_paragraph_wraps_in_reading_order() -> None:
    words = ["אחד", "שתיים", "שלוש", "ארבע", "חמש", "שש", "שבע", "שמונה", "תשע", "עשר"]
    # 80 distinct words, several lines' worth: the tenth to nineteenth have a "!", and so on.
    paragraph = " ".join(f"{w}{'!' * (i // 10)}" for i, w in enumerate(words * 8))
    _reader, extracted = _read(summary_render(_with_text(paragraph)))
    # Lines wrap in logical order and each is then reversed, so joining the lines back
    # gives the paragraph; reversing the whole paragraph before wrapping would not.
    assert paragraph in " ".join(extracted.split())


def test_user_text_in_any_script_is_never_markup() -> None:
    hostile = (
        f'<font name="Helvetica" color="red">{CHINESE}</font> <b>{KOREAN}</b> &amp; {GRINNING}'
    )
    _reader, extracted = _read(summary_render(_with_text(hostile)))
    assert hostile in " ".join(extracted.split())  # however the lines wrapped


def test_a_table_cell_full_of_emoji_is_cut_over_rows_not_lost() -> None:
    note = GRINNING * 3_000
    data = dataclasses.replace(make_summary(), timeline=(EventItem(OPENED, "Rita", "Note", note),))
    _reader, extracted = _read(summary_render(data))
    assert extracted.count(GRINNING) == 3_000


# --------------------------------------------------------------------------- the pack


def test_committee_pack_prints_names_in_any_script() -> None:
    directorates = ("护理部", "간호부", HEBREW, ARABIC, f"Estates {THUMBS_UP_MEDIUM}")
    figures = Figures(
        filters=Filters(dt.date(2023, 4, 1), dt.date(2024, 3, 31), Period.MONTH),
        generated_at=dt.datetime(2024, 4, 8, 9, 5, tzinfo=dt.UTC),
        tables=(
            Table(
                "by_directorate",
                "Cases by directorate",
                ("Directorate", "Cases"),
                tuple((name, 10 + i) for i, name in enumerate(directorates)),
                chart="bar",
            ),
            Table(
                "policies_expired",
                "Policies past their expiry date",
                ("Policy", "Version", "Expired on", "Working days past expiry"),
                ((f"社交媒体政策 {GRINNING}", "v2.0", "1 March 2024", 5),),
            ),
        ),
    )
    reader, extracted = _read(committee_pack_render(figures, prepared_for="质量与安全委员会"))
    for name in (
        "护理部",
        "간호부",
        HEBREW,
        f"Estates {THUMBS_UP_MEDIUM}",
        f"社交媒体政策 {GRINNING}",
    ):
        # Twice at least: the chart's label and the table's cell.
        assert extracted.count(name) >= (2 if name in directorates else 1), name
    assert unicodedata.normalize("NFKC", extracted).count(ARABIC) >= 2
    assert "Prepared for: 质量与安全委员会" in extracted
    assert REPLACEMENT_CHAR not in extracted
    assert {"NotoSansSC-Regular", "NotoSansKR-Regular", "NotoEmoji-Regular"} <= _font_names(reader)
