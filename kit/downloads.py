"""Offering files for download and describing their sizes, for every app that serves one."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote


def size_text(size: int, *, beside: int | None = None) -> str:
    """A size for a message: "1,023 bytes", "1.5 KB", "10 MB" (a KB is 1,024 bytes, as elsewhere).

    Give ``beside`` when the message also shows another size (a limit): if the
    two would read alike once rounded, the size is given to the byte, so a
    file just over the limit never reads "10 MB; at most 10 MB".
    """
    text = _size_rounded(size)
    if beside is not None and size != beside and text == _size_rounded(beside):
        side = "just over" if size > beside else "just under"
        return f"{size:,} bytes ({side} {text})"
    return text


def _size_rounded(size: int) -> str:
    if size < 1024:
        return f"{size:,} byte{'' if size == 1 else 's'}"
    for unit, scale in (("KB", 1024), ("MB", 1024**2), ("GB", 1024**3)):
        value = round(size / scale, 1)
        # 1,048,575 bytes is "1 MB", not "1,024 KB".
        if value < 1024 or unit == "GB":
            # One decimal place, dropped when it is nought: "10 MB", "12.3 MB".
            return f"{value:,.1f}".removesuffix(".0") + f" {unit}"
    raise AssertionError("unreachable")


_UNSAFE_IN_FALLBACK = re.compile(r"[^A-Za-z0-9 ._()+,=@-]")
_NAME_MAX = 150


def download_name(filename: str, default: str = "download") -> str:
    """A file name safe to offer for download: no folders, no control characters, no line breaks."""
    name = unicodedata.normalize("NFC", filename or "")
    # Only the last part of a path: a name must never suggest a folder to save into.
    name = re.split(r"[/\\]", name)[-1]
    # Line breaks and tabs become spaces (so words don't run together); other
    # invisible characters, such as a right-to-left override that would show
    # "invoice\u202egpj.exe" as "invoiceexe.jpg", are dropped.
    name = "".join(
        " " if ch.isspace() else ch
        for ch in name
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    name = " ".join(name.split()).strip(" .")
    if len(name) > _NAME_MAX:
        stem, dot, extension = name.rpartition(".")
        keep = dot and 0 < len(extension) <= 10
        name = f"{stem[: _NAME_MAX - len(extension) - 1]}.{extension}" if keep else name[:_NAME_MAX]
    return name or default


def _ascii_only(text: str) -> str:
    """Accents dropped ("é" → "e"); anything else outside plain ASCII letters and digits becomes "_"."""
    bare = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if unicodedata.category(ch) != "Mn"
    )
    return _UNSAFE_IN_FALLBACK.sub("_", bare).strip(" ._")


def attachment_header(filename: str) -> str:
    """A ``Content-Disposition`` value that offers ``filename`` as a download.

    Browsers that read RFC 6266's ``filename*`` get the name exactly (UTF-8,
    percent-encoded per RFC 5987); the rest get a plain ASCII stand-in, with
    quotes, backslashes and anything unusual replaced so it can't end the
    quoted string early.
    """
    name = download_name(filename)
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    fallback = _ascii_only(stem) or "download"
    if _ascii_only(extension):
        fallback += "." + _ascii_only(extension)
    encoded = quote(name, safe="")
    if encoded == fallback:
        return f'attachment; filename="{fallback}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
