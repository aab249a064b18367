"""The charts window offscreen: every view draws, ranges switch, chats open on request, refreshes follow new
data, queries stay off the GUI thread, and the palette follows the desktop's."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from chart_history import NOW, START, claude_chat
from chart_stores import SAMPLE_NOW, scan
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication

from tokenpulse.gui.charts.axes import DAY_S
from tokenpulse.gui.charts.style import short_models
from tokenpulse.gui.charts.window import VIEWS, ChartsWindow


def _switch(qtbot, win: ChartsWindow, action) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(win.sig_view_updated, timeout=10_000):
        action()


def _colours(image: QImage, step: int = 3) -> int:
    """Distinct colours on a grid of pixels: a plot with axes, text and data has dozens, a blank one two."""
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})


def _plot_of(win: ChartsWindow, name: str):  # type: ignore[no-untyped-def]
    view = win.view(name)
    return view.growth.plot if name == "chats" else view.plot  # type: ignore[attr-defined]


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
        image = _plot_of(win, name).grab().toImage()
        assert image.width() > 600 and _colours(image) > 12, name  # drawn, not an empty frame
        head, rows = view.table()
        assert head and rows, name


def test_range_switching(qtbot, open_window, history_store: Path) -> None:  # type: ignore[no-untyped-def]
    win = open_window(history_store)
    overview = win.view("overview")
    assert len(overview.result.range.days()) == 30  # the default
    assert overview.result.range.last == NOW.date()
    for key, n in (("7d", 7), ("90d", 90)):
        _switch(qtbot, win, win.range_bar.buttons[key].click)
        assert len(overview.daily.days) == n and overview.daily.unit == "day"  # type: ignore[attr-defined]
        assert overview.daily.days[-1] == NOW.date().isoformat()  # type: ignore[attr-defined]
        assert overview.daily.partial == [False] * (n - 1) + [True]  # type: ignore[attr-defined]  # today's
        assert win.range_bar.buttons[key].isChecked()
    # a year is drawn per week: 53 Mondays (the range starts on one), this week running
    _switch(qtbot, win, win.range_bar.buttons["1y"].click)
    weeks = overview.daily  # type: ignore[attr-defined]
    assert weeks.unit == "week" and len(weeks.days) == 53 and weeks.partial == [False] * 52 + [True]
    assert len(overview.result.range.days()) == 365
    assert "per week" in overview.heading.text() and "per week" in overview.export_title()  # type: ignore[attr-defined]
    bar = overview.bars.items[0]  # type: ignore[attr-defined]
    x = np.asarray(bar.opts["x"])  # each week's bar in the middle of its Monday-to-Sunday slot, a week apart
    assert len(x) == 53 and np.all(np.diff(x) == 7 * DAY_S) and np.all(np.asarray(bar.opts["width"]) == 7 * DAY_S * 0.8)
    veil = overview.bars.veil.opts  # type: ignore[attr-defined]  # this week's bar, and only it, veiled
    assert list(veil["x"]) == [x[-1]] and list(veil["height"]) == [overview.bars.tops[-1]]  # type: ignore[attr-defined]
    assert x[0] == (date.fromisoformat(weeks.days[0]) - date(1970, 1, 1)).days * DAY_S + 3 * DAY_S
    for name in ("overview", "mix", "chats", "projects", "rhythm"):  # legends wrap: nothing widens the window
        _switch(qtbot, win, lambda n=name: win.show_view(n))
    assert win.tabs.minimumSizeHint().width() <= 1280
    _switch(qtbot, win, lambda: win.show_view("overview"))
    _switch(qtbot, win, win.range_bar.buttons["all"].click)
    assert overview.daily.days[0] == START.isoformat()  # type: ignore[attr-defined]
    # the date picker: the days typed into "from" and "to" are the days shown
    first, last = START + timedelta(days=10), START + timedelta(days=16)
    bar = win.range_bar
    bar.last.setDate(QDate(last.year, last.month, last.day))
    bar.first.setDate(QDate(first.year, first.month, first.day))
    bar.last.editingFinished.emit()
    _switch(qtbot, win, bar.first.editingFinished.emit)
    assert overview.daily.days == [(first + timedelta(days=i)).isoformat() for i in range(7)]  # type: ignore[attr-defined]
    assert not any(b.isChecked() for b in win.range_bar.buttons.values())
    assert win.range_bar.first.date().toPython() == first
    # another view picks up the chosen range; toggles redraw without a fetch
    _switch(qtbot, win, lambda: win.show_view("rhythm"))
    assert win.view("rhythm").result.range.first == first
    _switch(qtbot, win, lambda: win.show_view("overview"))
    _switch(qtbot, win, overview.split_buttons["model"].click)  # type: ignore[attr-defined]
    models = {n for n, _c, _v in overview.series}  # type: ignore[attr-defined]
    assert models == {short_models([m]) for m in overview.daily.models} and len(models) >= 3  # type: ignore[attr-defined]
    _switch(qtbot, win, lambda: overview.set_split("agent"))  # type: ignore[attr-defined]
    assert overview.split_buttons["agent"].isChecked()  # type: ignore[attr-defined]
    assert {n for n, _c, _v in overview.series} == {"Claude Code", "Codex"}  # type: ignore[attr-defined]
    _switch(qtbot, win, lambda: win.show_view("mix"))
    mix = win.view("mix")
    _switch(qtbot, win, mix.unit_buttons["cost"].click)  # type: ignore[attr-defined]
    day = mix.daily.totals  # type: ignore[attr-defined]
    assert mix.bars.tops.tolist() == pytest.approx([t.cost or 0.0 for t in day])  # type: ignore[attr-defined]


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
    # the first click on a numeric column sorts largest first, whatever order the header asks; the second turns it
    header = chats.tree.header()
    _switch(qtbot, win, lambda: chats.tree.sortByColumn(5, Qt.SortOrder.AscendingOrder))
    outputs = [c.family_output for c in chats.model.rows]
    assert outputs == sorted(outputs, reverse=True) and len(outputs) > 10
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (5, Qt.SortOrder.DescendingOrder)
    _switch(qtbot, win, lambda: chats.tree.sortByColumn(5, Qt.SortOrder.AscendingOrder))
    outputs = [c.family_output for c in chats.model.rows]
    assert outputs == sorted(outputs)
    _switch(qtbot, win, lambda: chats.filter.setText("proj-codex"))
    assert chats.model.rows and all(c.source == "codex" for c in chats.model.rows)
    assert "chats" in chats.count.text()


def test_show_session_of_a_chat_outside_the_range(qtbot, open_window, history_store: Path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    conn = sqlite3.connect(history_store / "tokenpulse.sqlite3")
    sid, calls = conn.execute("SELECT session_id, count(*) FROM api_call GROUP BY session_id"
                              " ORDER BY min(ts_ms) LIMIT 1").fetchone()  # the oldest: not in the last 7 days
    conn.close()
    win = open_window(history_store)
    _switch(qtbot, win, lambda: win.set_range("7d"))
    chats = win.chats
    with qtbot.waitSignal(chats.sig_curve_shown, timeout=10_000, check_params_cb=lambda s: s == sid):
        win.show_session(sid)
    assert win.current is chats and win.isVisible()
    assert chats.model.find(sid).isValid() is False
    assert len(chats.growth.curve.context) == calls and "not in the table" in chats.growth.title.text()


def test_a_store_that_appears_later(qtbot, tmp_path: Path, history_store: Path) -> None:  # type: ignore[no-untyped-def]
    """First start: the store does not exist yet; the window says so, then draws once a refresh finds it."""
    import shutil

    from tokenpulse.clock import FakeClock
    from tokenpulse.config.settings import Settings

    db = tmp_path / "later" / "tokenpulse.sqlite3"
    win = ChartsWindow(db, Settings(timezone="UTC"), FakeClock(NOW))
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.sig_failed, timeout=10_000):
        win.show()
    assert "Could not read the store" in win.status.text() and win.current.result is None
    db.parent.mkdir()
    shutil.copyfile(history_store / "tokenpulse.sqlite3", db)
    with qtbot.waitSignal(win.sig_view_updated, timeout=10_000):
        win.refresh()
    assert sum(t.calls for t in win.view("overview").daily.totals) > 0  # type: ignore[attr-defined]
    win.shutdown()


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


def test_a_refresh_keeps_what_the_user_opened(qtbot, open_window, history_store: Path,  # type: ignore[no-untyped-def]
                                              tmp_path: Path) -> None:
    """Live data redraws Chats and Projects without collapsing rows or losing the picked project."""
    win = open_window(history_store)
    _switch(qtbot, win, lambda: win.show_view("chats"))
    chats = win.chats
    parents = [r for r, c in enumerate(chats.model.rows) if c.children]
    assert len(parents) >= 2
    opened = chats.model.rows[parents[1]].session_id
    chats.tree.expand(chats.model.index(parents[1], 0))
    low = chats.model.rows[-1].session_id  # a chat far down is plotted, then the user scrolls back up
    with qtbot.waitSignal(chats.sig_curve_shown, timeout=10_000, check_params_cb=lambda s: s == low):
        chats.tree.setCurrentIndex(chats.model.index(len(chats.model.rows) - 1, 0))
    assert chats.shown_session == low
    bar = chats.tree.verticalScrollBar()
    assert bar.maximum() > 3
    bar.setValue(2)
    scrolled = bar.value()
    claude_chat(tmp_path / "claude", NOW.date(), 9, hour=8, calls=3)
    scan(history_store, tmp_path / "claude", tmp_path / "codex", tmp_path)
    _switch(qtbot, win, win.refresh)
    assert chats.model.rows[0].start_ms > chats.model.rows[1].start_ms  # the new chat is listed first
    row = next(r for r, c in enumerate(chats.model.rows) if c.session_id == opened)
    assert chats.tree.isExpanded(chats.model.index(row, 0))
    assert not chats.tree.isExpanded(chats.model.index(parents[0] + 1, 0))  # only what was open
    assert bar.value() == scrolled
    _switch(qtbot, win, lambda: win.show_view("projects"))
    projects = win.view("projects")
    assert projects.projects_model.rowCount() >= 2  # type: ignore[attr-defined]
    # the Chats table's look: a flat sortable tree whose model lists keep their first names
    assert projects.projects_view.rootIsDecorated() is False  # type: ignore[attr-defined]
    assert projects.chats_view.textElideMode() == Qt.TextElideMode.ElideRight  # type: ignore[attr-defined]
    projects.select_row(1)  # type: ignore[attr-defined]
    picked = projects.projects_model.payload(1).name  # type: ignore[attr-defined]
    claude_chat(tmp_path / "claude", NOW.date(), 10, hour=9, calls=2)
    scan(history_store, tmp_path / "claude", tmp_path / "codex", tmp_path)
    _switch(qtbot, win, win.refresh)
    current = projects.projects_view.currentIndex().row()  # type: ignore[attr-defined]
    assert projects.projects_model.payload(current).name == picked  # type: ignore[attr-defined]
    assert picked in projects.chats_title.text()  # type: ignore[attr-defined]


def test_the_last_chat_picked_is_the_one_plotted(qtbot, open_window, history_store: Path,  # type: ignore[no-untyped-def]
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Two reader threads: a slow curve asked for first must not replace the one picked after it."""
    import time

    from tokenpulse.insights import chart_chats

    win = open_window(history_store)
    _switch(qtbot, win, lambda: win.show_view("chats"))
    chats = win.chats
    slow, quick = chats.model.rows[3].session_id, chats.model.rows[5].session_id
    real, finished = chart_chats.chat_curve, []

    def curve(conn, session_id, allowance):  # type: ignore[no-untyped-def]
        if session_id == slow:
            time.sleep(0.3)  # the query of a long chat
        found = real(conn, session_id, allowance)
        finished.append(session_id)
        return found

    monkeypatch.setattr(chart_chats, "chat_curve", curve)
    chats.tree.setCurrentIndex(chats.model.index(3, 0))
    with qtbot.waitSignal(chats.sig_curve_shown, timeout=10_000, check_params_cb=lambda s: s == quick):
        chats.tree.setCurrentIndex(chats.model.index(5, 0))
    qtbot.waitUntil(lambda: slow in finished, timeout=10_000)
    win.fetcher.wait()
    QApplication.processEvents()  # the slow result is delivered now, and must be dropped
    assert chats.shown_session == quick and chats.growth.curve.session_id == quick


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
    axis = plot.getPlotItem().getAxis("left")
    assert axis.textPen().color().lightness() > 180  # light ink on the dark plot
    _switch(qtbot, win, lambda: win.show_view("rhythm"))
    rhythm = win.view("rhythm")
    empty = rhythm.image.lut[0]  # type: ignore[attr-defined]
    assert tuple(empty[:3]) == QColor("#1e1e1e").getRgb()[:3]  # a cell without work is the background


