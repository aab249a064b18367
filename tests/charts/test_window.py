"""The charts window offscreen: every view draws, shows the CLI's numbers, switches ranges, exports."""

from __future__ import annotations

import csv
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from chart_history import NOW, START, claude_chat
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette

from conftest import scan
from helpers import cli_json
from tokenpulse.gui.charts.window import VIEWS, ChartsWindow
from tokenpulse.presenters.numbers import compact, money


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


SAMPLE_NOW = datetime(2026, 4, 20, 12, 0, tzinfo=UTC)


def _switch(qtbot, win: ChartsWindow, action) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(win.sig_view_updated, timeout=10_000):
        action()


def _cli_day(capsys: pytest.CaptureFixture[str], day: str) -> dict[str, float]:
    rows = [r for r in cli_json(capsys, "daily", "--json", "--no-scan", "--tz", "UTC", "--since", day, "--until", day)]
    out: dict[str, float] = {"cost_usd": 0.0}
    for r in rows:
        for k in ("calls", "input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens"):
            out[k] = out.get(k, 0) + r[k]
        out["cost_usd"] += r["cost_usd"] or 0.0
        out[r["source"]] = out.get(r["source"], 0) + r["output_tokens"]
    return out


@pytest.mark.parametrize("store", ["sample_store", "history_store"])
def test_every_view_renders(request: pytest.FixtureRequest, qtbot, open_window, store: str) -> None:  # type: ignore[no-untyped-def]
    data = request.getfixturevalue(store)
    now = SAMPLE_NOW if store == "sample_store" else NOW
    win = open_window(data, now=now)
    _switch(qtbot, win, lambda: win.set_range("all"))
    for name in VIEWS:
        if win.current.name != name:
            _switch(qtbot, win, lambda n=name: win.show_view(n))
        view = win.view(name)
        assert view.result is not None, name
        assert view.result.range.last == now.date()
        image = win.grab().toImage()
        assert not image.isNull() and image.width() > 600
        head, rows = view.table()
        assert head and rows, name


def test_day_numbers_equal_cli_daily(qtbot, open_window, sample_store: Path,  # type: ignore[no-untyped-def]
                                     capsys: pytest.CaptureFixture[str]) -> None:
    win = open_window(sample_store, now=SAMPLE_NOW)
    _switch(qtbot, win, lambda: win.set_range("all"))
    overview, mix = win.view("overview"), win.view("mix")
    for day in ("2025-09-03", "2026-01-09", "2026-04-18"):
        want = _cli_day(capsys, day)
        got = overview.day_numbers(day)  # type: ignore[attr-defined]
        assert (got["output"], got["calls"]) == (want["output_tokens"], want["calls"])
        assert got["cost"] == pytest.approx(want["cost_usd"], abs=1e-6)
        assert got["by"] == {"Claude Code": want["claude-code"]}
        overview.show_day(overview.daily.index(day))  # type: ignore[attr-defined]
        text = overview.readout.text()  # type: ignore[attr-defined]
        assert compact(int(want["output_tokens"])) in text and money(want["cost_usd"]) in text
    _switch(qtbot, win, lambda: win.show_view("mix"))
    for day in ("2025-09-03", "2026-04-18"):
        want = _cli_day(capsys, day)
        got = mix.day_numbers(day)  # type: ignore[attr-defined]
        assert (got["input"], got["cache_write"], got["cache_read"], got["output"]) == (
            want["input_tokens"], want["cache_write_tokens"], want["cache_read_tokens"], want["output_tokens"])
        assert sum(got["costs"].values()) == pytest.approx(want["cost_usd"], abs=1e-6)
        fed = want["input_tokens"] + want["cache_write_tokens"] + want["cache_read_tokens"]
        assert got["fed_per_output"] == pytest.approx(fed / want["output_tokens"])


def test_range_switching(qtbot, open_window, history_store: Path) -> None:  # type: ignore[no-untyped-def]
    win = open_window(history_store)
    overview = win.view("overview")
    assert len(overview.result.range.days()) == 30  # the default
    assert overview.result.range.last == NOW.date()
    for key, n in (("7d", 7), ("90d", 90), ("1y", 365)):
        _switch(qtbot, win, lambda k=key: win.set_range(k))
        assert len(overview.daily.days) == n  # type: ignore[attr-defined]
        assert win.range_bar.buttons[key].isChecked()
    _switch(qtbot, win, lambda: win.set_range("all"))
    assert overview.daily.days[0] == START.isoformat()  # type: ignore[attr-defined]
    first, last = START + timedelta(days=10), START + timedelta(days=16)
    _switch(qtbot, win, lambda: win.set_days(first, last))
    assert overview.daily.days == [(first + timedelta(days=i)).isoformat() for i in range(7)]  # type: ignore[attr-defined]
    assert not any(b.isChecked() for b in win.range_bar.buttons.values())
    assert win.range_bar.first.date().toPython() == first
    # another view picks up the chosen range; toggles redraw without a fetch
    _switch(qtbot, win, lambda: win.show_view("rhythm"))
    assert win.view("rhythm").result.range.first == first
    _switch(qtbot, win, lambda: win.show_view("overview"))
    _switch(qtbot, win, lambda: overview.set_split("model"))
    assert all("claude" in name or "gpt" in name for name, _c, _v in overview.series)  # type: ignore[attr-defined]


