"""Small real files for upload tests."""

from __future__ import annotations

import datetime as dt
import io
import struct
import uuid
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real, decodable JPEG: uploads are decoded and saved afresh, so a header alone won't do."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def pdf_bytes(*, extra_catalog: str = "", objects: str = "") -> bytes:
    """A small, well-formed one-page PDF with a correct cross-reference table.

    ``extra_catalog`` is written into the document catalogue and ``objects``
    (numbered from 4) after the page, for PDFs that carry more than a page.
    """
    bodies = [
        f"<</Type/Catalog/Pages 2 0 R{extra_catalog}>>",
        "<</Type/Pages/Kids[3 0 R]/Count 1>>",
        "<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>",
    ]
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    for chunk in [part for part in objects.split("\n\n") if part.strip()]:
        offsets.append(len(out))
        out += chunk.strip().encode("latin-1") + b"\n"
    xref = len(out)
    out += f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<</Size {len(offsets) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


JPEG_BYTES = jpeg_bytes()
PDF_BYTES = pdf_bytes()


def png_upload(name: str = "screenshot.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def upload(
    name: str, content: bytes, content_type: str = "application/octet-stream"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def report_form_data(**changes: object) -> dict[str, object]:
    """A complete, valid report form submission; a change of None drops the field."""
    seen = timezone.localtime(timezone.now() - dt.timedelta(hours=3))
    data: dict[str, object] = {
        "submission_token": str(uuid.uuid4()),
        "links": "https://www.facebook.com/some.one/posts/123?fbclid=abc",
        "platform": "",
        "seen_at": seen.strftime("%Y-%m-%dT%H:%M"),
        "posted_at": "",
        "description": "A photo from the ward with a patient's face visible.",
        "poster_kind": "unknown",
        "poster": "",
        "poster_handle": "",
        "shows_patient": "yes",
        "welfare_risk": "no",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}
