"""File sizes in messages: precise enough that two different sizes never read the same."""

from __future__ import annotations

import pytest

from kit.downloads import size_text

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (1023, "1,023 bytes"),
        (1024, "1 KB"),
        (1536, "1.5 KB"),
        (10 * MB, "10 MB"),
        (int(12.34 * MB), "12.3 MB"),
    ],
)
def test_sizes_read_plainly(size: int, text: str) -> None:
    assert size_text(size) == text


@pytest.mark.parametrize("over", [1, 100, 50_000])
def test_a_size_just_over_a_limit_never_reads_as_the_limit(over: int) -> None:
    limit = 10 * MB
    assert size_text(limit + over, beside=limit) == f"{limit + over:,} bytes (just over 10 MB)"


def test_a_size_well_over_a_limit_reads_in_megabytes() -> None:
    assert size_text(25 * MB, beside=10 * MB) == "25 MB"


def test_a_size_that_rounds_up_to_the_next_unit_is_given_in_it() -> None:
    assert size_text(MB - 1) == "1 MB"
    assert size_text(MB - 1, beside=MB) == "1,048,575 bytes (just under 1 MB)"
