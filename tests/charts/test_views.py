"""What the views show: a chosen day's numbers equal `tokenpulse daily --json`, hovering reads them out, zero
days are drawn as zero, the growth curve shades the waste, and the exports hold the expected rows."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from chart_history import NOW, START
from chart_stores import SAMPLE_NOW
from PySide6.QtCore import QEvent, QPoint, QPointF
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tokenpulse.cli.main import main as tokenpulse_main
from tokenpulse.gui.charts.axes import DAY_S
from tokenpulse.gui.charts.base import pretty_day
from tokenpulse.gui.charts.style import agent_colour
from tokenpulse.gui.charts.window import ChartsWindow
from tokenpulse.insights.chart_data import agent_label
from tokenpulse.presenters.numbers import money

TOKEN_KEYS = ("calls", "input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens")


def _switch(qtbot, win: ChartsWindow, action) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(win.sig_view_updated, timeout=10_000):
        action()


def _daily_json(capsys: pytest.CaptureFixture[str], data: Path, zone: str, *days: str) -> list[dict]:  # type: ignore[type-arg]
    """`tokenpulse --data-dir DATA daily --json` run in-process; one day when given, else every day."""
    capsys.readouterr()
    span = ["--since", days[0], "--until", days[0]] if days else []
    assert tokenpulse_main(["--data-dir", str(data), "daily", "--json", "--no-scan", "--tz", zone, *span]) == 0
    return json.loads(capsys.readouterr().out)


def _day_figures(rows: list[dict]) -> dict[str, object]:  # type: ignore[type-arg]
    """The CLI's rows of one day summed over agents and models, with output per agent label."""
    out: dict[str, object] = {k: sum(r[k] for r in rows) for k in TOKEN_KEYS}
    out["cost_usd"] = sum(r["cost_usd"] or 0.0 for r in rows)
    by: dict[str, int] = defaultdict(int)
    for r in rows:
        by[agent_label(r["source"])] += r["output_tokens"]
    out["by"] = dict(by)
    return out


@pytest.fixture
def every_mouse_move() -> Iterator[None]:
    """pyqtgraph drops mouse moves closer than 1/60 s apart; a test moves faster than a hand."""
    before = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOption("mouseRateLimit", 0)
    yield
    pg.setConfigOption("mouseRateLimit", before)


def _hover(qtbot, view, day: str) -> None:  # type: ignore[no-untyped-def]
    """Move the mouse over the plot at the day's bar, half-way up, as a person pointing at it, until the
    read-out names that day (the axes size themselves to their labels once painted, which can move the
    days under a pointer aimed before)."""
    vb = view.plot.getPlotItem().vb

    def pointed() -> bool:
        y0, y1 = vb.viewRange()[1]
        scene = vb.mapViewToScene(QPointF(_x_of(day), (y0 + y1) / 2))
        at = view.plot.mapFromScene(scene)
        QTest.mouseMove(view.plot.viewport(), at + QPoint(3, 3))  # Qt sends no move to where the pointer is
        QTest.mouseMove(view.plot.viewport(), at)
        return pretty_day(day) in view.readout.text() and "hover a bar" not in view.readout.text()

    qtbot.waitUntil(pointed, timeout=5_000)


def _around(qtbot, win: ChartsWindow, day: str) -> None:  # type: ignore[no-untyped-def]
    """The window on the 61 days around `day` (unless already there)."""
    d = date.fromisoformat(day)
    first, last = d - timedelta(days=30), d + timedelta(days=30)
    if win.request().first != first:
        _switch(qtbot, win, lambda: win.set_days(first, last))


def _x_of(day: str) -> float:
    return float((date.fromisoformat(day) - date(1970, 1, 1)).days * DAY_S)


@pytest.mark.parametrize(("store", "zone"), [("sample_store", "UTC"), ("history_store", "UTC"),
                                             ("history_store", "America/St_Johns")])
