"""Pricing: long-context tier cliff, cache-write TTLs, overrides, unknown models, the rate cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokenpulse.pricing.pricer import Pricer, utc_day
from tokenpulse.pricing.rates import Rates
from tokenpulse.usage import ApiCall

DAY_MS = 1_772_366_400_000  # 2026-03-01T12:00:00Z
SONNET = "claude-sonnet-4-5"


def _call(model: str = SONNET, **counts: int) -> ApiCall:
    return ApiCall(source="claude-code", dedupe_key=b"k", session_key="s", ts_ms=DAY_MS, model=model, **counts)


@pytest.fixture(scope="module")
def sonnet() -> Rates:
    from tokenpulse.pricing.catalog import lookup

    rates = lookup(SONNET, utc_day(DAY_MS))
    assert rates is not None
    return rates


def test_long_context_tier_cliff(sonnet: Rates) -> None:
    assert sonnet.input[1], "claude-sonnet-4-5 has a long-context tier"
    start, tier_price = sonnet.input[1][0]
    assert start == 200_000 and tier_price > sonnet.input[0]
    below = _call(input=1_999, cache_read=198_000, output=1_000)  # 199,999 input tokens
    above = _call(input=2_001, cache_read=198_000, output=1_000)  # 200,001
    assert below.context == 199_999 and above.context == 200_001
    expected_below = (1_999 * sonnet.input[0] + 198_000 * sonnet.cache_read[0] + 1_000 * sonnet.output[0]) / 1e6
    expected_above = (2_001 * sonnet.input[1][0][1] + 198_000 * sonnet.cache_read[1][0][1]
                      + 1_000 * sonnet.output[1][0][1]) / 1e6
    assert sonnet.cost(below) == pytest.approx(expected_below)
    assert sonnet.cost(above) == pytest.approx(expected_above)
    assert sonnet.cost(above) > 1.5 * sonnet.cost(below)  # the whole request moves to the tier: a cliff


def test_tier_counts_cache_writes_as_input(sonnet: Rates) -> None:
    just = _call(input=100, cache_write_5m=100_000, cache_write_1h=99_900)
    over = _call(input=101, cache_write_5m=100_000, cache_write_1h=99_900)
    assert sonnet.cost(over) / over.context > 1.5 * sonnet.cost(just) / just.context


def test_one_hour_and_five_minute_cache_writes_priced_apart(sonnet: Rates) -> None:
    assert sonnet.cache_write_1h[0] > sonnet.cache_write_5m[0] > sonnet.input[0]
    five = sonnet.cost(_call(cache_write_5m=10_000))
    hour = sonnet.cost(_call(cache_write_1h=10_000))
    assert five == pytest.approx(10_000 * sonnet.cache_write_5m[0] / 1e6)
    assert hour == pytest.approx(10_000 * sonnet.cache_write_1h[0] / 1e6)
    flat = Rates.flat(3.0, 15.0, cache_read=0.3, cache_write_5m=3.75, cache_write_1h=6.0)
    assert flat.cost(_call(cache_write_1h=1_000_000)) == pytest.approx(6.0)
    assert flat.cost(_call(cache_write_5m=1_000_000)) == pytest.approx(3.75)


def test_flat_rates_defaults_and_json_round_trip(sonnet: Rates) -> None:
    flat = Rates.flat(2.0, 8.0)
    assert flat.cost(_call(input=1_000_000, cache_read=1_000_000, cache_write_5m=1_000_000,
                           cache_write_1h=1_000_000, output=1_000_000)) == pytest.approx(2 * 4 + 8)
    assert Rates.from_json(sonnet.to_json()) == sonnet


def _no_lookup(model: str, day: str) -> Rates | None:
    raise AssertionError(f"lookup must not be called for {model} {day}")


def test_overrides_win() -> None:
    override = Rates.flat(1.0, 2.0)
    pricer = Pricer(overrides={SONNET: override}, lookup=_no_lookup)
    assert pricer.cost(_call(input=1_000_000, output=1_000_000)) == pytest.approx(3.0)


def test_override_from_settings_reaches_the_ledger(tmp_path: Path) -> None:
    from helpers import claude_line, make_workspace, write_lines

    (tmp_path / "data").mkdir(mode=0o700)
    (tmp_path / "data" / "settings.toml").write_text(
        '[price_overrides."claude-sonnet-4-5-20250929"]\ninput = 1000000.0\noutput = 0.0\n')
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(input=3, output=50)])
    ws = make_workspace(tmp_path, claude=tmp_path / "claude")
    try:
        ws.scan()
        (cost,) = ws.conn.execute("SELECT cost_usd FROM api_call").fetchone()
    finally:
        ws.close()
    assert cost == pytest.approx(3.0)


def test_unknown_model_costs_none() -> None:
    pricer = Pricer()
    assert pricer.cost(_call(model="acme-private-model-9", input=10, output=10)) is None
    assert Pricer(lookup=_no_lookup).cost(_call(model="unknown", input=10)) is None


class FakeCache:
    def __init__(self, data: dict[tuple[str, str], str | None] | None = None) -> None:
        self.data = dict(data or {})
        self.saved: list[tuple[str, str, str | None]] = []

    def cached_rates(self, model: str, day: str) -> tuple[bool, str | None]:
        key = (model, day)
        return (key in self.data, self.data.get(key))

    def save_rates(self, model: str, day: str, rates: str | None) -> None:
        self.saved.append((model, day, rates))
        self.data[(model, day)] = rates


def test_cache_hit_avoids_lookup() -> None:
    day = utc_day(DAY_MS)
    rates = Rates.flat(5.0, 10.0)
    cache = FakeCache({(SONNET, day): rates.to_json(), ("acme-x", day): None})
    pricer = Pricer(cache, lookup=_no_lookup)
    assert pricer.cost(_call(input=1_000_000)) == pytest.approx(5.0)
    assert pricer.cost(_call(model="acme-x", input=1)) is None  # a cached "no price" is a hit too
    assert cache.saved == []


def test_miss_looks_up_once_and_saves() -> None:
    calls: list[tuple[str, str]] = []

    def lookup(model: str, day: str) -> Rates | None:
        calls.append((model, day))
        return Rates.flat(1.0, 1.0) if model == SONNET else None

    cache = FakeCache()
    pricer = Pricer(cache, lookup=lookup)
    for _ in range(3):
        pricer.cost(_call(input=10))
        pricer.cost(_call(model="acme-x", input=10))
    assert calls == [(SONNET, utc_day(DAY_MS)), ("acme-x", utc_day(DAY_MS))]
    assert {(m, r is None) for m, _, r in cache.saved} == {(SONNET, False), ("acme-x", True)}
    # a new pricer over the same cache (the next process) needs no lookup at all
    again = Pricer(cache, lookup=_no_lookup)
    assert again.cost(_call(input=1_000_000)) == pytest.approx(1.0)


def test_ledger_is_a_rate_cache(tmp_path: Path) -> None:
    from tokenpulse.store.db import connect
    from tokenpulse.store.ledger import Ledger

    conn = connect(tmp_path / "d" / "t.sqlite3")
    try:
        seen: list[str] = []

        def lookup(model: str, day: str) -> Rates | None:
            seen.append(model)
            return Rates.flat(2.0, 4.0)

        Pricer(Ledger(conn), lookup=lookup).cost(_call(input=1))
        assert Pricer(Ledger(conn), lookup=_no_lookup).cost(_call(input=1_000_000)) == pytest.approx(2.0)
        assert seen == [SONNET]
    finally:
        conn.close()