def test_export_png_and_csv(qtbot, open_window, history_store: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = open_window(history_store)
    _switch(qtbot, win, lambda: win.set_range("7d"))
    png, table = tmp_path / "overview.png", tmp_path / "overview.csv"
    with qtbot.waitSignal(win.sig_exported, timeout=10_000) as sig:
        win.export_png(png)
    assert sig.args == [str(png)]
    image = QImage(str(png))
    assert image.width() == 1600 and image.height() > 300
    with qtbot.waitSignal(win.sig_exported, timeout=10_000):
        win.export_csv(table)
    rows = _read_csv(table)
    assert rows[0][0] == "day" and "cost_usd" in rows[0]
    days = win.view("overview").daily.days  # type: ignore[attr-defined]
    assert [r[0] for r in rows[1:]] == days and len(days) == 7
    assert sum(int(r[rows[0].index("output")]) for r in rows[1:]) == sum(
        t.output for t in win.view("overview").daily.totals)  # type: ignore[attr-defined]
    for name in ("mix", "chats", "projects", "rhythm"):
        _switch(qtbot, win, lambda n=name: win.show_view(n))
        path = tmp_path / f"{name}.csv"
        with qtbot.waitSignal(win.sig_exported, timeout=10_000):
            win.export_csv(path)
        head, rows_expected = win.view(name).table()
        written = _read_csv(path)
        assert written[0] == head and len(written) == len(rows_expected) + 1
        with qtbot.waitSignal(win.sig_exported, timeout=10_000):
            win.export_png(tmp_path / f"{name}.png")
        assert not QImage(str(tmp_path / f"{name}.png")).isNull()


def test_show_session_plots_its_growth_curve(qtbot, open_window, history_store: Path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    conn = sqlite3.connect(history_store / "tokenpulse.sqlite3")
    child, parent_key, first = conn.execute(
        "SELECT s.id, s.parent_key, t.first_context FROM chat_session s JOIN chat_stats t ON t.session_id = s.id"
        " WHERE s.parent_key IS NOT NULL ORDER BY s.first_ms DESC LIMIT 1").fetchone()
    conn.close()
    win = open_window(history_store)
    chats = win.chats
    with qtbot.waitSignal(chats.sig_curve_shown, timeout=10_000, check_params_cb=lambda sid: sid == child):
        win.show_session(child)
    assert win.current is chats
    current = chats.model.chat(chats.tree.currentIndex())
    assert current is not None and current.session_id == child and current.parent_key == parent_key
    assert chats.tree.isExpanded(chats.tree.currentIndex().parent())
    assert chats.growth.curve.floor == first
    assert "floor" in chats.growth.floor.label.textItem.toPlainText()
    # sorting (a header click) and filtering ask for a new, sorted and filtered fetch
    _switch(qtbot, win, lambda: chats.tree.sortByColumn(5, Qt.SortOrder.AscendingOrder))
    outputs = [c.family_output for c in chats.model.rows]
    assert outputs == sorted(outputs) and len(outputs) > 10
    _switch(qtbot, win, lambda: chats.filter.setText("proj-codex"))
    assert chats.model.rows and all(c.source == "codex" for c in chats.model.rows)
    assert "chats" in chats.count.text()


def test_refresh_shows_new_data(qtbot, open_window, history_store: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = open_window(history_store)
    day = NOW.date().isoformat()
    assert win.view("overview").day_numbers(day)["calls"] == 0  # type: ignore[attr-defined]
    claude_chat(tmp_path / "claude", NOW.date(), 9, hour=8, calls=3)
    scan(history_store, tmp_path / "claude", tmp_path / "codex", tmp_path)
    _switch(qtbot, win, win.refresh)
    assert win.view("overview").day_numbers(day)["calls"] == 3  # type: ignore[attr-defined]
    win.refresh()  # a burst of refreshes within the delay is folded into one later redraw
    win.refresh()
    assert win._refresh.pending
    _switch(qtbot, win, lambda: None)
    # hidden: a refresh only drops what is cached; showing the window again draws the new state
    win.hide()
    claude_chat(tmp_path / "claude", NOW.date(), 10, hour=9, calls=2)
    scan(history_store, tmp_path / "claude", tmp_path / "codex", tmp_path)
    win.refresh()
    _switch(qtbot, win, win.show)
    import sqlite3

    conn = sqlite3.connect(history_store / "tokenpulse.sqlite3")
    calls = conn.execute("SELECT count(*) FROM api_call WHERE date(ts_ms / 1000, 'unixepoch') = ?", (day,)).fetchone()[0]
    conn.close()
    assert calls > 3 and win.view("overview").day_numbers(day)["calls"] == calls  # type: ignore[attr-defined]


def test_queries_run_off_the_gui_thread(qtbot, open_window, history_store: Path,  # type: ignore[no-untyped-def]
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from tokenpulse.insights import chart_data

    threads: list[threading.Thread] = []
    real = chart_data.rhythm

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(chart_data, "rhythm", spy)
    win = open_window(history_store)
    _switch(qtbot, win, lambda: win.show_view("rhythm"))
    assert threads and threading.main_thread() not in threads


def test_dark_palette(qtbot, open_window, history_store: Path) -> None:  # type: ignore[no-untyped-def]
    win = open_window(history_store)
    palette = QPalette(win.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#e0e0e0"))
    win.setPalette(palette)
    assert win.theme.dark
    plot = win.view("overview").plot  # type: ignore[attr-defined]
    assert plot.backgroundBrush().color().lightness() < 60
