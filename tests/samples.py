"""Small real files for upload tests."""

from __future__ import annotations

import datetime as dt
import struct
import uuid
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


JPEG_BYTES = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\xff\xdb\x00C\x00" + bytes(range(64)) + b"\xff\xd9"
)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def png_upload(name: str = "screenshot.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
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
