"""Chart colours: one per registered agent with no agent named in the chart code, models in shades of their
agent's colour, stable whatever is listed, no colour meaning two things (an agent and a token type, say), and
every series colour readable on light and on dark backgrounds."""

from __future__ import annotations

import ast
import math
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


def _lab(colour: str) -> tuple[float, float, float]:
    def lin(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(int(colour.lstrip("#")[i:i + 2], 16)) for i in (0, 2, 4))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _delta_e(a: str, b: str) -> float:
    """CIE76 colour difference: about 2 is just noticeable; 20 and more reads as another colour."""
    return math.dist(_lab(a), _lab(b))


MODELS = ["claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101", "claude-haiku-4-5-20251001",
          "gpt-5.1-codex", "gpt-5-codex", "gemini-2.5-pro", "qwen3-coder-plus"]
CATALOGUE = [("claude-code", m) for m in MODELS[:3]] + [("codex", m) for m in MODELS[3:5]] + [
    ("gemini", MODELS[5]), ("qwen", MODELS[6]), ("opencode", MODELS[0])]


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


def _shades() -> list[str]:
    return [style.shade(style.agent_colour(s.name), k) for s in all_sources() for k in range(6)]


@pytest.mark.parametrize("background", [LIGHT, DARK])
def test_series_colours_read_on_light_and_dark(background: str) -> None:
    series = [*style.AGENT_PALETTE, *_shades(), *style.TOKENS.values(), style.COST, style.OTHER]
    weak = {c: round(_contrast(c, background), 2) for c in series if _contrast(c, background) < 3.0}
    assert weak == {}  # WCAG's 3:1 for graphics


def test_token_types_have_distinct_colours() -> None:
    colours = list(style.TOKENS.values())
    assert set(style.TOKENS) == set(style.STACK_ORDER) == set(style.TOKEN_LABELS)
    assert all(_distance(a, b) > 90 for i, a in enumerate(colours) for b in colours[i + 1:])


def test_no_colour_means_two_things() -> None:
    """An agent's colour and its models' shades are never a token type's, the cost's or "other"'s (orange was
    Claude Code in the overview and cache read in the token mix)."""
    fixed = {**{f"token {k}": c for k, c in style.TOKENS.items()}, "cost": style.COST, "other": style.OTHER}
    names = list(fixed)
    assert all(_delta_e(fixed[a], fixed[b]) >= 25 for i, a in enumerate(names) for b in names[i + 1:])
    for source in all_sources():
        for k in range(4):  # an agent's first four models
            colour = style.shade(style.agent_colour(source.name), k)
            near = {n: round(_delta_e(colour, c)) for n, c in fixed.items() if _delta_e(colour, c) < 20}
            assert near == {}, (source.name, k, colour)
    agents = [style.agent_colour(s.name) for s in all_sources()]
    assert all(_delta_e(a, b) >= 25 for i, a in enumerate(agents) for b in agents[i + 1:])


def test_models_take_stable_shades_of_their_agents_colour() -> None:
    colours = style.model_colours(CATALOGUE)
    assert set(colours) == set(MODELS) and len(set(colours.values())) == len(MODELS)
    for agent in ("claude-code", "codex", "gemini", "qwen"):
        first = next(m for a, m in CATALOGUE if a == agent)
        assert colours[first] == style.agent_colour(agent)  # an agent's first model in its very colour
    assert colours[MODELS[0]] == style.agent_colour("claude-code")  # a model two agents used: the first's
    # a range shows some models only: each keeps the colour the whole catalogue gives it
    assert {m: colours[m] for m in MODELS[1:3]} == {m: style.model_colours(CATALOGUE)[m] for m in MODELS[1:3]}
    # the shades of one agent stay apart
    claude = [colours[m] for m in MODELS[:3]]
    assert all(_delta_e(a, b) >= 8 for i, a in enumerate(claude) for b in claude[i + 1:])


def test_model_names_lose_only_their_snapshot_dates() -> None:
    assert style.short_models(["claude-sonnet-4-5-20250929", "gpt-5.1-codex", "claude-sonnet-4-5-20250101",
                         "o3-2025-04-16"]) == "claude-sonnet-4-5, gpt-5.1-codex, o3"


def test_devices_read_apart_on_light_and_dark() -> None:
    """The all-machines overview stacks by device: two devices never look alike (they did: two shades of one
    slate blue)."""
    names = ["laptop", "workstation", "nas", "desk", "travel"]
    colours = list(style.device_colours(names).values())
    assert all(_delta_e(a, b) >= 25 for i, a in enumerate(colours) for b in colours[i + 1:])
    assert all(min(_contrast(c, LIGHT), _contrast(c, DARK)) >= 3.0 for c in colours)
    assert len(set(style.device_colours([*names, "sixth"]).values())) == 6  # past the palette: still apart
