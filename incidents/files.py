"""Screenshot and document checks: the type is decided by the content, never the name.

Pictures are decoded and saved afresh, so what is kept is only pixels: no
EXIF (a phone photo's GPS position), XMP, text chunks, comments, colour
profiles or bytes hidden after the end of the image. PDFs are kept as
received, but only if they carry nothing a reader would run or open on its
own (scripts, launch actions, attached files, automatic actions).
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
from dataclasses import dataclass
from typing import IO

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.utils.formats import number_format
from PIL import ExifTags, Image, ImageOps, JpegImagePlugin
from pypdf import PdfReader
from pypdf.errors import DependencyError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from documents.images import ImageRefused, image_decode
from kit.downloads import size_text

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
    """An upload that passed every check, and the bytes to keep for it.

    ``sha256`` and ``size`` are of ``content``, what is stored, so the receipt's
    fingerprint can be checked against the file anyone downloads later. The
    ``received_*`` values are of the file as it arrived, before a picture was
    saved afresh.
    """

    upload: UploadedFile
    content: File
    content_type: str
    sha256: str
    size: int
    received_sha256: str
    received_size: int


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
    """Check one uploaded file and prepare what is kept, or raise a ValidationError that names it."""
    name = upload.name or "file"
    limit = settings.EVIDENCE_MAX_FILE_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            "“%(name)s” is %(size)s; files can be at most %(limit)s.",
            params={
                "name": name,
                "size": size_text(upload.size, beside=limit),
                "limit": size_text(limit),
            },
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
    received = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        received.update(chunk)
    upload.seek(0)
    if content_type == "application/pdf":
        pdf_check(upload, name=name)
        upload.seek(0)
        content: File = upload
        sha256, size = received.hexdigest(), upload.size
    else:
        kept = picture_reencode(upload, name=name, image_format=ALLOWED_TYPES[content_type])
        content = ContentFile(kept, name=name)
        sha256, size = hashlib.sha256(kept).hexdigest(), len(kept)
    upload.seek(0)
    return CheckedFile(
        upload=upload,
        content=content,
        content_type=content_type,
        sha256=sha256,
        size=size,
        received_sha256=received.hexdigest(),
        received_size=upload.size,
    )


# --------------------------------------------------------------------------- pictures


def _too_many_pixels(name: str, size: tuple[int, int] | None) -> ValidationError:
    max_side = settings.EVIDENCE_MAX_IMAGE_SIDE
    max_pixels = settings.EVIDENCE_MAX_IMAGE_PIXELS
    limits = {
        "name": name,
        "max_side": number_format(max_side, force_grouping=True),
        "max_mp": number_format(max_pixels // 1_000_000, force_grouping=True),
    }
    if size is None:
        return ValidationError(
            "“%(name)s” is a picture of too many pixels. Pictures can be at most %(max_side)s pixels on "
            "each side and %(max_mp)s million pixels in all. Take a smaller screenshot and try again.",
            params=limits,
            code="pixels",
        )
    width, height = size
    return ValidationError(
        "“%(name)s” is %(width)s × %(height)s pixels. Pictures can be at most %(max_side)s pixels on "
        "each side and %(max_mp)s million pixels in all. Take a smaller screenshot and try again.",
        params={
            **limits,
            "width": number_format(width, force_grouping=True),
            "height": number_format(height, force_grouping=True),
        },
        code="pixels",
    )


def _unreadable_picture(name: str, kind: str) -> ValidationError:
    return ValidationError(
        "“%(name)s” looks like a %(kind)s picture but can't be read as one; it may be damaged "
        "or not really a picture. Take the screenshot again and attach the new one.",
        params={"name": name, "kind": kind},
        code="unreadable",
    )


def picture_reencode(stream: IO[bytes], *, name: str, image_format: str) -> bytes:
    """Decode a PNG or JPEG and save its pixels afresh in the same format.

    The size is checked before any pixel is decoded (``documents.images.image_decode``,
    the same check every picture passes before it goes into a PDF). Only the pixels
    survive: EXIF (with GPS), XMP, comments, text chunks, colour profiles and anything
    after the image's end are left behind. A rotated phone photo is turned upright
    first, since the EXIF tag that said how to turn it goes.
    """
    stream.seek(0)
    try:
        picture = image_decode(
            stream,
            max_pixels=settings.EVIDENCE_MAX_IMAGE_PIXELS,
            max_side=settings.EVIDENCE_MAX_IMAGE_SIDE,
            formats=[image_format],
        )
    except ImageRefused as refused:
        if refused.reason in ("pixels", "no_size"):
            raise _too_many_pixels(name, refused.size) from None
        if refused.reason == "bomb":
            raise _too_many_pixels(name, None) from None
        raise _unreadable_picture(name, image_format) from None
    with picture:
        try:
            return _picture_save(picture, image_format)
        except (
            OSError,
            SyntaxError,
            ValueError,
            EOFError,
            IndexError,
            TypeError,
            ZeroDivisionError,
            struct.error,
        ):
            raise _unreadable_picture(name, image_format) from None


def _picture_save(picture: Image.Image, image_format: str) -> bytes:
    options: dict[str, object] = {}
    if image_format == "JPEG":
        # The picture's own quantisation tables and chroma subsampling keep the
        # new copy as close to the original as a second JPEG encoding can be.
        options["quality"] = 95
        if isinstance(picture, JpegImagePlugin.JpegImageFile) and picture.quantization:
            options["qtables"] = picture.quantization
            sampling = JpegImagePlugin.get_sampling(picture)
            if sampling != -1:
                options["subsampling"] = sampling
    orientation = picture.getexif().get(ExifTags.Base.Orientation, 1)
    upright = ImageOps.exif_transpose(picture) if orientation in range(2, 9) else picture
    # Only transparency is kept from the picture's information: everything else
    # there (EXIF, XMP, comments, text, colour profile, DPI) would be saved again.
    transparency = picture.info.get("transparency")
    upright.info = (
        {} if transparency is None or upright.mode == "RGBA" else {"transparency": transparency}
    )
    out = io.BytesIO()
    try:
        upright.save(out, image_format, **options)
    except (OSError, ValueError):
        # A mode the encoder can't write as it is (rare PNG and JPEG variants).
        out = io.BytesIO()
        plain = upright.convert("RGBA" if image_format == "PNG" else "RGB")
        plain.save(
            out, image_format, **{key: value for key, value in options.items() if key == "quality"}
        )
    return out.getvalue()


# --------------------------------------------------------------------------- PDFs

# Names that make a PDF do something by itself: run a script, start a program,
# carry other files, act when opened or closed, play embedded media, or hold an
# XFA form (which can carry script of its own).
_PDF_ACTIVE: dict[str, str] = {
    "JS": "JavaScript",
    "JavaScript": "JavaScript",
    "Launch": "an action that opens other programs",
    "EmbeddedFile": "files attached inside it",
    "EmbeddedFiles": "files attached inside it",
    "AA": "actions that run by themselves",
    "RichMedia": "embedded media",
    "XFA": "an interactive (XFA) form",
}
# A PDF name: a slash and regular characters, where "#xx" stands for any byte.
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Stream bodies hold compressed or binary data where "/JS" can occur by chance;
# the parser below decodes the object streams that could hide real names.
_PDF_STREAM = re.compile(rb"stream(?:\r\n|\n|\r).*?endstream", re.DOTALL)


def _pdf_refused(name: str, found: str) -> ValidationError:
    return ValidationError(
        "“%(name)s” is a PDF that contains %(found)s, which Flagpost doesn't accept. "
        "Print it to a new PDF, or take a screenshot of it, and try again.",
        params={"name": name, "found": _PDF_ACTIVE.get(found, found)},
        code="pdf_active",
    )


def _pdf_names_active(raw: bytes) -> str | None:
    """The first active name written anywhere outside stream data, ``#xx`` escapes decoded."""
    for match in _PDF_NAME.finditer(raw):
        decoded = _PDF_NAME_ESCAPE.sub(
            lambda escape: bytes([int(escape.group(1), 16)]), match.group(1)
        )
        text = decoded.decode("latin-1")
        if text in _PDF_ACTIVE:
            return text
    return None


