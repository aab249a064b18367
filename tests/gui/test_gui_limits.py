"""Plan limits in the tray (issue 11 §4): the summary's block per provider with bars, pace tick, countdown and
age; unknown after a reset; the icon's bar and the tooltip line; the status-line entry of the tray menu; the
settings tab; the live chat's context as a share of its window."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtGui import QImage

from presenters.factories import NOW, make_snapshot
from tokenpulse.config.settings import Limits, Settings
from tokenpulse.gui import limits_block
from tokenpulse.gui.icons import paint
from tokenpulse.gui.limits_block import LimitsBlock
from tokenpulse.gui.popup import SummaryPopup
from tokenpulse.gui.settings_dialog import SettingsDialog
from tokenpulse.insights.plan_limits import WindowStatus
from tokenpulse.presenters import text
from tokenpulse.presenters.icon_state import icon_state

MIN = 60_000


@pytest.fixture(autouse=True)
def still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The block's countdowns move with the monotonic clock: held still, they read exactly."""
    monkeypatch.setattr(limits_block, "_monotonic", lambda: 1_000.0)
CLAUDE_5H = WindowStatus("claude-code", 300, 62.0, NOW - 20 * MIN, NOW - 3 * MIN, NOW + 100 * MIN)
CLAUDE_7D = WindowStatus("claude-code", 10_080, 31.5, NOW - 60 * MIN, NOW - 3 * MIN, NOW + 3 * 1440 * MIN)
CODEX_5H = WindowStatus("codex", 300, 97.0, NOW - 9 * MIN, NOW - 9 * MIN, NOW + 40 * MIN, plan="plus")
CODEX_7D_OLD = WindowStatus("codex", 10_080, 50.0, NOW - 9 * 1440 * MIN, NOW - 8 * 1440 * MIN, NOW - 1440 * MIN)


def _block_rows(block: LimitsBlock) -> list[tuple[str, str, float | None, str]]:
    return [(p.text() if p.isVisibleTo(block) else "", w.text(), b.used, t.text().replace("\n", " "))
            for p, w, b, t in block.rows if w.isVisibleTo(block)]


def test_the_summary_shows_both_windows_of_each_provider(qtbot) -> None:  # type: ignore[no-untyped-def]
    popup = SummaryPopup()
    qtbot.addWidget(popup)
    popup.update_snapshot(make_snapshot(limits=(CLAUDE_5H, CLAUDE_7D, CODEX_5H, CODEX_7D_OLD)))
    popup.show()
    block = popup.limits_block
    assert not block.hint.isVisibleTo(block)
    assert _block_rows(block) == [
        ("Claude Code", "5 h", 62.0, "62 % · resets in 1 h 40 · as of 3 min ago"),
        ("", "7 d", 31.5, "31.5 % · resets in 3 d · as of 3 min ago"),
        ("Codex · plan plus", "5 h", 97.0, "97 % · resets in 40 min · as of 9 min ago"),
        ("", "7 d", None, "unknown since the reset at Sun 14:13"),  # never the old 50 %
    ]
    bars = [b for _, _, b, _ in block.rows]
    assert [b.level for b in bars] == ["ok", "ok", "urgent", "unknown"]
    assert round(bars[0].elapsed or 0, 3) == round(200 / 300, 3)  # the pace tick: 2/3 of the window gone
    assert "pace: 62 % used, 67 % of the time gone (within pace)" in bars[0].toolTip()


def test_an_empty_block_says_where_readings_come_from_and_countdowns_move(qtbot) -> None:  # type: ignore[no-untyped-def]
    block = LimitsBlock()
    qtbot.addWidget(block)
    block.update_snapshot(make_snapshot())
    assert block.hint.isVisibleTo(block) and "status line" in block.hint.text().replace("\n", " ")
    block.update_snapshot(make_snapshot(limits=(CODEX_5H,)))
    block._arrived -= 30 * 60  # half an hour later, with no new snapshot
    block._reword()
    assert _block_rows(block)[0][3] == "97 % · resets in 10 min · as of 39 min ago"
    block._arrived -= 20 * 60
    block._reword()
    assert _block_rows(block)[0][2] is None and "unknown since the reset" in _block_rows(block)[0][3]


