"""Evidence links: validation, normalisation and platform detection.

Normalising lets several staff who report the same post, each copying the link
from a different app, land on the same case.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from incidents.models import Platform

# Query parameters that only say where a click came from, never which post it is.
_TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "igshid", "igsh", "si", "mibextid", "ref", "ref_src", "ref_url", "s", "t", "feature", "_rdr"}
)
_TRACKING_PREFIXES = ("utm_",)

_PLATFORM_HOSTS: dict[str, Platform] = {
    "facebook.com": Platform.FACEBOOK,
    "fb.com": Platform.FACEBOOK,
    "fb.watch": Platform.FACEBOOK,
    "m.facebook.com": Platform.FACEBOOK,
    "twitter.com": Platform.X,
    "x.com": Platform.X,
    "mobile.twitter.com": Platform.X,
    "t.co": Platform.X,
    "instagram.com": Platform.INSTAGRAM,
    "instagr.am": Platform.INSTAGRAM,
    "youtube.com": Platform.YOUTUBE,
    "m.youtube.com": Platform.YOUTUBE,
    "youtu.be": Platform.YOUTUBE,
    "linkedin.com": Platform.LINKEDIN,
    "lnkd.in": Platform.LINKEDIN,
    "tiktok.com": Platform.TIKTOK,
    "vm.tiktok.com": Platform.TIKTOK,
    "flickr.com": Platform.FLICKR,
    "flic.kr": Platform.FLICKR,
    "wordpress.com": Platform.BLOG,
    "blogspot.com": Platform.BLOG,
    "medium.com": Platform.BLOG,
    "substack.com": Platform.BLOG,
    "tumblr.com": Platform.BLOG,
}

_validate_url = URLValidator(schemes=["http", "https"])
# The longest link kept (EvidenceLink.url's length).
LINK_MAX_LENGTH = 2000


def link_clean(raw: str) -> str:
    """Return the link trimmed, or raise ValidationError with a message for the reporter.

    Only http and https links are kept. Anything else (``javascript:``,
    ``data:``, ``vbscript:``, ``file:``…) is refused however it is disguised:
    mixed case, leading spaces or control characters, or a tab or line break
    inside the scheme, which browsers quietly drop when following a link.
    """
    url = raw.strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in url):
        raise ValidationError(
            "“%(url)s” contains hidden characters (such as tabs or invisible formatting) that can't be "
            "in a web link. Copy the address of the post again from your browser.",
            params={"url": _shorten(_visible(url))},
            code="hidden",
        )
    if len(url) > LINK_MAX_LENGTH:
        raise ValidationError(
            "“%(url)s” is %(length)s characters long; links can be at most %(max)s. "
            "Copy the address of the post without anything added after it.",
            params={"url": _shorten(url), "length": len(url), "max": LINK_MAX_LENGTH},
            code="too_long",
        )
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme and scheme not in ("http", "https"):
        raise ValidationError(
            "“%(url)s” is not a web link. Links must start with http:// or https:// "
            "(copy the address of the post from your browser).",
            params={"url": _shorten(url)},
            code="scheme",
        )
    if not scheme:
        raise ValidationError(
            "“%(url)s” is not a complete web link. Copy the whole address, starting with https://.",
            params={"url": _shorten(url)},
            code="incomplete",
        )
    try:
        _validate_url(url)
    except ValidationError:
        raise ValidationError(
            "“%(url)s” is not a valid web link. Check it was copied in full.",
            params={"url": _shorten(url)},
            code="invalid",
        ) from None
    return url


def _visible(text: str) -> str:
    """Text with its invisible characters dropped, to quote back in a message."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _host_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def link_normalise(url: str) -> str:
    """A canonical form: scheme and host lower-cased, ``www.`` and trailing slashes folded,
    tracking parameters and fragments dropped, remaining parameters sorted."""
    parts = urlsplit(url.strip())
    host = _host_of(url)
    if parts.port and not (
        (parts.scheme.lower() == "http" and parts.port == 80) or (parts.scheme.lower() == "https" and parts.port == 443)
    ):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/")
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in _TRACKING_PARAMS and not key.lower().startswith(_TRACKING_PREFIXES)
    )
    # http and https copies of the same post are the same post.
    return urlunsplit(("https", host, path, urlencode(query), ""))


def platform_detect(url: str) -> Platform:
    host = _host_of(url)
    while host:
        if host in _PLATFORM_HOSTS:
            return _PLATFORM_HOSTS[host]
        if "." not in host:
            break
        host = host.split(".", 1)[1]
    return Platform.OTHER