def pdf_check(stream: IO[bytes], *, name: str) -> None:
    """Refuse a PDF that carries active content, or one that can't be read.

    Two looks, because each sees what the other can't: a scan of the raw bytes
    finds names in objects a parser skips (old revisions, objects the
    cross-reference table leaves out, damaged files a viewer would repair), and
    pypdf's parse finds names compressed inside object streams, which a byte
    scan can't see.
    """
    stream.seek(0)
    raw = stream.read()
    found = _pdf_names_active(_PDF_STREAM.sub(b"stream endstream", raw))
    if found:
        raise _pdf_refused(name, found)
    unreadable = ValidationError(
        "“%(name)s” can't be read as a PDF; it may be damaged. Save it again as a PDF, "
        "or take a screenshot of it, and try again.",
        params={"name": name},
        code="pdf_unreadable",
    )
    try:
        reader = PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted and not _pdf_opens_without_password(reader):
            raise ValidationError(
                "“%(name)s” is a password-protected PDF. Save a copy without the password and try again.",
                params={"name": name},
                code="pdf_encrypted",
            )
        found = _pdf_objects_active(reader)
    except ValidationError:
        raise
    except (
        PyPdfError,
        OSError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        RecursionError,
        NotImplementedError,
        IndexError,
    ):
        raise unreadable from None
    if found:
        raise _pdf_refused(name, found)


def _pdf_opens_without_password(reader: PdfReader) -> bool:
    """Whether an encrypted PDF opens with an empty password (as many "protected" ones do)."""
    try:
        return bool(reader.decrypt(""))
    except (PyPdfError, DependencyError, NotImplementedError):
        # DependencyError: AES needs a cryptography package Flagpost doesn't install.
        return False


def _pdf_objects_active(reader: PdfReader) -> str | None:
    """Walk every object reachable from the trailer; the first active name found, or None."""
    seen: set[tuple[int, int]] = set()
    pending: list[object] = [reader.trailer]
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                bare = str(key).lstrip("/")
                if bare in _PDF_ACTIVE:
                    return bare
                if bare == "OpenAction":
                    action = value.get_object() if isinstance(value, IndirectObject) else value
                    # Opening at a page is ordinary; any other action runs on opening.
                    if isinstance(action, DictionaryObject):
                        kind = str(action.get("/S", "")).lstrip("/")
                        if kind in _PDF_ACTIVE:
                            return kind
                        if kind not in ("", "GoTo"):
                            return "AA"
                pending.append(value)
        elif isinstance(item, ArrayObject):
            pending.extend(item)
        elif isinstance(item, NameObject):
            bare = str(item).lstrip("/")
            if bare in _PDF_ACTIVE:
                return bare
    return None


__all__ = [
    "ALLOWED_TYPES",
    "CheckedFile",
    "evidence_file_check",
    "pdf_check",
    "picture_reencode",
    "sniff_content_type",
]
