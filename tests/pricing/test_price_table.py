"""The generated price table: current with the installed genai-prices, equal to the catalogue on every day,
used without importing the catalogue, and giving the same costs to the last digit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO, samples
from tokenpulse.pricing import catalog, resolve, table, table_gen
from tokenpulse.pricing.pricer import Pricer
from tokenpulse.pricing.supplements import supplemented
from tokenpulse.sources.registry import select


def test_the_committed_table_is_current() -> None:
    assert table_gen.render() == table_gen.TABLE.read_text(encoding="utf-8"), (
        "app/tokenpulse/pricing/table.py is stale for this genai-prices: run `python -m tokenpulse.pricing.table_gen`")


def test_the_table_covers_the_models_the_agents_write() -> None:
    for model in ("claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101", "claude-haiku-4-5-20251001",
                  "claude-sonnet-4-20250514", "gpt-5-codex", "gpt-5.1-codex", "gpt-5.1-codex-max", "gpt-5.2-codex",
                  "gemini-2.5-pro", "gemini-3-flash-preview"):
        assert model in table.RATES, model


def test_the_table_equals_the_catalogue_on_every_day_a_price_changes() -> None:
    changing = 0
    for model in table.RATES:
        days = table_gen.sample_days(model)
        changing += len(table.RATES[model]) > 1
        for day in days:
            # the table is the catalogue; resolve adds only the documented tiers the catalogue lacks
            assert resolve._listed(model, day) == catalog.lookup(model, day), (model, day)
            assert resolve.lookup(model, day) == supplemented(model, catalog.lookup(model, day)), (model, day)
    assert changing > 0, "no model with a dated price change: the day logic went untested"


def test_an_unlisted_model_falls_back_to_the_catalogue() -> None:
    assert "claude-sonnet-4-5-preview-xyz" not in table.RATES
    assert resolve.lookup("claude-sonnet-4-5-preview-xyz", "2026-03-01") == catalog.lookup(
        "claude-sonnet-4-5-preview-xyz", "2026-03-01")
    assert resolve.lookup("surely-no-such-model", "2026-03-01") is None


def test_costs_are_the_same_to_the_last_digit(tmp_path: Path) -> None:
    """Every call of the samples and a generated history priced through the table and through the catalogue."""
    sys.path.insert(0, str(REPO / "tests" / "benchmarks"))
    import corpus

    corpus.generate(tmp_path / "gen", 3, seed=11)
    from tokenpulse.ingest.linefile import read_line_file

    env = {"CLAUDE_CONFIG_DIR": f"{samples('claude-code')},{tmp_path / 'gen' / 'claude'}",
           "CODEX_HOME": str(tmp_path / "gen" / "codex")}
    calls = []
    for source in select(["claude-code", "codex"]):
        for root in source.roots(env, tmp_path):
            for path in source.iter_files(root):
                calls += read_line_file(source, path, None).calls
    assert len(calls) > 300
    by_table, by_catalogue = Pricer(), Pricer(lookup=catalog.lookup)
    priced = 0
    for call in calls:
        cost = by_table.cost(call)
        assert repr(cost) == repr(by_catalogue.cost(call)), call.model
        priced += cost is not None
    assert priced > 300


def test_pricing_a_listed_model_never_imports_the_catalogue(tmp_path: Path) -> None:
    code = ("import sys, json; from tokenpulse.pricing.pricer import Pricer; from tokenpulse.usage import ApiCall;"
            "c = ApiCall('claude-code', b'k', 's', 1772366400000, 'claude-sonnet-4-5-20250929', input=10, output=5);"
            "print(json.dumps([Pricer().cost(c), 'genai_prices' in sys.modules]))")
    env = {**os.environ, "PYTHONPATH": str(REPO / "app")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    cost, imported = json.loads(out.stdout)
    assert cost == pytest.approx((10 * 3.0 + 5 * 15.0) / 1e6) and imported is False