def test_the_icon_and_tooltip_show_the_tightest_window_past_the_setting() -> None:
    snap = make_snapshot(limits=(CLAUDE_5H, CODEX_5H))
    state = icon_state(snap)
    assert state.limit_percent == 95  # 97 % in steps of 5
    assert text.tooltip(snap).splitlines()[-1] == "Plan: Codex 5 h at 97 % · resets 14:53"  # the time, not a
    # countdown: a tooltip is not redrawn every minute
    calm = make_snapshot(limits=(dataclasses.replace(CLAUDE_5H, used_percent=20.0),))
    assert icon_state(calm).limit_percent is None and "Plan:" not in text.tooltip(calm)
    assert icon_state(make_snapshot(limits=(CODEX_5H,), paused=True)).limit_percent is None
    plain, barred = paint(icon_state(calm), 32).toImage(), paint(state, 32).toImage()
    assert _red_pixels(barred) > _red_pixels(plain) + 10  # the bar is drawn, red at 95 %
    lines = text.status_lines(make_snapshot(limits=(CLAUDE_5H, CLAUDE_7D, CODEX_7D_OLD)))
    assert "Claude Code: 5 h 62 % (resets 15:53) · 7 d 31.5 %" in lines
    assert "Codex: 7 d unknown since its reset" in lines


def _red_pixels(image: QImage) -> int:
    return sum(1 for x in range(image.width()) for y in range(image.height())
               if (c := image.pixelColor(x, y)).red() > 180 and c.green() < 90 and c.alpha() > 200)


def test_the_live_chat_shows_its_context_as_a_share_of_the_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    snap = make_snapshot()
    assert snap.live is not None
    live = dataclasses.replace(snap.live, context_window=200_000)
    popup = SummaryPopup()
    qtbot.addWidget(popup)
    popup.update_snapshot(make_snapshot(live=live))
    assert popup.live_detail.text().startswith(
        "Context 84.2k tokens per message (reminder at 100k)\n42% of the model's 200k-token context window\n")
    assert "context 84.2k of 100k (42% of a 200k window)" in text.tooltip(make_snapshot(live=live))
    # the ring fills toward the nearer rule: 84.2k of 100k, or 42 % of the window against a 40 % share
    assert make_snapshot(live=live, context_share=0.4).nudge_pending
    assert not make_snapshot(live=live, context_share=0.6).nudge_pending


def test_the_tray_menu_offers_the_status_line(qtbot, fake_worker) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.clock import FakeClock
    from tokenpulse.gui.bridge import Bridge
    from tokenpulse.gui.tray import Tray

    bridge = Bridge(make_snapshot())
    bridge.attach(fake_worker)
    popup = SummaryPopup()
    qtbot.addWidget(popup)
    tray = Tray(bridge, popup, FakeClock(NOW), lambda: False)
    chosen: list[str] = []
    tray.sig_statusline_requested.connect(chosen.append)
    installed = [False]
    tray.statusline_installed = lambda: installed[0]
    tray.rebuild_menu(make_snapshot())
    sub = next(a.menu() for a in tray.menu.actions() if a.text() == "Claude Code status line")
    next(a for a in sub.actions() if a.text().startswith("Add tokenpulse")).trigger()
    installed[0] = True
    tray.rebuild_menu(make_snapshot())
    sub = next(a.menu() for a in tray.menu.actions() if a.text() == "Claude Code status line")
    next(a for a in sub.actions() if a.text().startswith("Remove")).trigger()
    assert chosen == ["install", "uninstall"]


def test_the_settings_tab_reads_back_and_refuses_nonsense(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(Settings(limits=Limits(warn_percent=75.0)), [], {}, False, "UTC",
                            statusline_installed=False)
    qtbot.addWidget(dialog)
    tab = dialog.limits
    assert tab.warn.value() == 75.0 and tab.statusline.text() == "Add tokenpulse to it"
    tab.share.setValue(50)
    tab.reset_reminder.setChecked(False)
    got = dialog.settings().limits
    assert (got.warn_percent, got.context_share, got.reset_reminder) == (75.0, 0.5, False)
    asked: list[str] = []
    tab.sig_statusline_requested.connect(asked.append)
    tab.statusline.click()
    tab.set_statusline_installed(True)
    tab.statusline.click()
    assert asked == ["install", "uninstall"]
    tab.warn.setValue(99)
    tab.urgent.setValue(90)
    dialog._on_buttons_accepted()
    assert dialog.error.isVisibleTo(dialog) and "warn_percent" in dialog.error.text()
