"""The work read from git in the charts (offscreen): Projects shows work beside spend for the picked project,
Overview overlays commits per day when asked, Chats marks a chat's commits on its curve; the numbers are the
store's, equal to the CLI's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitrepo import require_git
from tokenpulse.work.reader import WorkReader
from work_world import World, build

NOW = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)  # the day after the world's commits and chats


@pytest.fixture
def work_store(tmp_path: Path) -> tuple[World, Path]:
    """The world of tests/work_world.py scanned and its work read into a store; returns (world, data folder)."""
    require_git()
    from tokenpulse.config.paths import resolve
    from tokenpulse.workspace import Workspace

    w = build(tmp_path)
    ws = Workspace(resolve(tmp_path / "data"), env={"CLAUDE_CONFIG_DIR": str(w.claude)}, home=tmp_path / "nohome")
    try:
        ws.work_reader = WorkReader(env=w.env)
        ws.scan()
        ws.refresh_work()
    finally:
        ws.close()
    return w, tmp_path / "data"


def _switch(qtbot, win, action) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(win.sig_view_updated, timeout=10_000):
        action()


def test_projects_show_work_beside_spend_for_the_picked_project(qtbot, open_window, work_store) -> None:  # type: ignore[no-untyped-def]
    w, data = work_store
    win = open_window(data, now=NOW)
    _switch(qtbot, win, lambda: win.show_view("projects"))
    view = win.views["projects"]
    panel = view.work_piece
    qtbot.waitUntil(lambda: panel.data is not None, timeout=10_000)
    names = [p.name for p, _cells, _keys in view.projects_model.rows]
    row = names.index(f"{w.alpha.path}/src")  # a sub-folder: its repository's figures
    view.select_row(row)
    qtbot.waitUntil(lambda: panel.shown is not None and panel.shown.name == str(w.alpha.path), timeout=5_000)
    text = panel.text.text()
    assert "6 commits, +27 / −0 lines, 7 files" in text
    assert "500 output tokens" in text and "(6 commits)" in text and "(27 lines)" in text
    assert "0 days with commits and no agent use" in text
    heights = panel.commit_bars.opts["height"]
    assert list(heights) == [0] * 28 + [6] + [0]  # 30 days to today (Jan 2nd): six commits on Jan 1st
    assert sum(panel.output_bars.opts["height"]) == 500
    # a folder outside any repository: said so, never zero commits
    view.select_row(names.index(str(w.plain)))
    qtbot.waitUntil(lambda: panel.shown is not None and panel.shown.name == str(w.plain), timeout=5_000)
    assert "not a git repository: no work figures" in panel.text.text()
    assert "<b>" in panel.text.text() and "<script" not in panel.text.text()


def test_overview_overlays_commits_per_day_when_asked(qtbot, open_window, work_store) -> None:  # type: ignore[no-untyped-def]
    w, data = work_store
    win = open_window(data, now=NOW)
    strip = win.views["overview"].work_piece
    assert not strip.plot.isVisible()  # off until asked
    strip.toggle.setChecked(True)
    qtbot.waitUntil(lambda: strip.data is not None, timeout=10_000)
    assert strip.plot.isVisible()
    assert sum(strip.bars.opts["height"]) == 6 + 4 + 1  # alpha once (three folders), beta, gone
    assert strip.summary().startswith("11 commits · +50 / −0 lines in 3 repositories")
    i = strip.data.days.index("2026-01-01")
    assert strip.day_words(i).endswith("11 commits, +50 / −0 lines")
    # the strip's days sit under the overview's: a day is at the same place on the screen in both
    from PySide6.QtCore import QPointF

    from tokenpulse.gui.charts.base import day_x

    x = float(day_x(["2026-01-01"])[0])

    def screen_x(plot) -> int:  # type: ignore[no-untyped-def]
        scene = plot.getPlotItem().vb.mapViewToScene(QPointF(x, 0))
        return plot.viewport().mapToGlobal(plot.mapFromScene(scene)).x()

    main = win.views["overview"].plot
    assert abs(screen_x(strip.plot) - screen_x(main)) <= 1
    before = main.width()
    win.resize(win.width() + 200, win.height())  # and after the window is resized
    qtbot.waitUntil(lambda: main.width() > before, timeout=5_000)
    qtbot.wait(50)
    assert abs(screen_x(strip.plot) - screen_x(main)) <= 1


def test_a_chats_commits_are_marked_on_its_curve(qtbot, open_window, work_store) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    w, data = work_store
    conn = sqlite3.connect(data / "tokenpulse.sqlite3")
    ids = {key: sid for sid, key in conn.execute("SELECT id, session_key FROM chat_session")}
    conn.close()
    win = open_window(data, now=NOW)
    layer = win.chats.work_piece
    with qtbot.waitSignal(win.chats.sig_curve_shown, timeout=10_000, check_params_cb=lambda s: s == ids["a1"]):
        win.show_session(ids["a1"])
    qtbot.waitUntil(lambda: layer.found is not None and layer.found.session_id == ids["a1"], timeout=10_000)
    assert layer.positions == [pytest.approx(1.5)]  # the 13:00 commit, halfway between the 12:50 and 13:10 calls
    assert layer.summary() == "this chat: 1 commit, +10 / −0 lines, 1 file"
    assert win.chats.growth.plot.getPlotItem().titleLabel.text == layer.summary()
    assert list(layer.marks.data["x"]) == [pytest.approx(1.5)]
    with qtbot.waitSignal(win.chats.sig_curve_shown, timeout=10_000, check_params_cb=lambda s: s == ids["p1"]):
        win.show_session(ids["p1"])
    qtbot.waitUntil(lambda: layer.found is not None and layer.found.session_id == ids["p1"], timeout=10_000)
    assert layer.summary() == "this chat's folder is not a git repository: no commits to show"
    assert len(layer.marks.data) == 0


def test_the_projects_csv_carries_the_work_and_its_ratios(qtbot, open_window, work_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Export CSV of Projects: per project its range (commits, lines, the ratios with their counts) and its days;
    the rows are the panel's query's."""
    import csv
    import sqlite3

    from tokenpulse.insights import work_chart

    w, data = work_store
    win = open_window(data, now=NOW)
    _switch(qtbot, win, lambda: win.show_view("projects"))
    view = win.views["projects"]
    path = tmp_path / "projects.csv"
    with qtbot.waitSignal(win.sig_exported, timeout=10_000):
        win.export_csv(path)
    with open(path, newline="", encoding="utf-8") as fh:
        head, *rows = list(csv.reader(fh))
    conn = sqlite3.connect(f"file:{data / 'tokenpulse.sqlite3'}?mode=ro", uri=True)
    try:
        want_head, want = work_chart.beside_table(work_chart.work_beside(conn, win.request().tz, view.result.range))
    finally:
        conn.close()
    assert head == want_head and rows == [["" if v is None else str(v) for v in r] for r in want]
    col = {name: k for k, name in enumerate(head)}
    alpha = next(r for r in rows if r[col["project"]] == str(w.alpha.path) and r[col["day"]] == "range")
    assert [alpha[col[k]] for k in ("calls", "output", "commits", "lines_added", "lines_removed", "files_changed",
                                    "lines_changed")] == ["5", "500", "6", "27", "0", "7", "27"]
    assert float(alpha[col["output_tokens_per_changed_line"]]) == pytest.approx(500 / 27, abs=1e-3)
    assert float(alpha[col["cost_per_commit_usd"]]) == pytest.approx(float(alpha[col["cost_usd"]]) / 6, abs=1e-6)
    assert alpha[col["folders"]] == "; ".join(sorted([str(w.alpha.path), f"{w.alpha.path}/src", str(w.worktree)]))
    plain = next(r for r in rows if r[col["project"]] == str(w.plain) and r[col["day"]] == "range")
    assert plain[col["commits"]] == "" and plain[col["cost_per_commit_usd"]] == ""  # not a repository: no figures


def test_the_projects_panel_gives_a_days_waste(qtbot, open_window, work_store) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.gui.charts.work_projects import day_words

    w, data = work_store
    win = open_window(data, now=NOW)
    _switch(qtbot, win, lambda: win.show_view("projects"))
    panel = win.views["projects"].work_piece
    qtbot.waitUntil(lambda: panel.shown is not None, timeout=10_000)
    p = panel.shown
    i = p.days.index("2026-01-01")
    assert "no long-chat waste" in panel.text.text()  # the world's chats re-read nothing beyond their floor
    words = day_words(p, i)
    assert words.startswith("Thu 01 Jan 2026: ") and "no long-chat waste" in words and "commit" in words
    from tokenpulse.gui.charts.style import tokens, usd
    from tokenpulse.insights.work_chart import ProjectBeside

    wasted = ProjectBeside("/p", ["/p"], ["2026-01-01"], [3], [90], [0.5], None, [12_345], [0.25])
    assert f"long-chat waste {usd(0.25)} ({tokens(12_345)} tokens)" in day_words(wasted, 0)
    assert "no work figures" in day_words(wasted, 0)
