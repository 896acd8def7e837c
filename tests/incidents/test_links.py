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
    assert link_normalise("https://www.instagram.com/p/Cx1/?igshid=zz") == "https://instagram.com/p/Cx1"


def test_the_path_keeps_its_case() -> None:
    assert link_normalise("https://youtu.be/AbC") != link_normalise("https://youtu.be/abc")


@given(st.sampled_from(["https://x.com", "https://www.tiktok.com", "http://Example.org"]),
       st.lists(st.text(alphabet="abcXYZ019-_", min_size=1, max_size=8), max_size=4),
       st.dictionaries(st.sampled_from(["utm_source", "fbclid", "v", "id", "si"]),
                       st.text(alphabet="abc123", max_size=5), max_size=3))
def test_normalising_is_idempotent(base: str, segments: list[str], params: dict[str, str]) -> None:
    from urllib.parse import urlencode

    url = base + "/" + "/".join(segments) + ("?" + urlencode(params) if params else "")
    once = link_normalise(url)
    assert link_normalise(once) == once
    assert "utm_" not in once and "fbclid" not in once


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "vbscript:x", "file:///etc/passwd"])
def test_only_web_links_are_accepted(bad: str) -> None:
    with pytest.raises(ValidationError):
        link_clean(bad)


def test_subdomains_find_their_platform() -> None:
    assert platform_detect("https://m.facebook.com/story.php?id=1") == "facebook"
    assert platform_detect("https://vm.tiktok.com/ZM123/") == "tiktok"
    assert platform_detect("https://nurse-diary.wordpress.com/2026/01/01/a/") == "blog"
    assert platform_detect("https://notfacebook.com/x") == "other"