def test_a_chosen_days_numbers_equal_cli_daily(request: pytest.FixtureRequest, qtbot, open_window,  # type: ignore[no-untyped-def]
                                               capsys: pytest.CaptureFixture[str], every_mouse_move: None,
                                               store: str, zone: str) -> None:
    """The busiest day, the day with the most agents and a day without calls, as the CLI reports them."""
    data = request.getfixturevalue(store)
    now = SAMPLE_NOW if store == "sample_store" else NOW
    everything = _daily_json(capsys, data, zone)
    per_day: dict[str, list[dict]] = defaultdict(list)  # type: ignore[type-arg]
    for r in everything:
        per_day[r["date"]].append(r)
    win = open_window(data, timezone=zone, now=now)
    overview = win.view("overview")
    first = date.fromisoformat(min(per_day))
    busiest = max(per_day, key=lambda d: sum(r["output_tokens"] for r in per_day[d]))
    mixed = max(per_day, key=lambda d: (len({r["source"] for r in per_day[d]}), d))
    empty = next(d for d in ((first + timedelta(days=i)).isoformat() for i in range(1000)) if d not in per_day)
    if store == "history_store":
        assert len({r["source"] for r in per_day[mixed]}) >= 2
    for day in (busiest, mixed, empty):
        _around(qtbot, win, day)  # day by day (a long range is drawn per week)
        assert overview.daily.unit == "day"  # type: ignore[attr-defined]
        want = _day_figures(_daily_json(capsys, data, zone, day))
        got = overview.day_numbers(day)  # type: ignore[attr-defined]
        assert (got["output"], got["calls"]) == (want["output_tokens"], want["calls"]), day
        assert (got["cost"] or 0.0) == pytest.approx(want["cost_usd"], abs=1e-6)
        assert {k: v for k, v in got["by"].items() if v} == {k: v for k, v in want["by"].items() if v}
        _hover(qtbot, overview, day)
        text = overview.readout.text()  # type: ignore[attr-defined]
        if want["calls"]:
            assert f"output <b>{want['output_tokens']:,}</b>" in text and money(want["cost_usd"]) in text
            assert all(f"{label} {n:,}" in text for label, n in want["by"].items() if n)
        else:
            assert "no usage" in text and "0 output tokens" in text
    # the pointer leaves the plot: the outline and the tip go, and the read-out sums the range up again
    hover = overview.hover  # type: ignore[attr-defined]
    assert hover.outline.isVisible() and hover.tip.isVisible() and pretty_day(empty) in hover.tip.text()
    QApplication.sendEvent(overview.plot, QEvent(QEvent.Type.Leave))  # type: ignore[attr-defined]
    assert not hover.outline.isVisible() and not hover.tip.isVisible()
    assert "hover a bar" in overview.readout.text()  # type: ignore[attr-defined]
    _switch(qtbot, win, lambda: win.show_view("mix"))
    mix = win.view("mix")
    for day in (busiest, mixed):
        _around(qtbot, win, day)
        want = _day_figures(_daily_json(capsys, data, zone, day))
        got = mix.day_numbers(day)  # type: ignore[attr-defined]
        assert (got["input"], got["cache_write"], got["cache_read"], got["output"]) == (
            want["input_tokens"], want["cache_write_tokens"], want["cache_read_tokens"], want["output_tokens"])
        assert sum(v or 0.0 for v in got["costs"].values()) == pytest.approx(want["cost_usd"], abs=1e-6)
        fed = want["input_tokens"] + want["cache_write_tokens"] + want["cache_read_tokens"]
        assert got["fed_per_output"] == pytest.approx(fed / want["output_tokens"])
        _hover(qtbot, mix, day)
        text = mix.readout.text()  # type: ignore[attr-defined]
        for key in TOKEN_KEYS[1:]:
            assert f"{want[key]:,}" in text, (day, key)


