"""Builders for summary tests and the summary benchmark: plain data, no database.

``scripts/bench_summaries.py`` imports these too, so nothing here may import
Django.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import random
import struct
import zlib
from typing import Any

from summaries.data import (
    DeadlineItem,
    EventItem,
    EvidenceFileItem,
    EvidenceLinkItem,
    FindingItem,
    Person,
    PrincipleItem,
    ReportItem,
    SummaryData,
    Variant,
)

UTC = dt.UTC
OPENED = dt.datetime(2024, 3, 11, 9, 15, tzinfo=UTC)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def _screenshot_rows(width: int, height: int, seed: int) -> list[bytes]:
    """RGB rows that look (to a compressor) like a phone screenshot: bands of "text" on white.

    Text bands are random dark speckles so the file doesn't compress to nothing; the
    gaps between them are plain white, like the space between lines of a post.
    """
    rng = random.Random(seed)
    # A byte below 40 becomes ink (~16% of channel samples), anything else paper.
    ink = bytes(0x30 if i < 40 else 0xF7 for i in range(256))
    white = b"\xff" * (width * 3)
    header = bytes((0x00, 0x5E, 0xB8)) * width  # a blue app bar
    rows = []
    for y in range(height):
        if y < height // 14:
            rows.append(header)
        elif (y // 12) % 2 == 0:
            rows.append(rng.randbytes(width * 3).translate(ink))
        else:
            rows.append(white)
    return rows


def screenshot_png(width: int = 790, height: int = 1400, seed: int = 0) -> bytes:
    """A real, decodable RGB PNG written with zlib and struct only (~200 KB at the default size)."""
    raw = b"".join(b"\x00" + row for row in _screenshot_rows(width, height, seed))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(raw, 6))
        + _png_chunk(b"IEND", b"")
    )


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb, if large)."""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def screenshot_jpeg(width: int = 790, height: int = 1400, seed: int = 0) -> bytes:
    """The same picture as a JPEG. Pillow is always there: reportlab depends on it."""
    from PIL import Image

    img = Image.frombytes("RGB", (width, height), b"".join(_screenshot_rows(width, height, seed)))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=80)
    return out.getvalue()


def evidence_file(
    name: str,
    content: bytes,
    *,
    report: str = "R-1",
    content_type: str = "image/png",
    at: dt.datetime | None = None,
    embed: bool = True,
) -> EvidenceFileItem:
    """A file item whose sha256 and size really are those of ``content``."""
    return EvidenceFileItem(
        name=name,
        report_reference=report,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        added_by="Rita Reporter",
        added_at=at or OPENED + dt.timedelta(minutes=5),
        image=content if embed else None,
    )


def events(count: int, *, start: dt.datetime = OPENED) -> tuple[EventItem, ...]:
    kinds = (
        ("State changed: Submitted → In triage", "Automatic on submission."),
        ("Flag raised: Welfare concern", "Reporter says the person who posted seemed distressed."),
        ("Evidence added: screenshot", ""),
        (
            "State changed: In triage → Line manager review",
            "Triage found a possible breach of §5 (confidentiality); passed to the line manager.",
        ),
        ("Comment", "Spoke to the ward manager by phone; she will meet the employee on Thursday."),
    )
    out = []
    for i in range(count):
        what, note = kinds[i % len(kinds)]
        out.append(
            EventItem(
                at=start + dt.timedelta(hours=3 * i, minutes=7 * (i % 9)),
                actor=("Tom Triage", "Maya Manager", "Ivy Investigator")[i % 3],
                what=what,
                note=f"{note} (event {i + 1})" if note else f"(event {i + 1})",
            )
        )
    return tuple(out)


def make_summary(
    *, events_count: int = 5, files: tuple[EvidenceFileItem, ...] | None = None, **overrides: Any
) -> SummaryData:
    """A fully populated full-variant summary: every section has content."""
    if files is None:
        files = (evidence_file("screenshot-1.png", screenshot_png()),)
    report = ReportItem(
        reference="R-1",
        platform="Facebook",
        seen_at=dt.datetime(2024, 3, 10, 21, 40, tzinfo=UTC),
        posted_at=dt.datetime(2024, 3, 10, 19, 2, tzinfo=UTC),
        submitted_at=dt.datetime(2024, 3, 11, 8, 55, tzinfo=UTC),
        reporter="Rita Reporter",
        description=(
            "A post on a public Facebook group describes a patient on Ward 7 by bed number and "
            "condition, with a photo of the ward corridor.\n\nThe post was still visible at 21:40; "
            "I took a screenshot before it was deleted."
        ),
        links=("https://www.facebook.com/groups/example/posts/1234567890",),
        shows_patient="Yes — patient identifiable from the description",
        welfare_risk="Possible: the poster mentions being exhausted and alone",
    )
    data = SummaryData(
        variant=Variant.FULL,
        variant_label=Variant.LABELS[Variant.FULL],
        reference="FP-2024-0042",
        state="Investigation",
        generated_at=dt.datetime(2024, 4, 2, 14, 30, tzinfo=UTC),
        generated_for="Hana Lead (HR lead)",
        opened_at=OPENED,
        closed_at=None,
        policy_versions=("Social Media Policy, version 7 (in force from 30 June 2019)",),
        flags=("Welfare concern", "Patient identifiable"),
        deadlines=(
            DeadlineItem("Triage within 72 hours", OPENED + dt.timedelta(hours=72), "Met"),
            DeadlineItem(
                "Line manager review within 5 working days",
                OPENED + dt.timedelta(days=7),
                "Met late",
            ),
            DeadlineItem(
                "Investigation report within 28 days", OPENED + dt.timedelta(days=28), "Open"
            ),
        ),
        people=(
            Person("Person who posted", "Paul Poster"),
            Person("Reporter", "Rita Reporter"),
            Person("Line manager", "Pat Manager"),
            Person("Investigator", "Ivy Investigator"),
        ),
        reports=(report,),
        principles=(
            PrincipleItem(
                "§5",
                "Respect patient confidentiality",
                "Social Media Policy v7",
                "Social Media Policy v7",
            ),
            PrincipleItem(
                "§8",
                "Do not bring the Trust into disrepute",
                "Social Media Policy v7",
                "Disciplinary Policy v3",
            ),
        ),
        links=(
            EvidenceLinkItem(
                "https://www.facebook.com/groups/example/posts/1234567890",
                "R-1",
                "Rita Reporter",
                OPENED,
            ),
        ),
        files=files,
        timeline=events(events_count),
        triage_summary="Possible breach of §5. Patient identifiable. Welfare check requested for the poster.",
        terms_of_reference="Establish whether the post identified a patient and whether §5 and §8 were breached.",
        evidence_summary="One screenshot, one link (now dead), statements from the reporter and the poster.",
        interview_records="Paul Poster, 20 March 2024: accepts writing the post; did not think it identified anyone.",
        recommendation="Proceed to a formal hearing on §5; no case to answer on §8.",
        findings=(
            FindingItem("§5 Respect patient confidentiality", True),
            FindingItem("§8 Do not bring the Trust into disrepute", False),
        ),
        outcome="First written warning",
        outcome_rationale="The post identified a patient; the employee accepted this and has since deleted it.",
        appeal_deadline=dt.date(2024, 4, 16),
        informal_action="",
    )
    return dataclasses.replace(data, **overrides) if overrides else data
