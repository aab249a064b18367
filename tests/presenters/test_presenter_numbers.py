"""Compact token counts, money and grouped counts, as the tray shows them."""

from __future__ import annotations

import pytest

from tokenpulse.presenters.numbers import compact, grouped, money, percent, short


@pytest.mark.parametrize("n, text", [
    (0, "0"), (7, "7"), (999, "999"), (1_000, "1k"), (1_234, "1.2k"), (12_345, "12.3k"), (99_949, "99.9k"),
    (99_950, "100k"), (123_456, "123k"), (999_499, "999k"), (999_950, "1M"), (1_234_567, "1.2M"),
    (45_000_000, "45M"), (2_500_000_000, "2.5B"), (3 * 10**12, "3T"), (-1_500, "-1.5k"),
])
def test_compact(n: int, text: str) -> None:
    assert compact(n) == text


@pytest.mark.parametrize("n, text", [(12_345, "12k"), (1_234, "1.2k"), (1_234_567, "1.2M"), (950, "950"),
                                     (123_456, "123k")])
def test_short_fits_a_tray_icon(n: int, text: str) -> None:
    assert short(n) == text
    assert len(short(n)) <= 4


@pytest.mark.parametrize("usd, text", [
    (None, "no price"), (0, "$0.00"), (3.4, "$3.40"), (0.41, "$0.41"), (0.004, "$0.004"), (0.0004, "<$0.001"),
    (1234.5, "$1,234"), (21.105, "$21.11"), (-2, "-$2.00"),
])
def test_money(usd: float | None, text: str) -> None:
    assert money(usd) == text


def test_grouped_and_percent() -> None:
    assert grouped(1204) == "1,204"
    assert grouped(3_100_000) == "3,100,000"
    assert percent(1, 3) == 33
    assert percent(5, 0) == 0
