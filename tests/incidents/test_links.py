"""Evidence links: the same post, however it was copied, is one post."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from incidents.links import link_clean, link_normalise, platform_detect


@pytest.mark.parametrize(
    "variant",
    [
        "https://www.facebook.com/some.one/posts/123",
        "https://facebook.com/some.one/posts/123/",
        "HTTPS://WWW.FACEBOOK.COM/some.one/posts/123",
        "http://facebook.com/some.one/posts/123",
        "https://facebook.com/some.one/posts/123?utm_source=ig&utm_medium=share",
        "https://facebook.com/some.one/posts/123?fbclid=IwAR0abc",
        "https://facebook.com/some.one/posts/123#comments",
        "https://facebook.com:443/some.one/posts/123",
    ],
)
def test_copies_of_one_post_normalise_alike(variant: str) -> None:
    assert link_normalise(variant) == "https://facebook.com/some.one/posts/123"


def test_tracking_parameters_go_and_meaningful_ones_stay() -> None:
    assert (
        link_normalise("https://www.youtube.com/watch?si=abc&v=dQw4w9WgXcQ&feature=share")
        == "https://youtube.com/watch?v=dQw4w9WgXcQ"
    )
    assert (
        link_normalise("https://www.instagram.com/p/Cx1/?igshid=zz")
        == "https://instagram.com/p/Cx1"
    )


def test_the_path_keeps_its_case() -> None:
    assert link_normalise("https://youtu.be/AbC") != link_normalise("https://youtu.be/abc")


@given(
    st.sampled_from(["https://x.com", "https://www.tiktok.com", "http://Example.org"]),
    st.lists(st.text(alphabet="abcXYZ019-_", min_size=1, max_size=8), max_size=4),
    st.dictionaries(
        st.sampled_from(["utm_source", "fbclid", "v", "id", "si"]),
        st.text(alphabet="abc123", max_size=5),
        max_size=3,
    ),
)
def test_normalising_is_idempotent(base: str, segments: list[str], params: dict[str, str]) -> None:
    from urllib.parse import urlencode

    url = base + "/" + "/".join(segments) + ("?" + urlencode(params) if params else "")
    once = link_normalise(url)
    assert link_normalise(once) == once
    assert "utm_" not in once and "fbclid" not in once


@pytest.mark.parametrize(
    "bad",
    [
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:x",
        "file:///etc/passwd",
    ],
)
def test_only_web_links_are_accepted(bad: str) -> None:
    with pytest.raises(ValidationError):
        link_clean(bad)


def test_subdomains_find_their_platform() -> None:
    assert platform_detect("https://m.facebook.com/story.php?id=1") == "facebook"
    assert platform_detect("https://vm.tiktok.com/ZM123/") == "tiktok"
    assert platform_detect("https://nurse-diary.wordpress.com/2026/01/01/a/") == "blog"
    assert platform_detect("https://notfacebook.com/x") == "other"


# --------------------------------------------------------------------------- look-alike hosts and credentials

from incidents.links import link_host  # noqa: E402

CYRILLIC_FACEBOOK = "https://f\u0430cebook.com/some.one/posts/123"  # U+0430, Cyrillic a


def test_a_cyrillic_look_alike_of_a_platform_is_flagged_not_silently_other() -> None:
    host = link_host(CYRILLIC_FACEBOOK)

    assert host.ascii == "xn--fcebook-2fg.com"
    assert host.lookalike
    assert host.imitates == "facebook.com"
    assert host.warning == (
        "This address uses look-alike characters: it is not facebook.com, though it looks like it. "
        "Its true form is xn--fcebook-2fg.com."
    )
    # It isn't Facebook, and isn't called Facebook.
    assert platform_detect(CYRILLIC_FACEBOOK) == "other"


@pytest.mark.parametrize(
    ("url", "imitates"),
    [
        ("https://www.f\u0430ceb\u043e\u043ek.com/x", "facebook.com"),  # Cyrillic a and two o
        ("https://xn--fcebook-2fg.com/x", "facebook.com"),  # the same host, pasted as punycode
        ("https://\u0445.com/a/status/1", "x.com"),  # Cyrillic x
        ("https://m.y\u043eutube.com/watch?v=1", "youtube.com"),
        ("https://inst\u0430gram.com/p/1", "instagram.com"),
        ("https://f\u00e1cebook.com/x", "facebook.com"),  # an accent, not another script
    ],
)
def test_look_alikes_of_known_platforms_name_the_platform_they_imitate(
    url: str, imitates: str
) -> None:
    host = link_host(url)
    assert host.lookalike
    assert host.imitates == imitates
    assert "xn--" in host.ascii


def test_an_ordinary_host_carries_no_warning() -> None:
    host = link_host("https://www.facebook.com/some.one/posts/123")
    assert (host.ascii, host.lookalike, host.imitates, host.warning) == (
        "www.facebook.com",
        False,
        "",
        "",
    )


def test_an_international_host_in_one_script_shows_its_true_form_without_a_warning() -> None:
    host = link_host("https://b\u00fccher.example/post")
    assert host.ascii == "xn--bcher-kva.example"
    assert host.international
    assert not host.lookalike
    assert host.warning == ""


def test_a_host_mixing_scripts_is_a_look_alike_even_if_it_imitates_no_platform() -> None:
    host = link_host("https://p\u0430ypal-login.example/x")
    assert host.lookalike
    assert host.imitates == ""
    assert "look-alike characters" in host.warning


def test_the_look_alike_and_its_punycode_normalise_alike_and_not_as_the_real_site() -> None:
    assert link_normalise(CYRILLIC_FACEBOOK) == link_normalise(
        "https://xn--fcebook-2fg.com/some.one/posts/123"
    )
    assert link_normalise(CYRILLIC_FACEBOOK) == "https://xn--fcebook-2fg.com/some.one/posts/123"
    assert link_normalise(CYRILLIC_FACEBOOK) != link_normalise(
        "https://facebook.com/some.one/posts/123"
    )


def test_full_width_letters_are_the_real_site() -> None:
    # Browsers read full-width letters as the plain ones, so this is facebook.com itself.
    url = "https://\uff46\uff41\uff43\uff45\uff42\uff4f\uff4f\uff4b.com/some.one/posts/123"
    assert link_normalise(url) == "https://facebook.com/some.one/posts/123"
    assert platform_detect(url) == "facebook"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (
            "https://user:secret@www.facebook.com/some.one/posts/123",
            "https://www.facebook.com/some.one/posts/123",
        ),
        ("https://someone@x.com/a/status/1", "https://x.com/a/status/1"),
        ("http://jo:pw@example.org:8080/a?b=1#c", "http://example.org:8080/a?b=1#c"),
        # A name before @ that pretends to be the site: what is kept shows where the link really goes.
        ("https://facebook.com@evil.example/post", "https://evil.example/post"),
    ],
)
def test_sign_in_details_are_removed_from_a_link(given: str, kept: str) -> None:
    assert link_clean(given) == kept
    assert link_normalise(given) == link_normalise(kept)


def test_a_link_without_sign_in_details_is_kept_as_given() -> None:
    given = "https://www.facebook.com/some.one/posts/123?fbclid=abc#x"
    assert link_clean(given) == given


def test_the_text_for_a_reader_carries_the_true_form_and_the_warning() -> None:
    from incidents.links import link_for_reader

    assert link_for_reader("https://facebook.com/a") == "https://facebook.com/a"
    assert link_for_reader(CYRILLIC_FACEBOOK) == (
        f"{CYRILLIC_FACEBOOK} [This address uses look-alike characters: it is not facebook.com, "
        "though it looks like it. Its true form is xn--fcebook-2fg.com.]"
    )
    assert link_for_reader("https://b\u00fccher.example/post") == (
        "https://b\u00fccher.example/post [true form: xn--bcher-kva.example]"
    )


def test_a_backslash_in_the_site_name_is_refused() -> None:
    # Browsers would go to evil.example; a parser that stops at the @ sees facebook.com.
    with pytest.raises(ValidationError, match="backslash"):
        link_clean("https://evil.example\\@facebook.com/post")


def test_a_word_in_look_alike_letters_is_flagged_beside_a_latin_domain_only() -> None:
    assert link_host("https://\u0441\u043e\u0440.example/x").lookalike  # Cyrillic "сор" reads "cop"
    assert not link_host(
        "https://\u0441\u043e\u0440.\u0440\u0444/x"
    ).lookalike  # the same word under .рф


@pytest.mark.django_db
def test_links_matched_before_ascii_hosts_are_matched_in_ascii_now():
    from importlib import import_module

    from django.apps import apps

    from tests.factories import EvidenceLinkFactory

    step = import_module("incidents.migrations.0003_normalised_links_in_ascii")
    url = "https://fаcebook.com/nurse/posts/1"  # a Cyrillic а
    old = EvidenceLinkFactory(url=url, normalised_url="https://fаcebook.com/nurse/posts/1")
    plain = EvidenceLinkFactory(
        url="https://facebook.com/nurse/posts/2",
        normalised_url="https://facebook.com/nurse/posts/2",
    )
    step.ascii_matching_keys(apps, None)
    old.refresh_from_db()
    plain.refresh_from_db()
    assert old.normalised_url == link_normalise(url) and old.normalised_url.isascii()
    assert old.url == url  # the evidence itself is never changed
    assert plain.normalised_url == "https://facebook.com/nurse/posts/2"
