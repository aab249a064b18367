"""The first run as a newcomer meets it: no logs anywhere (a window naming every folder), "importing…" while the
first import runs, and the tray menu's way back to both."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication

from presenters.factories import make_snapshot
from tokenpulse.config.paths import resolve
from tokenpulse.gui.app import TokenpulseApp
from tokenpulse.gui.no_logs import NoLogsWindow
from tokenpulse.gui.popup import SummaryPopup
from tokenpulse.presenters.first_run import Looked, no_logs_blocks
from tokenpulse.snapshot import ImportProgress
from tokenpulse.sources.registry import all_sources

SHOTS = Path(__file__).resolve().parent / "screenshots"


def _app(tmp_path: Path, **kw) -> TokenpulseApp:  # type: ignore[no-untyped-def]
    env = {"CLAUDE_CONFIG_DIR": str(tmp_path / "claude"), "CODEX_HOME": str(tmp_path / "codex"),
           "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    return TokenpulseApp(resolve(tmp_path / "data"), env=env, home=tmp_path / "home", **kw)


def test_no_logs_anywhere_opens_a_window_naming_every_folder(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "codex").mkdir()
    app = _app(tmp_path, tray_available=False)
    qtbot.addWidget(app.popup)
    try:
        app.start()
        qtbot.waitUntil(lambda: app.first_run.window is not None and app.first_run.window.isVisible(), timeout=10_000)
        window = app.first_run.window
        assert window is not None
        assert window.headline.text() == "No agent logs found. tokenpulse looked in:"
        folders = window.folder_lines()  # a heading per agent, then its folders (indented by the view)
        assert folders[:2] == ["Claude Code (moved by CLAUDE_CONFIG_DIR):",
                               f"{tmp_path / 'claude' / 'projects'} (missing)"]
        assert folders[2:4] == ["Codex (moved by CODEX_HOME):", f"{tmp_path / 'codex' / 'sessions'} (missing)"]
        assert "OpenCode (the default; OPENCODE_DATA_DIR moves it):" in folders
        assert "~/.local/share/opencode (missing)" in folders
        assert sum(f.endswith("):") for f in folders) == len(all_sources())  # every agent
        assert "Settings › Log folders" in window.advice.text()
        SHOTS.mkdir(exist_ok=True)  # for a person to look at: the window, and the summary with the no-tray hint
        assert window.grab().save(str(SHOTS / "first-run-no-logs.png"))
        assert app.popup.grab().save(str(SHOTS / "first-run-no-tray-window.png"))
        window.log_folders_button.click()  # straight to where the folders are chosen
        assert app._dialog is not None and app._dialog.isVisible() and not window.isVisible()
        app._dialog.close()
    finally:
        app.shutdown()


def test_at_login_no_window_but_the_tray_says_it(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = _app(tmp_path, tray_available=True, background=True)
    qtbot.addWidget(app.popup)
    try:
        app.start()
        assert app.tray is not None
        qtbot.waitUntil(lambda: app.tray is not None and app.tray.no_logs, timeout=10_000)
        assert app.first_run.window is None  # nothing pops up at login
        assert app.tray.icon.toolTip() == "tokenpulse — no agent logs found (see the menu)"
        app.tray.menu.aboutToShow.emit()
        entry = next(a for a in app.tray.menu.actions() if a.text().startswith("No agent logs found"))
        entry.trigger()
        assert app.first_run.window is not None and app.first_run.window.isVisible()
    finally:
        app.shutdown()


def test_logs_found_later_clear_the_empty_state(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = _app(tmp_path, tray_available=True, background=True)
    qtbot.addWidget(app.popup)
    try:
        app.first_run.progress_changed(0, 0)
        assert app.tray is not None and app.tray.no_logs
        app.first_run.progress_changed(0, 3)  # a rescan (settings changed) counts three files
        assert not app.tray.no_logs and not app.tray.icon.toolTip().endswith("(see the menu)")
    finally:
        app.shutdown()


def test_the_summary_says_importing_not_zero_during_the_first_import(qtbot) -> None:  # type: ignore[no-untyped-def]
    popup = SummaryPopup()
    qtbot.addWidget(popup)
    popup.update_snapshot(make_snapshot(ready=False, importing=ImportProgress(5, 50)))
    cells = {k: c.text() for k, c in popup.cells.items()}
    assert set(cells.values()) == {"importing…"}, cells
    popup.update_snapshot(make_snapshot())
    assert popup.cells[("cost", "today")].text() == "$3.40"
    QApplication.processEvents()


def test_open_log_folder_opens_the_data_folders_log_folder(tmp_path: Path, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QDesktopServices

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    app = _app(tmp_path, tray_available=True, background=True)
    qtbot.addWidget(app.popup)
    try:
        assert app.tray is not None
        app.tray.menu.aboutToShow.emit()
        next(a for a in app.tray.menu.actions() if a.text() == "Open log folder").trigger()
        assert opened == [str(tmp_path / "data" / "logs")] and (tmp_path / "data" / "logs").is_dir()
    finally:
        app.shutdown()


def _many_long_folders(tmp_path: Path) -> list[Looked]:
    """Four agents of eight folders, each path far wider than any screen, without a space to wrap at."""
    deep = "/".join(f"a-rather-long-folder-name-{i:02d}" for i in range(8))
    return [Looked(agent, tmp_path / f"{agent.lower()}-{n}" / deep, f"{agent.upper()}_HOME", None)
            for agent in ("Alpha", "Beta", "Gamma", "KiloCode") for n in range(8)]


def test_no_logs_window_shows_every_long_folder_whole_on_a_small_window(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 12 §4: long paths were cut off on the right and the last agent's folders fell off the bottom.
    Every folder is in the view in full, wrapped to its width (nothing scrolls sideways), and each one can be
    scrolled into sight, on the default size and on a window smaller than a small screen."""
    looked = _many_long_folders(tmp_path)
    looked.append(Looked("Markup", Path("/tmp/<b>not bold</b>"), "X", None))  # untrusted text stays text
    window = NoLogsWindow()
    qtbot.addWidget(window)
    window.set_looked(looked, tmp_path / "home")
    screen = window.screen().availableGeometry()
    assert window.width() <= screen.width() and window.height() <= screen.height()
    assert window.width() >= 500  # a sane default: not squeezed to a strip
    window.show()
    qtbot.waitExposed(window)
    expected = [line for heading, folders in no_logs_blocks(looked, tmp_path / "home", Path.is_dir)
                for line in (f"{heading}:", *folders)]
    for size in (window.size(), QSize(360, 260)):  # the default, then a window on a very small screen
        window.resize(size)
        QApplication.processEvents()
        view = window.folders
        assert window.folder_lines() == expected  # every folder, whole (no "…", nothing cut)
        assert view.horizontalScrollBar().maximum() == 0  # wrapped to the width, never wider
        assert view.document().size().width() <= view.viewport().width() + 1
        block = view.document().begin()
        while block.isValid():
            if "a-rather-long" in block.text():
                assert block.layout().lineCount() > 1, block.text()  # too wide for a line: wrapped, not cut
            for move in (QTextCursor.MoveOperation.StartOfBlock, QTextCursor.MoveOperation.EndOfBlock):
                cursor = QTextCursor(block)
                cursor.movePosition(move)
                view.setTextCursor(cursor)
                view.ensureCursorVisible()  # what scrolling there does
                assert view.viewport().rect().contains(view.cursorRect()), (block.text(), size)
            block = block.next()
    assert "<b>not bold</b>" in window.folders.toPlainText()
    assert "&lt;b&gt;not bold&lt;/b&gt;" in window.folders.toHtml()  # shown as typed, never as markup
    copied = window.folders.textCursor()  # a whole path can be selected (and so copied)
    copied.movePosition(QTextCursor.MoveOperation.Start)
    copied.movePosition(QTextCursor.MoveOperation.NextBlock)
    copied.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
    assert copied.selectedText() == expected[1]
    flags = window.folders.textInteractionFlags()
    assert flags & Qt.TextInteractionFlag.TextSelectableByMouse and window.folders.isReadOnly()
