"""The case summary PDF: what a reader sees, that hostile or huge input can't break it,
and that its fingerprint pins down its content.

Everything here builds ``SummaryData`` directly; no database is touched. Text is
read back with pypdf, which is how a reviewer's tools would see it too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import re
from typing import Any

import pytest
from pypdf import PdfReader

from documents.text import REPLACEMENT_CHAR
from summaries.data import (
    DeadlineItem,
    EventItem,
    EvidenceFileItem,
    EvidenceLinkItem,
    FindingItem,
    Person,
    PrincipleItem,
    SummaryData,
    Variant,
)
from summaries.fingerprint import summary_fingerprint
from summaries.render import MARKING, summary_render
from tests.summaries import (
    OPENED,
    events,
    evidence_file,
    make_summary,
    png_claiming,
    screenshot_jpeg,
    screenshot_png,
)

SECTION_HEADINGS = (
    "Case at a glance",
    "Reports",
    "People",
    "Alleged principles",
    "Evidence",
    "Timeline",
    "Triage summary",
    "Investigation",
    "Outcome",
    "Manifest",
)


def read(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


def all_text(pdf: bytes) -> str:
    return "\n".join(read(pdf)[1])


def manifest_text(pdf: bytes) -> str:
    text = all_text(pdf)
    return text[text.rindex("Manifest") :]


def with_report(data: SummaryData, **changes: Any) -> SummaryData:
    return dataclasses.replace(data, reports=(dataclasses.replace(data.reports[0], **changes),))


def image_xobject_count(reader: PdfReader) -> int:
    """Distinct embedded images, across all pages."""
    seen: set[int] = set()
    for page in reader.pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        for ref in xobjects.values():
            if ref.get_object().get("/Subtype") == "/Image":
                seen.add(ref.idnum)
    return len(seen)


# --------------------------------------------------------------------------- layout


def test_every_page_has_the_marking_the_reference_and_page_x_of_y() -> None:
    data = make_summary(events_count=80)
    _reader, pages = read(summary_render(data))
    total = len(pages)
    assert total >= 4
    for number, text in enumerate(pages, start=1):
        assert MARKING in text, f"page {number} lacks the marking"
        assert "Case FP-2024-0042" in text, f"page {number} lacks the reference"
        assert f"Page {number} of {total}" in text
        assert (
            "Generated 2 April 2024, 15:30 BST for Hana Lead (HR lead)" in text
        )  # UTC 14:30 is BST 15:30


def test_every_section_heading_is_present_in_order() -> None:
    text = all_text(summary_render(make_summary()))
    position = 0
    for heading in SECTION_HEADINGS:  # each one found after the one before it
        position = text.index(f"\n{heading}\n", position) + 1


def test_title_block_and_metadata() -> None:
    pdf = summary_render(
        make_summary(variant=Variant.MANAGER, variant_label=Variant.LABELS[Variant.MANAGER])
    )
    reader, pages = read(pdf)
    assert reader.metadata.title == "Case FP-2024-0042 — Line manager's summary"
    assert reader.metadata.author == "Flagpost"
    assert "Line manager's summary" in pages[0]
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.1)  # A4
    # The creation date is the summary's own time, not the wall clock.
    assert reader.metadata["/CreationDate"].startswith("D:20240402143000")


def test_outline_entries_point_at_the_pages_their_headings_are_on() -> None:
    # Bookmarks are deferred with the pages by the numbered canvas; a regression
    # would point every entry at page 1.
    reader, pages = read(summary_render(make_summary(events_count=150)))
    outline = {
        entry.title: reader.get_destination_page_number(entry)
        for entry in reader.outline
        if not isinstance(entry, list)
    }
    assert set(SECTION_HEADINGS) <= set(outline)
    for heading in ("Timeline", "Manifest"):
        assert re.search(rf"(^|\n){heading}\n", pages[outline[heading]])
    assert outline["Manifest"] > outline["Timeline"] > 0


def test_rendering_is_deterministic() -> None:
    assert summary_render(make_summary()) == summary_render(make_summary())


def test_sections_without_content_are_left_out() -> None:
    data = make_summary(
        state="Line manager review",  # not "Investigation", which would read as the heading
        triage_summary="",
        terms_of_reference="",
        evidence_summary="",
        interview_records="",
        recommendation="",
        findings=(),
        outcome="",
        outcome_rationale="",
        appeal_deadline=None,
        informal_action="",
    )
    text = all_text(summary_render(data))
    for heading in ("Triage summary", "Investigation", "Outcome"):
        assert f"\n{heading}\n" not in text
    for heading in (
        "Case at a glance",
        "Reports",
        "People",
        "Alleged principles",
        "Evidence",
        "Timeline",
        "Manifest",
    ):
        assert f"\n{heading}\n" in text


def test_informal_resolution_is_shown_as_the_outcome() -> None:
    data = make_summary(
        outcome="",
        outcome_rationale="",
        appeal_deadline=None,
        informal_action="Agreed with the employee: social media refresher training.",
    )
    text = all_text(summary_render(data))
    assert "\nOutcome\n" in text
    assert "Informal resolution" in text
    assert "social media refresher training" in text


def test_case_details_deadlines_and_findings_are_shown() -> None:
    text = all_text(summary_render(make_summary()))
    for expected in (
        "Investigation",
        "Social Media Policy, version 7 (in force from 30 June 2019)",
        "Welfare concern",
        "Triage within 72 hours",
        "Met late",
        "Not closed",
        "§5 Respect patient confidentiality",
        "Disciplinary Policy v3",
        "Not upheld",
        "First written warning",
        "16 April 2024",
        "Rita Reporter",
    ):
        assert expected in text


# --------------------------------------------------------------------------- hostile and unusual text


def test_user_markup_appears_literally() -> None:
    hostile = (
        '<font color=red>RED</font> <a href="javascript:alert(1)">click</a> '
        "<b>bold</b> &amp; &lt; <br/> <![CDATA[x]]> <para>"
    )
    data = with_report(
        make_summary(),
        description=hostile,
        reporter="<i>Eve</i>",
        links=("javascript:alert(document.cookie)",),
    )
    data = dataclasses.replace(
        data, reference="FP-<b>1</b>", people=(Person("<u>Role</u>", "<img src=x>"),)
    )
    pdf = summary_render(data)
    text = " ".join(all_text(pdf).split())
    assert hostile in text
    for literal in (
        "<i>Eve</i>",
        "javascript:alert(document.cookie)",
        "Case FP-<b>1</b>",
        "<u>Role</u>",
        "<img src=x>",
    ):
        assert literal in text
    # Nothing became a live link or script.
    assert b"/URI" not in pdf and b"/JavaScript" not in pdf and b"/Annots" not in pdf


def test_line_breaks_are_kept() -> None:
    text = all_text(
        summary_render(with_report(make_summary(), description="first line\nsecond line\r\nthird"))
    )
    assert re.search(r"first line\nsecond line\nthird", text)


def test_unicode_renders_and_extracts(caplog: pytest.LogCaptureFixture) -> None:
    name = "Zoë Ünal — Ελληνικά Кириллица עברית"
    data = dataclasses.replace(
        with_report(make_summary(), description=f"Posted by {name}.", reporter=name),
        people=(Person("Person who posted", name),),
        generated_for=name,
    )
    with caplog.at_level(logging.WARNING, logger="pypdf"):
        _reader, pages = read(summary_render(data))
    text = "\n".join(pages)
    for part in ("Zoë Ünal — Ελληνικά Кириллица", "Generated 2 April 2024, 15:30 BST for Zoë Ünal"):
        assert part in text
    # Drawn right to left; pypdf reverses right-to-left runs as it extracts.
    assert "עברית" in text
    assert REPLACEMENT_CHAR not in text
    assert not caplog.records, "pypdf found something malformed"


def test_characters_no_shipped_font_has_are_replaced_not_fatal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Cuneiform is in no shipped font; U+E000 is private use, which no font can promise.
    awkward = "Great shift \U00012000\ue000 end"
    data = dataclasses.replace(
        with_report(make_summary(), description=awkward, platform="TikTok \U00012000"),
        reference="FP-\U00012000",
        people=(Person("Person who posted", "\U00012000"),),
        generated_for="\ue000",
        timeline=(EventItem(OPENED, "\U00012000", "\ue000", awkward),),
    )
    with caplog.at_level(logging.WARNING, logger="pypdf"):
        text = all_text(summary_render(data))
    assert f"Great shift {REPLACEMENT_CHAR}{REPLACEMENT_CHAR} end" in text
    assert "\U00012000" not in text and "\ue000" not in text
    assert not caplog.records


def test_control_characters_are_stripped() -> None:
    data = with_report(
        make_summary(),
        description="bell\x07 nul\x00 esc\x1b[31m rlo\u202egnp.exe zw\u200bsp tab\tend",
    )
    text = all_text(summary_render(data))
    assert "bell nul esc[31m rlognp.exe zwsp tab end" in text
    for ch in "\x07\x00\x1b\u202e\u200b":
        assert ch not in text


# --------------------------------------------------------------------------- size


def test_very_long_text_breaks_across_pages() -> None:
    description = ("A description sentence that goes on. " * 540)[:20_000] + " END-OF-DESCRIPTION"
    rationale = " ".join(f"word{i}" for i in range(5_000)) + " END-OF-RATIONALE"
    data = with_report(make_summary(outcome_rationale=rationale), description=description)
    _reader, pages = read(summary_render(data))
    assert len(pages) > 12
    text = "\n".join(pages)
    assert "END-OF-DESCRIPTION" in text and "END-OF-RATIONALE" in text


def test_huge_unbroken_strings_in_every_kind_of_field_do_not_break_the_layout() -> None:
    # Table rows can only split between rows, so a cell taller than a page would raise
    # LayoutError unless the renderer cuts it over continuation rows.
    blob = "x" * 12_000  # several pages' worth even in the widest column
    words = "word " * 3_000
    base = make_summary()
    data = dataclasses.replace(
        with_report(
            base,
            description=blob,
            reporter=blob,
            platform=words,
            links=("https://example.org/" + blob,),
        ),
        reference="R" * 500,
        generated_for=words,
        state=words,
        policy_versions=(words,) * 3,
        flags=tuple(f"flag {i}" for i in range(400)),
        deadlines=(DeadlineItem(words, OPENED, blob),),
        people=(Person(blob, words),),
        principles=(PrincipleItem(blob, words, blob, words),),
        links=(EvidenceLinkItem("https://example.org/" + blob, blob, words, OPENED),),
        files=(evidence_file("n" * 5_000 + ".png", screenshot_png(60, 40)),),
        timeline=(EventItem(OPENED, blob, words, blob + " " + words),) + events(3),
        findings=(FindingItem(blob, True),),
        outcome=words,
    )
    _reader, pages = read(summary_render(data))
    assert len(pages) > 20
    assert "Page 1 of" in pages[0] and MARKING in pages[-1]


def test_large_case_500_events_and_20_screenshots() -> None:
    files = tuple(
        evidence_file(f"screenshot-{i:02}.png", screenshot_png(seed=i))
        if i % 2 == 0
        else evidence_file(f"photo-{i:02}.jpg", screenshot_jpeg(seed=i), content_type="image/jpeg")
        for i in range(20)
    )
    data = make_summary(events_count=500, files=files)
    pdf = summary_render(data)
    reader, pages = read(pdf)
    assert len(pages) >= 45
    text = "\n".join(pages)
    assert "(event 1)" in text and "(event 500)" in text
    assert image_xobject_count(reader) == 20
    assert "could not be shown" not in text
    # The timeline's header row is repeated on every page the table runs over.
    timeline_pages = [p for p in pages if "(event " in p]
    assert len(timeline_pages) > 15
    for page in timeline_pages:
        assert re.search(r"When\s+Who\s+What\s+Note", page)
    for page_number, page in enumerate(pages, start=1):
        assert f"Page {page_number} of {len(pages)}" in page


def test_images_are_scaled_to_fit_the_page() -> None:
    wide = screenshot_png(3000, 200, seed=1)
    tall = screenshot_png(200, 4000, seed=2)
    tiny = screenshot_png(40, 30, seed=3)
    data = make_summary(
        files=(
            evidence_file("wide.png", wide),
            evidence_file("tall.png", tall),
            evidence_file("tiny.png", tiny),
        )
    )
    reader, _pages = read(summary_render(data))
    for page in reader.pages:
        # Every image is drawn with a "w 0 0 h x y cm" matrix; none may exceed the page.
        content = page.get_contents().get_data().decode("latin-1")
        for w, h in re.findall(r"q\s+([\d.]+) 0 0 ([\d.]+) [\d.-]+ [\d.-]+ cm\s+/\S+ Do", content):
            assert float(w) <= 595 - 2 * 51 + 1
            assert float(h) <= 842 - 2 * 68 + 1
    assert image_xobject_count(reader) == 3


# --------------------------------------------------------------------------- awkward files


def test_files_that_are_not_decodable_images_are_listed_without_a_crash() -> None:
    good = screenshot_png(120, 80)
    files = (
        evidence_file("garbage.png", b"this is not an image at all"),
        evidence_file("truncated.png", good[: len(good) // 2]),
        evidence_file("bomb.png", png_claiming(100_000, 100_000)),
        evidence_file("empty.jpg", b"", content_type="image/jpeg"),
        evidence_file(
            "statement.pdf", b"%PDF-1.4 fake", content_type="application/pdf", embed=False
        ),
        evidence_file("good.png", good),
    )
    pdf = summary_render(make_summary(files=files))
    reader, pages = read(pdf)
    text = " ".join("\n".join(pages).split())
    for name in ("garbage.png", "truncated.png", "bomb.png", "empty.jpg"):
        assert re.search(re.escape(name) + r": could not be shown", text), name
    assert "statement.pdf: not shown here (application/pdf)" in text
    assert image_xobject_count(reader) == 1
    manifest = manifest_text(pdf)
    for item in files:
        assert item.sha256 in manifest


def test_an_image_whose_bytes_do_not_match_its_sha256_is_not_shown() -> None:
    real = evidence_file("swapped.png", screenshot_png(100, 100, seed=1))
    swapped = dataclasses.replace(real, image=screenshot_png(100, 100, seed=2))
    reader, pages = read(summary_render(make_summary(files=(swapped,))))
    assert "do not match the recorded SHA-256" in " ".join("\n".join(pages).split())
    assert image_xobject_count(reader) == 0


def test_unusual_image_modes_are_embedded() -> None:
    from PIL import Image

    def encoded(img: Image.Image, fmt: str, **kwargs: Any) -> bytes:
        out = io.BytesIO()
        img.save(out, format=fmt, **kwargs)
        return out.getvalue()

    # Each picture a different colour: reportlab stores identical pixels only once.
    rgba = Image.new("RGBA", (64, 48), (255, 0, 0, 128))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° on display, as phone cameras write it
    files = (
        evidence_file("alpha.png", encoded(rgba, "PNG")),
        evidence_file(
            "palette.png", encoded(Image.new("RGBA", (64, 48), (0, 200, 0, 60)).convert("P"), "PNG")
        ),
        evidence_file("grey16.png", encoded(Image.new("I;16", (64, 48), 30_000), "PNG")),
        evidence_file(
            "cmyk.jpg",
            encoded(Image.new("CMYK", (64, 48), (0, 255, 0, 0)), "JPEG"),
            content_type="image/jpeg",
        ),
        evidence_file(
            "rotated.jpg",
            encoded(Image.new("RGB", (64, 32), "blue"), "JPEG", exif=exif),
            content_type="image/jpeg",
        ),
        evidence_file(
            "palette.gif", encoded(Image.new("P", (20, 20), 7), "GIF"), content_type="image/gif"
        ),
    )
    reader, pages = read(summary_render(make_summary(files=files)))
    assert "could not be shown" not in "\n".join(pages)
    assert image_xobject_count(reader) == len(files)


# --------------------------------------------------------------------------- manifest and fingerprint


def test_manifest_lists_every_file_sha256_and_the_fingerprint() -> None:
    files = tuple(evidence_file(f"shot-{i}.png", screenshot_png(50, 50, seed=i)) for i in range(5))
    data = make_summary(files=files)
    pdf = summary_render(data)
    manifest = manifest_text(pdf)
    for item in files:
        assert item.sha256 in manifest
    fingerprint = summary_fingerprint(data)
    assert fingerprint in manifest
    flat = " ".join(manifest.split())
    assert "Verify page" in flat
    assert f"python manage.py verify_summary {fingerprint}" in flat


def test_fingerprint_is_a_sha256_and_stable_for_equal_data() -> None:
    first, second = make_summary(), make_summary()
    assert first is not second and first == second
    assert summary_fingerprint(first) == summary_fingerprint(second)
    assert re.fullmatch(r"[0-9a-f]{64}", summary_fingerprint(first))


def test_fingerprint_ignores_image_bytes_but_not_their_sha256() -> None:
    data = make_summary()
    item = data.files[0]
    same_hash_no_bytes = dataclasses.replace(data, files=(dataclasses.replace(item, image=None),))
    assert summary_fingerprint(same_hash_no_bytes) == summary_fingerprint(data)
    other_hash = dataclasses.replace(data, files=(dataclasses.replace(item, sha256="0" * 64),))
    assert summary_fingerprint(other_hash) != summary_fingerprint(data)


def test_fingerprint_treats_one_instant_in_two_time_zones_as_equal() -> None:
    data = make_summary()
    london = dt.timezone(dt.timedelta(hours=1))
    moved = dataclasses.replace(data, generated_at=data.generated_at.astimezone(london))
    assert summary_fingerprint(moved) == summary_fingerprint(data)


def _changed(value: Any) -> Any:
    """A different value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, dt.datetime):
        return value + dt.timedelta(seconds=1)
    if isinstance(value, dt.date):
        return value + dt.timedelta(days=1)
    raise TypeError(type(value))


