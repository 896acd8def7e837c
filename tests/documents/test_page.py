"""The page every document is printed on: marking, header, footer and "Page X of Y"."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader
from reportlab.platypus import PageBreak, Paragraph

from documents.page import PageChrome, outline, render_pdf, styles
from documents.text import pdf_date

AT = dt.datetime(2024, 3, 14, 9, 5, tzinfo=dt.UTC)
CHROME = PageChrome(
    marking="OFFICIAL",
    context="Letter L-7",
    generated="Generated 14 March 2024, 09:05 for the panel",
    pdf_date=pdf_date(AT),
)


def _story(pages: int) -> list:
    s = styles()
    story: list = []
    for n in range(pages):
        story.append(outline(Paragraph(f"Part {n + 1}", s.h2), f"Part {n + 1}", f"t-{n}", 0))
        story.append(Paragraph("Some words. " * 40, s.body))
        if n < pages - 1:
            story.append(PageBreak())
    return story


def test_every_page_says_page_x_of_the_total() -> None:
    reader = PdfReader(io.BytesIO(render_pdf(_story(4), chrome=CHROME, title="A letter")))
    assert len(reader.pages) == 4
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of 4" in text
        assert text.count("OFFICIAL") == 2  # top and bottom
        assert "Letter L-7" in text
        assert "Generated 14 March 2024, 09:05 for the panel" in text


def test_a_long_paragraph_that_runs_over_pages_is_numbered_too() -> None:
    story = [Paragraph("A long statement. " * 3000, styles().body)]
    reader = PdfReader(io.BytesIO(render_pdf(story, chrome=CHROME, title="Long")))
    total = len(reader.pages)
    assert total > 2
    assert [f"Page {n} of {total}" in p.extract_text() for n, p in enumerate(reader.pages, 1)] == [
        True
    ] * total


def test_outline_entries_point_at_their_pages_and_metadata_is_the_documents() -> None:
    reader = PdfReader(io.BytesIO(render_pdf(_story(3), chrome=CHROME, title="A\x07 letter")))
    assert [(e.title, reader.get_destination_page_number(e)) for e in reader.outline] == [
        ("Part 1", 0),
        ("Part 2", 1),
        ("Part 3", 2),
    ]
    assert reader.metadata.title == "A letter"  # controls stripped
    assert reader.metadata.subject == "OFFICIAL"
    assert reader.metadata["/CreationDate"] == "D:20240314090500+00'00'"


def test_equal_content_gives_equal_bytes() -> None:
    assert render_pdf(_story(2), chrome=CHROME, title="x") == render_pdf(
        _story(2), chrome=CHROME, title="x"
    )
