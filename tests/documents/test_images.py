"""One check for every picture, at intake and before it goes into a PDF."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from documents.images import ImageRefused, image_decode, image_for_pdf, pdf_image
from summaries.render import summary_render
from tests.summaries import evidence_file, make_summary, png_claiming, screenshot_png


def test_a_file_that_is_not_a_picture_is_refused() -> None:
    with pytest.raises(ImageRefused, match="not an image that could be decoded") as refused:
        image_for_pdf(b"%PDF-1.4 this is not a picture")
    assert refused.value.reason == "unreadable"


def test_a_truncated_picture_is_refused_before_it_reaches_the_pdf() -> None:
    good = screenshot_png(120, 80)
    with pytest.raises(ImageRefused) as refused:
        image_for_pdf(good[: len(good) // 2])
    assert refused.value.reason == "unreadable"


def test_a_picture_of_too_many_pixels_is_refused_with_its_size() -> None:
    # 48 million pixels: over the PDF's limit, under the size Pillow itself worries about.
    with pytest.raises(ImageRefused, match=r"too large to show \(8000×6000 pixels\)") as refused:
        image_for_pdf(png_claiming(8000, 6000))
    assert (refused.value.reason, refused.value.size) == ("pixels", (8000, 6000))


def test_a_decompression_bomb_is_refused_without_being_decoded() -> None:
    bomb = png_claiming(100_000, 100_000)  # 10 billion pixels in a few dozen bytes
    assert len(bomb) < 200
    with pytest.raises(ImageRefused, match="too large to show") as refused:
        image_for_pdf(bomb)
    assert refused.value.reason == "bomb"


def test_intake_limits_on_a_side_are_checked_from_the_header() -> None:
    with pytest.raises(ImageRefused) as refused:
        image_decode(io.BytesIO(png_claiming(20_000, 10)), max_pixels=10**9, max_side=16_384)
    assert (refused.value.reason, refused.value.size) == ("pixels", (20_000, 10))
    assert image_decode(io.BytesIO(screenshot_png(40, 30)), max_side=16_384).size == (40, 30)


def test_a_picture_is_drawn_no_larger_than_the_room_given() -> None:
    picture = pdf_image(screenshot_png(2000, 1000), max_width=300, max_height=400)
    assert (picture.drawWidth, picture.drawHeight) == (300, 150)
    small = pdf_image(screenshot_png(96, 48), max_width=300, max_height=400)
    assert (small.drawWidth, small.drawHeight) == (72, 36)  # screen size, at 96 dpi


def test_the_pdf_still_renders_with_a_note_in_place_of_each_refused_picture() -> None:
    files = (
        evidence_file("not-a-picture.png", b"plain text, not a picture"),
        evidence_file("huge.png", png_claiming(8000, 6000)),
        evidence_file("bomb.png", png_claiming(100_000, 100_000)),
        evidence_file("fine.png", screenshot_png(120, 80)),
    )
    reader = PdfReader(io.BytesIO(summary_render(make_summary(files=files))))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert (
        "not-a-picture.png: could not be shown: the file is not an image that could be decoded."
        in text
    )
    assert re.search(
        r"huge\.png: could not be shown: the image is too large to show \(8000×6000 pixels\)", text
    )
    assert "bomb.png: could not be shown: the image is too large to show." in text
    assert "fine.png: could not be shown" not in text