def test_zero_days_are_drawn_as_zero(qtbot, open_window, history_store: Path) -> None:  # type: ignore[no-untyped-def]
    win = open_window(history_store)
    _switch(qtbot, win, lambda: win.set_range("all"))
    overview = win.view("overview")
    d = overview.daily  # type: ignore[attr-defined]
    zero = [i for i, t in enumerate(d.totals) if t.calls == 0]
    assert zero and len(zero) < len(d.days)
    # every day has a slot on the axis, one day apart: none is skipped
    bar = overview.bars.items[0]  # type: ignore[attr-defined]
    x = np.asarray(bar.opts["x"])
    assert len(x) == len(d.days) and np.all(np.diff(x) == DAY_S)
    assert all(float(overview.bars.tops[i]) == 0.0 for i in zero)  # type: ignore[attr-defined]
    marks_x, marks_y = overview.zero_marks.getData()  # type: ignore[attr-defined]
    assert list(marks_x) == [x[i] for i in zero] and not np.any(marks_y)
    cost_y = overview.cost_line.getData()[1]  # type: ignore[attr-defined]
    assert all(cost_y[i] == 0.0 for i in zero)


def test_agents_keep_their_colours_in_the_overview(qtbot, open_window, sample_store: Path) -> None:  # type: ignore[no-untyped-def]
    win = open_window(sample_store, now=SAMPLE_NOW)
    _switch(qtbot, win, lambda: win.set_range("all"))
    overview = win.view("overview")
    agents = overview.daily.agents  # type: ignore[attr-defined]
    assert len(agents) >= 4  # the samples hold Claude Code, Codex, Gemini, Qwen and OpenCode calls
    brushes = [item.opts["brush"].color().name().upper() for item in overview.bars.items[:len(agents)]]  # type: ignore[attr-defined]
    assert brushes == [agent_colour(a).upper() for a in agents]
    assert len(set(brushes)) == len(agents)
    for a in agents:
        assert agent_colour(a) in overview.legend.text()  # type: ignore[attr-defined]
    # by model: every model of the samples in the legend, which wraps rather than widen the window (six long
    # model names once pushed the cost axis and the export buttons off a 1280-pixel screen)
    _switch(qtbot, win, overview.split_buttons["model"].click)  # type: ignore[attr-defined]
    assert len(overview.series) >= 6  # type: ignore[attr-defined]
    QApplication.processEvents()  # the layouts take in the new legend
    assert win.tabs.minimumSizeHint().width() <= 1280


def test_growth_curve_shades_the_waste_above_floor_and_allowance(qtbot, open_window,  # type: ignore[no-untyped-def]
                                                                 history_store: Path) -> None:
    conn = sqlite3.connect(history_store / "tokenpulse.sqlite3")
    sid, first, waste = conn.execute("SELECT session_id, first_context, waste_tokens FROM chat_stats"
                                     " WHERE waste_tokens > 0 ORDER BY waste_tokens DESC LIMIT 1").fetchone()
    conn.close()
    win = open_window(history_store)
    chats = win.chats
    with qtbot.waitSignal(chats.sig_curve_shown, timeout=10_000, check_params_cb=lambda s: s == sid):
        win.show_session(sid)
    g = chats.growth
    floor, allowance = g.curve.floor, g.curve.recap_allowance
    assert floor == first and g.floor.value() == floor and g.limit.value() == floor + allowance
    x, context = g.context_line.getData()
    _x, capped = g.allowance_line.getData()
    assert list(x) == list(range(1, len(context) + 1))
    # the shaded band lies between the curve and F + R: its height per call is that call's waste
    assert list(context - capped) == g.curve.waste and int(sum(context - capped)) == waste
    assert g.waste_fill.curves[0] is g.context_line and g.waste_fill.curves[1] is g.allowance_line
    running = g.cost_line.getData()[1]
    assert np.all(np.diff(running) >= 0) and running[-1] == pytest.approx(g.curve.cumulative_cost[-1])
    axis = g.plot.getPlotItem().getAxis("bottom")
    ticks = [v for _s, values in axis.tickValues(0.5, len(context) + 0.5, 900) for v in values]
    assert ticks and all(float(v).is_integer() for v in ticks) and len(ticks) == len(set(ticks))


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _export(qtbot, win: ChartsWindow, path: Path) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(win.sig_exported, timeout=10_000, check_params_cb=lambda p: p == str(path)):
        (win.export_png if path.suffix == ".png" else win.export_csv)(path)


