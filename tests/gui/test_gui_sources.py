"""Settings › Sources offscreen: the table and details from SourceReports (text from outside shown as plain text),
"Check again" through the worker, the tab in the dialog; the summary's and the tray menu's went-quiet line."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from helpers import claude_line, write_lines
from presenters.factories import NOW, make_snapshot
from tokenpulse.clock import FakeClock
from tokenpulse.config.paths import resolve
from tokenpulse.config.settings import Settings
from tokenpulse.gui.app import TokenpulseApp
from tokenpulse.gui.bridge import Bridge
from tokenpulse.gui.popup import SummaryPopup
from tokenpulse.gui.settings_dialog import SettingsDialog
from tokenpulse.gui.sources_page import STATE_COLOURS, SourcesPage
from tokenpulse.gui.tray import Tray
from tokenpulse.insights.source_health import QuietSource, SourceFacts
from tokenpulse.presenters.first_run import looked_in
from tokenpulse.presenters.source_health import build_reports
from tokenpulse.service.messages import ReportSources, SnapshotChanged
from tokenpulse.sources import registry
from tokenpulse.store.health import HealthRow

HOME = Path("/home/u")
HOUR = 3_600_000
HOSTILE = "line of <img src=x> \x1b[31mshape"


def _reports():  # type: ignore[no-untyped-def]
    facts = {
        "claude-code": SourceFacts(3, 0, HealthRow("claude-code", last_call_ms=NOW - HOUR, last_counted_ms=NOW)),
        "gemini": SourceFacts(2, 0, HealthRow("gemini", last_change_ms=NOW - HOUR, last_call_ms=NOW - 50 * HOUR,
                                              counted_change_ms=NOW - 50 * HOUR, quiet_since_ms=NOW - 40 * HOUR,
                                              recent_skips=[(NOW - HOUR, {HOSTILE: 7})]), went_quiet=True),
    }
    existing = {HOME / ".claude/projects", HOME / ".gemini/tmp"}
    return build_reports(looked_in(Settings(), {}, HOME), facts, lambda p: "exists" if p in existing else "missing")


def _page(qtbot) -> SourcesPage:  # type: ignore[no-untyped-def]
    page = SourcesPage(HOME, ZoneInfo("UTC"))
    qtbot.addWidget(page)
    return page


def _row(page: SourcesPage, label: str) -> list[str]:
    t = page.table
    row = next(r for r in range(t.rowCount()) if t.item(r, 0).text() == label)
    return [t.item(row, c).text() for c in range(t.columnCount())]


def test_the_table_says_each_agents_state_and_the_quiet_one_is_chosen(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot)
    assert page.status.text() == "Reading the store…" and page.table.rowCount() == 0
    page.show_reports(_reports(), NOW)
    assert page.table.rowCount() == len(registry.all_sources())
    assert _row(page, "Claude Code") == ["Claude Code", "counting calls", "3", "2026-09-21 13:13 (1 h ago)", "none"]
    assert _row(page, "Gemini CLI") == ["Gemini CLI", "went quiet", "2", "2026-09-19 12:13 (2 days ago)",
                                        "7 in 1 scan"]
    assert _row(page, "Codex")[1] == "folder missing"
    quiet = page.table.item(page.table.currentRow(), 1)
    assert page.current_source() == "gemini"  # the one to look at is shown first
    assert quiet.foreground().color().name() == STATE_COLOURS["quiet"] and quiet.font().bold()
    assert page.status.text() == "2 of 17 agents found here; went quiet: Gemini CLI"


def test_details_show_text_from_outside_as_plain_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot)
    page.show_reports(_reports(), NOW)
    details = page.details
    assert details.textFormat() == page.heading.textFormat() == Qt.TextFormat.PlainText
    assert page.heading.text().startswith("Gemini CLI: went quiet. Its logs kept changing from 2026-09-19 22:13 to"
                                          " 2026-09-21 13:13, but no change brought a call")
    lines = details.text().splitlines()
    assert lines[:3] == ["folders (the default; GEMINI_DATA_DIR moves it):", "    ~/.gemini/tmp (exists)",
                         "files read: 2"]
    assert "lines skipped: 7, in the last scan that skipped any (2026-09-21 13:13)" in lines
    assert "           7  line of <img src=x> \\x1b[31mshape" in lines  # shown as written, escape visible
    page.select_source("claude-code")
    assert page.heading.text() == "Claude Code: counting calls. Calls are counted."


def test_check_again_asks_and_keeps_the_chosen_row(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot)
    page.show_reports(_reports(), NOW)
    page.select_source("codex")
    with qtbot.waitSignal(page.sig_refresh_requested, timeout=1000):
        page.refresh_button.click()
    assert not page.refresh_button.isEnabled() and page.status.text() == "Checking…"
    page.show_reports(_reports(), NOW + 60_000)
    assert page.refresh_button.isEnabled() and page.current_source() == "codex"
    assert page.heading.text().startswith("Codex: folder missing. None of its folders exist")


def test_the_settings_dialog_has_a_sources_tab(qtbot) -> None:  # type: ignore[no-untyped-def]
    sources = registry.all_sources()
    dialog = SettingsDialog(Settings(), sources, {s.name: [] for s in sources}, False, "UTC", home=HOME)
    qtbot.addWidget(dialog)
    tabs = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert tabs == ["General", "Log folders", "Sources", "Prices", "Reminders", "Plan limits", "Work"]
    assert dialog.tabs.widget(2) is dialog.sources_page


def test_opening_settings_asks_the_worker_and_the_page_fills(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m1", ts="2026-03-01T10:00:00Z")])
    env = {"CLAUDE_CONFIG_DIR": str(tmp_path / "claude"), "CODEX_HOME": str(tmp_path / "codex"),
           "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    app = TokenpulseApp(resolve(tmp_path / "data"), env=env, home=tmp_path / "home", tray_available=False,
                        background=True)
    qtbot.addWidget(app.popup)
    try:
        app.start()
        qtbot.waitUntil(lambda: app.bridge.latest.ready, timeout=10_000)
        app.popup.sig_settings_requested.emit()
        dialog = app._dialog
        assert dialog is not None
        page = dialog.sources_page
        qtbot.waitUntil(lambda: page.table.rowCount() == len(registry.all_sources()), timeout=5_000)
        assert _row(page, "Claude Code")[:3] == ["Claude Code", "counting calls", "1"]
        assert page.current_source() == "claude-code"  # the first agent, none went quiet
        with qtbot.waitSignal(app.bridge.sig_sources_reported, timeout=5_000):
            page.refresh_button.click()
        assert page.refresh_button.isEnabled()
        dialog.close()
    finally:
        app.shutdown()


def test_check_again_sends_report_sources(qtbot, fake_worker) -> None:  # type: ignore[no-untyped-def]
    bridge = Bridge(make_snapshot())
    bridge.attach(fake_worker)  # type: ignore[arg-type]
    page = _page(qtbot)
    page.sig_refresh_requested.connect(lambda: bridge.send(ReportSources()))
    page.refresh_button.click()
    assert fake_worker.calls[-1] == ("send", ReportSources())


# --- the summary and the tray menu ------------------------------------------------------------------------

QUIET = (QuietSource("gemini", "Gemini CLI", NOW - 50 * HOUR, NOW - 40 * HOUR),)


def test_the_summary_says_which_agent_went_quiet(qtbot) -> None:  # type: ignore[no-untyped-def]
    popup = SummaryPopup()
    qtbot.addWidget(popup)
    popup.update_snapshot(make_snapshot(quiet_sources=QUIET))
    label = popup.findChild(QLabel, "quiet_sources")
    assert label is popup.quiet and label.textFormat() == Qt.TextFormat.PlainText and not label.isHidden()
    assert " ".join(label.text().split()) == ("Gemini CLI went quiet: its logs keep changing, but no call was counted"
                                              " since 19 Sep. Settings › Sources says more.")
    height = popup.height()
    popup.update_snapshot(make_snapshot())
    assert label.isHidden() and popup.height() < height


def test_the_tray_menu_says_which_agent_went_quiet(qtbot, fake_worker) -> None:  # type: ignore[no-untyped-def]
    bridge = Bridge(make_snapshot())
    bridge.attach(fake_worker)  # type: ignore[arg-type]
    popup = SummaryPopup()
    qtbot.addWidget(popup)
    tray = Tray(bridge, popup, FakeClock(NOW), lambda: False)
    bridge.post(SnapshotChanged(make_snapshot(quiet_sources=QUIET)))
    qtbot.waitUntil(lambda: bridge.latest.quiet_sources == QUIET, timeout=2000)
    tray.menu.aboutToShow.emit()
    line = next(a for a in tray.menu.actions() if "went quiet" in a.text())
    assert line.text() == "Gemini CLI went quiet: no calls since 19 Sep" and line.isEnabled()  # reads as text