def _variants(value: Any, path: str) -> list[tuple[str, Any]]:
    """Every single-field change of ``value``, recursively, as (path, changed value)."""
    if dataclasses.is_dataclass(value):
        out = []
        for f in dataclasses.fields(value):
            if isinstance(value, EvidenceFileItem) and f.name == "image":
                continue  # covered by sha256, deliberately
            for sub_path, sub_value in _variants(getattr(value, f.name), f"{path}.{f.name}"):
                out.append((sub_path, dataclasses.replace(value, **{f.name: sub_value})))
        return out
    if isinstance(value, tuple):
        out = [
            (f"{path}[+]", value + value[:1] if value else ("extra",)),
            (f"{path}[-]", value[1:]),
        ]
        if len(value) > 1:
            out.append((f"{path}[swap]", (value[1], value[0]) + value[2:]))
        if value:
            out += [(p, (v,) + value[1:]) for p, v in _variants(value[0], f"{path}[0]")]
        return [(p, v) for p, v in out if v != value]
    if value is None:
        return [(path, "set")]
    return [(path, _changed(value))]


def test_fingerprint_changes_when_any_field_changes() -> None:
    data = make_summary(
        closed_at=OPENED + dt.timedelta(days=30), informal_action="Training agreed."
    )
    original = summary_fingerprint(data)
    variants = _variants(data, "summary")
    assert len(variants) > 80  # every field of every item type is reached
    for path, changed in variants:
        fingerprint = summary_fingerprint(changed)
        assert fingerprint != original, f"changing {path} did not change the fingerprint"
    assert summary_fingerprint(dataclasses.replace(data, closed_at=None)) != original
    assert summary_fingerprint(with_report(data, posted_at=None)) != original
    assert summary_fingerprint(dataclasses.replace(data, appeal_deadline=None)) != original
