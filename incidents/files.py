"""Screenshot and document checks: the type is decided by the content, never the name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

ALLOWED_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "application/pdf": "PDF"}

# What each allowed type must begin with. puremagic reads the whole header
# table; these signatures make sure its best guess is really at offset 0.
_SIGNATURES = {
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    "application/pdf": b"%PDF-",
}


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    content_type: str
    sha256: str
    size: int


def sniff_content_type(head: bytes) -> str | None:
    """The allowed type the bytes really are, or None."""
    try:
        guesses = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        guesses = []
    mimes = {guess.mime_type for guess in guesses}
    for mime, signature in _SIGNATURES.items():
        if head.startswith(signature) and (mime in mimes or not mimes):
            return mime
    return None


def evidence_file_check(upload: UploadedFile) -> CheckedFile:
    """Check one uploaded file and fingerprint it, or raise a ValidationError that names it."""
    name = upload.name or "file"
    limit = settings.EVIDENCE_MAX_FILE_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            "“%(name)s” is %(size)s; each file can be at most %(limit)s.",
            params={"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_big",
        )
    if not upload.size:
        raise ValidationError("“%(name)s” is empty.", params={"name": name}, code="empty")
    upload.seek(0)
    content_type = sniff_content_type(upload.read(2048))
    if content_type is None:
        raise ValidationError(
            "“%(name)s” is not a PNG, JPEG or PDF file. Save the screenshot as one of those and try again.",
            params={"name": name},
            code="type",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(upload=upload, content_type=content_type, sha256=digest.hexdigest(), size=upload.size)