def test_new_settings_cut_days_in_the_new_zone(qtbot, open_window, history_store: Path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3
    from zoneinfo import ZoneInfo

    from tokenpulse.config.settings import Settings, with_changes
    from tokenpulse.insights import chart_data

    win = open_window(history_store)
    settings = Settings(timezone="Asia/Kathmandu")
    settings = with_changes(settings, reminders=with_changes(settings.reminders, recap_allowance=12_000))
    _switch(qtbot, win, lambda: win.apply_settings(settings))
    overview = win.view("overview")
    rng = overview.result.range
    conn = sqlite3.connect(f"file:{history_store / 'tokenpulse.sqlite3'}?mode=ro", uri=True)
    want = chart_data.daily(conn, ZoneInfo("Asia/Kathmandu"), rng)
    utc = chart_data.daily(conn, ZoneInfo("UTC"), rng)
    longest = conn.execute("SELECT session_id FROM chat_stats ORDER BY calls DESC LIMIT 1").fetchone()[0]
    conn.close()
    got = overview.daily  # type: ignore[attr-defined]
    assert [t.output for t in got.totals] == [t.output for t in want.totals] != [t.output for t in utc.totals]
    chats = win.chats
    with qtbot.waitSignal(chats.sig_curve_shown, timeout=10_000, check_params_cb=lambda s: s == longest):
        win.show_session(longest)
    curve = chats.growth.curve
    assert curve.recap_allowance == 12_000 and chats.growth.limit.value() == curve.floor + 12_000


def test_chats_view_counts_the_reminders_shown_and_followed(qtbot, open_window, history_store: Path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from tokenpulse.store.reminders import log_shown, mark_followed

    conn = sqlite3.connect(history_store / "tokenpulse.sqlite3", isolation_level=None)
    # a recent chat after which another one started in the same folder
    sid, project, first_ms, later = conn.execute(
        "SELECT s.id, s.project, s.first_ms, min(n.first_ms) FROM chat_session s JOIN chat_session n"
        " ON n.project = s.project AND n.parent_key IS NULL AND n.first_ms > s.first_ms"
        " WHERE s.parent_key IS NULL GROUP BY s.id ORDER BY s.first_ms DESC LIMIT 1 OFFSET 2").fetchone()
    log_shown(conn, key=f"fresh_chat:{sid}:1", rule="fresh_chat", title="t", body="b", session_id=sid,
              project=project, shown_ms=later - 60_000)  # a minute before the next chat there began: followed
    log_shown(conn, key=f"cache_expired:{sid}:1", rule="cache_expired", title="t", body="b", session_id=sid,
              project="/nowhere", shown_ms=first_ms)  # no new chat there: not followed
    assert mark_followed(conn, later + 1, window_ms=30 * 60_000) == 1
    conn.close()
    win = open_window(history_store)
    chats = win.chats
    _switch(qtbot, win, lambda: win.show_view("chats"))
    assert "2 chat reminders, 1 followed by a new chat" in chats.count.text(), chats.count.text()
