"""Chart colours: one per registered agent with no agent named in the chart code, distinct models, and every
series colour readable on light and on dark backgrounds."""

from __future__ import annotations

import ast
import zlib
from pathlib import Path

import pytest

from tokenpulse.gui.charts import style
from tokenpulse.sources.registry import all_sources

APP = Path(__file__).resolve().parents[2] / "app" / "tokenpulse"
CHART_CODE = [*sorted((APP / "gui" / "charts").glob("*.py")), *sorted((APP / "insights").glob("chart_*.py")),
              APP / "store" / "rollups.py"]
LIGHT, DARK = "#ffffff", "#1e1e1e"  # white and the darkest Base of common dark themes


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _distance(a: str, b: str) -> int:
    pa, pb = (tuple(int(c.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)) for c in (a, b))
    return sum(abs(x - y) for x, y in zip(pa, pb))


def test_every_registered_agent_has_its_own_colour() -> None:
    names = [s.name for s in all_sources()]
    colours = [style.agent_colour(n) for n in names]
    assert len(set(colours)) == len(names)
    # drawn beside the agents in the overview: the cost line and the "other" grey must not look like one
    for c in colours:
        assert min(_distance(c, style.COST), _distance(c, style.OTHER)) > 60, c
    # an agent the registry does not know (an old store) still gets a colour, not one of the known agents'
    assert style.agent_colour("retired-agent") not in colours


def test_no_chart_module_names_an_agent() -> None:
    """Colours and labels come from the registry: adding a source needs no change to the charts."""
    names = {s.name for s in all_sources()} | {s.label for s in all_sources()}
    found = []
    for path in CHART_CODE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}  # docstrings may give examples
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                found += [f"{path.name}: {n!r}" for n in names if n in node.value]
    assert found == []


@pytest.mark.parametrize("background", [LIGHT, DARK])
def test_series_colours_read_on_light_and_dark(background: str) -> None:
    series = [*style.AGENT_PALETTE, *style.MODEL_PALETTE, *style.TOKENS.values(), style.COST, style.OTHER]
    weak = {c: round(_contrast(c, background), 2) for c in series if _contrast(c, background) < 3.0}
    assert weak == {}  # WCAG's 3:1 for graphics


def test_token_types_have_distinct_colours() -> None:
    colours = list(style.TOKENS.values())
    assert set(style.TOKENS) == set(style.STACK_ORDER) == set(style.TOKEN_LABELS)
    assert all(_distance(a, b) > 90 for i, a in enumerate(colours) for b in colours[i + 1:])


def test_models_get_distinct_stable_colours() -> None:
    models = ["claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101", "claude-haiku-4-5-20251001",
              "gpt-5.1-codex", "gpt-5-codex", "gemini-2.5-pro", "qwen3-coder-plus"]
    colours = style.model_colours(models)
    assert set(colours) == set(models) and len(set(colours.values())) == len(models)
    assert style.model_colours(list(reversed(models))) == colours  # the order they are listed in is irrelevant
    # alone, a model takes the hue its name picks
    for m in models:
        assert style.model_colours([m])[m] == style.MODEL_PALETTE[zlib.crc32(m.encode()) % len(style.MODEL_PALETTE)]


def test_model_names_lose_only_their_snapshot_dates() -> None:
    assert style.short_models(["claude-sonnet-4-5-20250929", "gpt-5.1-codex", "claude-sonnet-4-5-20250101",
                         "o3-2025-04-16"]) == "claude-sonnet-4-5, gpt-5.1-codex, o3"
