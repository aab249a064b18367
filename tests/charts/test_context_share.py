"""Context as a share of the model's window wherever the charts show a context (issue 11 §5): the Chats view's
"Peak context" column and the growth curve, from the same window the summary uses (insights.context_windows)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPointF

from helpers import claude_line, make_workspace, write_lines
from tokenpulse.config.settings import Settings
from tokenpulse.insights import chart_chats
from tokenpulse.insights.chart_data import DayRange
from tokenpulse.insights.context_windows import window_for
from tokenpulse.insights.hooks import after_scan

UTC = ZoneInfo("UTC")
DAY = DayRange(date(2026, 3, 1), date(2026, 3, 1))


def _chat(session: str, model: str) -> list[str]:
    """Three calls growing to a peak of 112,000 tokens re-read."""
    return [claude_line(msg_id=f"{session}{k}", req_id=f"r{session}{k}", input=10, cache_read=ctx - 10,
                        model=model, session=session, ts=f"2026-03-01T10:0{k}:00.000Z")
            for k, ctx in enumerate((20_000, 112_000, 90_000))]


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[object]:
    claude = tmp_path / "claude"
    write_lines(claude / "projects/p/a.jsonl", _chat("sonnet", "claude-sonnet-4-5-20250929"))  # documented: 200k
    write_lines(claude / "projects/p/b.jsonl", _chat("stated", "claude-opus-4-1-20250805"))  # states 1M below
    write_lines(claude / "projects/p/c.jsonl", _chat("mystery", "mystery-model-9"))  # no window known
    workspace = make_workspace(tmp_path, claude=claude)
    summary = workspace.scan()
    # what Claude Code's status line says for a chat on the 1M beta (store.limits keeps it as it is here)
    workspace.conn.execute("INSERT INTO context_window (source, session_key, model, tokens, seen_ms)"
                           " VALUES ('claude-code', 'stated', 'claude-opus-4-1-20250805', 1000000, 0)")
    workspace.conn.commit()
    after_scan(workspace.conn, summary.sessions_touched, workspace.pricer, Settings(timezone="UTC"))
    yield workspace
    workspace.close()


def _listed(ws) -> dict[str, chart_chats.Chat]:  # type: ignore[no-untyped-def]
    return {c.session_key: c for c in chart_chats.chats(ws.conn, UTC, DAY).chats}


def test_listed_chats_carry_the_window_the_summary_uses(ws) -> None:  # type: ignore[no-untyped-def]
    listed = _listed(ws)
    assert {k: c.context_window for k, c in listed.items()} == {"sonnet": 200_000, "stated": 1_000_000,
                                                                "mystery": None}
    for key, c in listed.items():
        assert c.context_window == window_for(ws.conn, c.source, key, c.models[0])
        assert c.peak_context == 112_000
    assert listed["sonnet"].family_peak_share == pytest.approx(0.56) and listed["mystery"].peak_share is None


def test_the_peak_context_column_shows_the_share(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from tokenpulse.gui.charts.chats_model import COLUMNS, ChatModel

    model = ChatModel(UTC)
    model.set_list(chart_chats.chats(ws.conn, UTC, DAY), UTC)
    col = COLUMNS.index("Peak context")
    shown = {model.chat(model.index(r, 0)).session_key: model.data(model.index(r, col))  # type: ignore[union-attr]
             for r in range(model.rowCount())}
    assert shown == {"sonnet": "112k · 56 %", "stated": "112k · 11 %", "mystery": "112k"}
    assert "share of the model's context window" in str(model.headerData(col, Qt.Orientation.Horizontal,
                                                                          Qt.ItemDataRole.ToolTipRole))


def test_the_growth_curve_reads_out_the_share(qtbot, ws) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.gui.charts.growth import GrowthPlot
    from tokenpulse.gui.charts.style import Theme

    sid = ws.conn.execute("SELECT id FROM chat_session WHERE session_key = 'sonnet'").fetchone()[0]
    curve = chart_chats.chat_curve(ws.conn, sid, 5_000)
    assert curve.context_window == 200_000
    from PySide6.QtWidgets import QApplication

    plot = GrowthPlot(Theme.from_palette(QApplication.palette()))
    qtbot.addWidget(plot)
    plot.resize(700, 400)
    plot.show()
    plot.show_curve(curve, "a chat", UTC)
    assert "(peak 112k · 56 % of the 200k window)" in plot.readout.text()
    vb = plot.plot.getPlotItem().vb
    plot._on_scene_mouse_moved(vb.mapViewToScene(QPointF(2, 112_000)))  # the pointer on the peak call
    assert "re-read <b>112k</b> · 56 % of the window" in plot.readout.text()
    assert plot.tip.isVisible() and "56 % of the window" in plot.tip.text()
    unknown = chart_chats.chat_curve(
        ws.conn, ws.conn.execute("SELECT id FROM chat_session WHERE session_key = 'mystery'").fetchone()[0], 5_000)
    plot.show_curve(unknown, "another", UTC)
    plot._on_scene_mouse_moved(vb.mapViewToScene(QPointF(2, 112_000)))
    assert "re-read <b>112k</b> (waste" in plot.readout.text() and "window" not in plot.readout.text()



def test_the_chats_listing_shows_folder_and_model_names_with_their_controls_escaped(tmp_path: Path) -> None:
    """Folder and model names come from the logs: a right-to-left override or an escape sequence is shown as
    an escape in the Chats listing's cells and tooltips, never applied."""
    from tokenpulse.gui.charts.chats_model import ChatModel
    claude = tmp_path / "claude"
    hostile = "/w/evil\u202etxt.exe\x1b[2J"
    write_lines(claude / "projects/p/h.jsonl", [claude_line(cwd=hostile, model="claude-sonnet-4-5\u202e",
                                                            ts="2026-03-01T10:00:00.000Z")])
    workspace = make_workspace(tmp_path, claude=claude)
    try:
        summary = workspace.scan()
        after_scan(workspace.conn, summary.sessions_touched, workspace.pricer, Settings(timezone="UTC"))
        model = ChatModel(UTC)
        model.set_list(chart_chats.chats(workspace.conn, UTC, DAY), UTC)
        cells = [model.data(model.index(0, col)) for col in range(model.columnCount())]
        tip = model.data(model.index(0, 0), 3)  # Qt.ItemDataRole.ToolTipRole
        shown = [c for c in [*cells, tip] if isinstance(c, str)]
        assert not [c for c in shown if "\u202e" in c or "\x1b" in c]
        assert any("\\u202e" in c for c in shown)  # visible as an escape, not dropped
    finally:
        workspace.close()
