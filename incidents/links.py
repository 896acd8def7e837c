"""Evidence links: validation, normalisation and platform detection.

Normalising lets several staff who report the same post, each copying the link
from a different app, land on the same case.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from incidents.models import Platform

# Query parameters that only say where a click came from, never which post it is.
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "igshid",
        "igsh",
        "si",
        "mibextid",
        "ref",
        "ref_src",
        "ref_url",
        "s",
        "t",
        "feature",
        "_rdr",
    }
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

# Letters of other alphabets (and Latin letters outside a-z) that a reader takes for a-z.
# A small, fixed table suffices: what matters is a host made to pass for one of the
# platforms above, whose names use only a-z. Hosts are compared after IDNA has
# lower-cased them and folded full-width and other compatibility forms.
_LOOKALIKES: dict[str, str] = {
    # Cyrillic
    "а": "a",
    "ь": "b",
    "с": "c",
    "ԁ": "d",
    "е": "e",
    "һ": "h",
    "і": "i",
    "ј": "j",
    "к": "k",
    "ӏ": "l",
    "п": "n",
    "о": "o",
    "р": "p",
    "ԛ": "q",
    "г": "r",
    "ѕ": "s",
    "у": "y",
    "ү": "y",
    "х": "x",
    "ԝ": "w",
    # Greek
    "α": "a",
    "ϲ": "c",
    "ι": "i",
    "ϳ": "j",
    "κ": "k",
    "η": "n",
    "ο": "o",
    "ρ": "p",
    "υ": "u",
    "ν": "v",
    "ω": "w",
    "χ": "x",
    "γ": "y",
    # Armenian
    "ց": "g",
    "հ": "h",
    "ո": "n",
    "օ": "o",
    "զ": "q",
    "ս": "u",
    # Latin letters that are not a-z
    "ɑ": "a",
    "ɡ": "g",
    "ı": "i",
    "ɩ": "i",
    "ȷ": "j",
}
# Scripts written together as a matter of course (Japanese mixes all of these, and Latin).
_EAST_ASIAN = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO"})

_validate_url = URLValidator(schemes=["http", "https"])
# The longest link kept (EvidenceLink.url's length).
LINK_MAX_LENGTH = 2000


@dataclass(frozen=True)
class CheckedLink:
    url: str  # what is kept: the link as given, less any sign-in details
    sign_in_removed: bool  # the link carried a user name or password, now gone


def link_clean(raw: str) -> str:
    """Return the link trimmed, less any sign-in details, or raise ValidationError for the reporter."""
    return link_check(raw).url


def link_check(raw: str) -> CheckedLink:
    """The link to keep, or raise ValidationError with a message for the reporter.

    Only http and https links are kept. Anything else (``javascript:``,
    ``data:``, ``vbscript:``, ``file:``…) is refused however it is disguised:
    mixed case, leading spaces or control characters, or a tab or line break
    inside the scheme, which browsers quietly drop when following a link.

    A user name or password before the host (``https://user:pass@host/``) is
    removed: it is nobody's business in a case file, and ``facebook.com@``
    before another host is an old way to disguise where a link goes.
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
    head, rest = url.split("://", 1)
    netloc = urlsplit(url).netloc
    if "\\" in netloc:
        # Browsers read a backslash as a slash and Python's parser doesn't, so the
        # two would disagree about which site this is.
        raise ValidationError(
            "“%(url)s” has a backslash (\\) in the site's name, so it could lead to a different site "
            "from the one it seems to. Copy the address of the post again from your browser.",
            params={"url": _shorten(url)},
            code="backslash",
        )
    if "@" not in netloc:
        return CheckedLink(url=url, sign_in_removed=False)
    return CheckedLink(
        url=f"{head}://{netloc.rpartition('@')[2]}{rest[len(netloc) :]}", sign_in_removed=True
    )


def _visible(text: str) -> str:
    """Text with its invisible characters dropped, to quote back in a message."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _host_of(url: str) -> str:
    """The host a browser would visit, in its ASCII form, without ``www.``."""
    try:
        host = _idna_ascii((urlsplit(url.strip()).hostname or "").lower())
    except ValueError:
        return ""
    return host.removeprefix("www.")


@dataclass(frozen=True)
class LinkHost:
    """A link's host, as a reader should be shown it.

    ``shown`` is the host as written (lower-cased). ``ascii`` is the form a
    browser actually visits: internationalised labels in their ``xn--``
    punycode form, which can't pass for anything else.
    """

    shown: str
    ascii: str
    lookalike: bool = False  # letters from several alphabets, or made to pass for another host
    imitates: str = ""  # the known platform's domain it is made to look like

    @property
    def international(self) -> bool:
        # A host pasted as xn--… already shows its true form; one written in Unicode doesn't.
        return self.ascii != self.shown

    @property
    def warning(self) -> str:
        if not self.lookalike:
            return ""
        if self.imitates:
            return (
                f"This address uses look-alike characters: it is not {self.imitates}, though it looks "
                f"like it. Its true form is {self.ascii}."
            )
        return (
            "This address uses look-alike characters (letters from different alphabets that look the "
            f"same). Its true form is {self.ascii}."
        )


def link_host(url: str) -> LinkHost:
    """The host of ``url`` and whether a reader could take it for another."""
    try:
        shown = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return LinkHost(shown="", ascii="")
    ascii_host = _idna_ascii(shown)
    labels = [_idna_unicode(label) for label in ascii_host.split(".")]
    if ascii_host.isascii() and all(label.isascii() for label in labels):
        return LinkHost(shown=shown, ascii=ascii_host)
    imitates = _imitated_platform(labels)
    # A word spelled wholly in look-alikes (Cyrillic "сор" for "cop") misleads beside a
    # Latin top-level domain; under a domain of its own script (.рф) it is just a word.
    whole_word_misleads = labels[-1].isascii()
    lookalike = bool(imitates) or any(
        _scripts_mixed(label) or (whole_word_misleads and _all_lookalike(label))
        for label in labels
        if not label.isascii()
    )
    return LinkHost(shown=shown, ascii=ascii_host, lookalike=lookalike, imitates=imitates)


def _idna_ascii(host: str) -> str:
    # The encoding browsers and Django's URL validator use; it also folds
    # full-width letters and case, so FACEBOOK in full width is facebook.com.
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _idna_unicode(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError:
        return label


def _script(ch: str) -> str | None:
    if not unicodedata.category(ch).startswith("L"):
        return None  # digits and hyphens belong to every script
    script = unicodedata.name(ch, "").split(" ", 1)[0]
    return "EAST_ASIAN" if script in _EAST_ASIAN else script


def _scripts_mixed(label: str) -> bool:
    scripts = {script for script in map(_script, label) if script is not None}
    if "EAST_ASIAN" in scripts:
        return bool(scripts - {"EAST_ASIAN", "LATIN"})
    return len(scripts) > 1


def _all_lookalike(label: str) -> bool:
    """Every letter of the label reads as a-z: a whole word spelled in look-alikes."""
    return "".join(_LOOKALIKES.get(ch, ch) for ch in label).isascii()


def _skeleton(label: str) -> str:
    """What the label reads as: look-alikes replaced, accents dropped."""
    mapped = "".join(_LOOKALIKES.get(ch, ch) for ch in label)
    bare = unicodedata.normalize("NFKD", mapped)
    return "".join(ch for ch in bare if not unicodedata.combining(ch))


def _imitated_platform(labels: list[str]) -> str:
    """The known platform domain these labels read as without being it, or ""."""
    skeleton = [_skeleton(label) for label in labels]
    found = ""
    for start in range(len(labels)):
        reads_as = ".".join(skeleton[start:])
        # Only a look-alike counts: the real platform's subdomains (é.blogspot.com) don't.
        if reads_as in _PLATFORM_HOSTS and reads_as != ".".join(labels[start:]):
            found = reads_as  # keep going: name the shortest, e.g. youtube.com for m.yоutube.com
    return found


def link_for_reader(url: str) -> str:
    """The link as text for a reader who can't be shown a warning beside it (a PDF, a CSV).

    An internationalised host is followed by its true form, and a look-alike
    by the warning, so the text alone can't be mistaken for another site.
    """
    host = link_host(url)
    if host.lookalike:
        return f"{url} [{host.warning}]"
    if host.international:
        return f"{url} [true form: {host.ascii}]"
    return url


def link_normalise(url: str) -> str:
    """A canonical form: scheme and host lower-cased (the host in its ASCII form), ``www.``
    and trailing slashes folded, sign-in details, tracking parameters and fragments dropped,
    remaining parameters sorted."""
    parts = urlsplit(url.strip())
    # The host's ASCII form: a look-alike pasted as Unicode by one reporter and as
    # punycode by another is one post, and is never folded into the site it imitates.
    host = _host_of(url)
    if parts.port and not (
        (parts.scheme.lower() == "http" and parts.port == 80)
        or (parts.scheme.lower() == "https" and parts.port == 443)
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