def test_exports_write_a_png_and_the_expected_csv_rows(qtbot, open_window, history_store: Path,  # type: ignore[no-untyped-def]
                                                       tmp_path: Path) -> None:
    win = open_window(history_store)
    first, last = START + timedelta(days=20), START + timedelta(days=33)
    _switch(qtbot, win, lambda: win.set_days(first, last))
    days = [(first + timedelta(days=i)).isoformat() for i in range(14)]
    conn = sqlite3.connect(history_store / "tokenpulse.sqlite3")
    lo, hi = (f"{d} 00:00" for d in (days[0], (last + timedelta(days=1)).isoformat()))
    where = "datetime(ts_ms / 1000, 'unixepoch') >= ? AND datetime(ts_ms / 1000, 'unixepoch') < ?"
    raw = dict(conn.execute(f"SELECT date(ts_ms / 1000, 'unixepoch'), sum(output) FROM api_call WHERE {where}"
                            " GROUP BY 1", (lo, hi)).fetchall())
    chats_in_range = conn.execute(f"SELECT count(DISTINCT session_id) FROM api_call WHERE {where}", (lo, hi)).fetchone()[0]
    by_hour = conn.execute(f"SELECT (CAST(strftime('%w', ts_ms / 1000, 'unixepoch') AS INT) + 6) % 7,"
                           f" CAST(strftime('%H', ts_ms / 1000, 'unixepoch') AS INT), sum(output) FROM api_call"
                           f" WHERE {where} GROUP BY 1, 2", (lo, hi)).fetchall()
    conn.close()
    for name in ("overview", "mix", "chats", "projects", "rhythm"):
        if win.current.name != name:
            _switch(qtbot, win, lambda n=name: win.show_view(n))
        png = tmp_path / f"{name}.png"
        _export(qtbot, win, png)
        image = QImage(str(png))
        assert image.width() == 1600 and image.height() > 200, name
        _export(qtbot, win, tmp_path / f"{name}.csv")
    overview = _read_csv(tmp_path / "overview.csv")
    head = overview[0]
    assert [r[0] for r in overview[1:]] == days
    assert {r[0]: int(r[head.index("output")]) for r in overview[1:]} == {d: raw.get(d, 0) for d in days}
    per_agent = [i for i, h in enumerate(head) if h.startswith("output ")]
    assert per_agent and all(sum(int(r[i]) for i in per_agent) == int(r[head.index("output")]) for r in overview[1:])
    mix = _read_csv(tmp_path / "mix.csv")
    assert [r[0] for r in mix[1:]] == days
    assert [int(r[mix[0].index("output")]) for r in mix[1:]] == [raw.get(d, 0) for d in days]
    for r in mix[1:]:
        parts = [float(r[mix[0].index(k)] or 0) for k in ("input_cost_usd", "cache_write_cost_usd",
                                                             "cache_read_cost_usd", "output_cost_usd")]
        assert sum(parts) == pytest.approx(float(r[mix[0].index("cost_usd")] or 0), abs=1e-5)
    chats = _read_csv(tmp_path / "chats.csv")
    assert len(chats) - 1 == chats_in_range  # every chat with calls in the range, sub-agent chats included
    assert sum(int(r[chats[0].index("output")]) for r in chats[1:]) == sum(raw.values())
    projects = _read_csv(tmp_path / "projects.csv")
    day_col, out_col = projects[0].index("day"), projects[0].index("output")
    whole = [r for r in projects[1:] if r[day_col] == "range"]  # each project's range, then its days
    assert sum(int(r[out_col]) for r in whole) == sum(raw.values())
    assert sum(int(r[out_col]) for r in projects[1:] if r[day_col] != "range") == sum(raw.values())
    assert {r[day_col] for r in projects[1:]} - {"range"} <= set(days)
    rhythm = _read_csv(tmp_path / "rhythm.csv")
    assert [r[0] for r in rhythm[1:]] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    grid = {(w, h): int(rhythm[1 + w][1 + h]) for w in range(7) for h in range(24)}
    assert {k: v for k, v in grid.items() if v} == {(w, h): o for w, h, o in by_hour if o}
