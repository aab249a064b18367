"""The summary popup shows today and this week by token type with cost, 14 days of output and the live chat."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from presenters.factories import make_snapshot
from tokenpulse.gui.popup import SummaryPopup
from tokenpulse.snapshot import ImportProgress
from tokenpulse.store.queries import Totals


def _popup(qtbot, **kw) -> SummaryPopup:  # type: ignore[no-untyped-def]
    popup = SummaryPopup(**kw)
    qtbot.addWidget(popup)
    return popup


def test_cells_by_type_and_period(qtbot) -> None:  # type: ignore[no-untyped-def]
    popup = _popup(qtbot)
    popup.update_snapshot(make_snapshot())
    got = {k: c.text() for k, c in popup.cells.items()}
    assert got == {("output", "today"): "12.3k", ("output", "week"): "92.3k",
                   ("input", "today"): "3.4k", ("input", "week"): "23.4k",
                   ("cache_write", "today"): "45.6k", ("cache_write", "week"): "346k",
                   ("cache_read", "today"): "1.2M", ("cache_read", "week"): "9.2M",
                   ("cost", "today"): "$3.40", ("cost", "week"): "$21.10+"}
    assert "no known price" in popup.cells[("cost", "week")].toolTip()
    assert popup.spark.values[-1] == 12345 and popup.spark_caption.text() == "Output, last 14 days: 61.5k"


def test_live_chat_block(qtbot) -> None:  # type: ignore[no-untyped-def]
    popup = _popup(qtbot)
    snap = make_snapshot()
    popup.update_snapshot(snap)
    popup.show()
    assert popup.live_title.text() == "Live chat: tokenpulse (Claude Code, 42 calls)"
    assert popup.live_detail.text() == ("Context 84.2k tokens per message (reminder at 100k)\n"
                                        "Each message re-reads 84.2k · fresh chat 17k")
    assert popup.live_bar.value() == 84_200 and popup.live_bar.maximum() == 100_000
    assert not popup.live_advice.isVisible()
    assert snap.live is not None
    popup.update_snapshot(make_snapshot(live=dataclasses.replace(snap.live, context_tokens=130_000)))
    assert popup.live_advice.isVisible()
    assert popup.live_advice.text().replace("\n", " ") == (
        "Each message re-reads 130k tokens of history; a fresh chat would re-read about 17k."
        " In Claude Code: start a new chat with a short recap.")
    assert max(len(line) for line in popup.live_advice.text().splitlines()) <= 56  # wrapped to fit
    popup.update_snapshot(make_snapshot(live=None, today=Totals()))
    assert popup.live_title.text() == "No live chat" and not popup.live_bar.isVisible()
    assert popup.cells[("cost", "today")].text() == "$0.00"


def test_a_first_run_window_says_importing_and_no_zero(qtbot) -> None:  # type: ignore[no-untyped-def]
    popup = _popup(qtbot, window_mode=True)
    popup.update_snapshot(make_snapshot(ready=False, importing=ImportProgress(0, 0), today=Totals(), week=Totals(),
                                        live=None, spark_output=(0,) * 14))
    shown = [label.text() for label in popup.findChildren(QLabel) if label.text()]
    assert popup.headline.text() == "Today: importing…"
    assert "Importing…" in popup.state.text() and not any("0 of 0" in t for t in shown)
    assert not any(t in ("0", "$0.00") or "no calls yet" in t or "none yet" in t or t.endswith(": 0")
                   or "No agent call" in t for t in shown), shown
    popup.update_snapshot(make_snapshot(ready=False, importing=ImportProgress(12, 40)))
    assert popup.headline.text() == "Today: importing… (30 % of the files)"
    assert popup.cells[("cost", "today")].text() == "importing…"


def test_state_line_and_buttons(qtbot) -> None:  # type: ignore[no-untyped-def]
    popup = _popup(qtbot)
    popup.update_snapshot(make_snapshot(ready=False))
    assert popup.state.text() == "Reading the logs…"
    popup.update_snapshot(make_snapshot(paused=True))
    assert popup.state.text() == "Watching paused: new log lines are not read"
    with qtbot.waitSignal(popup.sig_charts_requested, timeout=1000):
        qtbot.mouseClick(popup.findChild(QPushButton, "open_charts"), Qt.MouseButton.LeftButton)


def test_window_mode_has_its_own_pause_and_quit(qtbot) -> None:  # type: ignore[no-untyped-def]
    popup = _popup(qtbot, window_mode=True, notice="No system tray was found")
    popup.update_snapshot(make_snapshot(paused=True))
    assert popup.pause_button.isChecked()
    with qtbot.waitSignal(popup.sig_pause_toggled, timeout=1000) as blocker:
        popup.pause_button.click()
    assert blocker.args == [False]
    with qtbot.waitSignal(popup.sig_quit_requested, timeout=1000):
        popup.close()


def test_popup_opens_beside_the_icon_inside_the_screen(qtbot) -> None:  # type: ignore[no-untyped-def]
    popup = _popup(qtbot)
    popup.update_snapshot(make_snapshot())
    area = QGuiApplication.primaryScreen().availableGeometry()
    icon = QRect(area.right() - 24, area.top(), 24, 24)  # top-right, like a panel tray
    popup.show_near(icon)
    qtbot.waitUntil(popup.isVisible, timeout=1000)
    g = popup.frameGeometry()
    assert area.contains(g) and g.top() >= icon.bottom() and g.right() <= area.right()
    assert popup.grab().width() == popup.width()  # it renders


def test_a_popup_filled_while_hidden_opens_without_clipped_lines(qtbot) -> None:  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    from PySide6.QtWidgets import QLabel

    from tokenpulse.snapshot import Snapshot

    popup = _popup(qtbot)
    popup.update_snapshot(Snapshot.empty(0, ZoneInfo("UTC")))  # the app fills it long before it is shown
    snap = make_snapshot()
    assert snap.live is not None
    popup.update_snapshot(make_snapshot(live=dataclasses.replace(snap.live, context_tokens=162_000),
                                        problems=("cannot read /home/u/.claude/projects/some/very/long/path.jsonl",)))
    popup.show_near(QRect(1000, 0, 24, 24))
    qtbot.waitUntil(popup.isVisible, timeout=1000)

    def clipped() -> list[str]:
        return [label.objectName() or label.text()[:20] for label in popup.findChildren(QLabel)
                if label.isVisible() and label.height() < label.sizeHint().height()]

    qtbot.waitUntil(lambda: not clipped(), timeout=1000)  # once the shown window has laid itself out
    assert popup.height() >= popup.sizeHint().height()


def test_headline_week_waste_and_live_waste_come_first(qtbot) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.gui.popup import BAR_COLOURS
    from tokenpulse.insights.spend_facts import SpendFacts

    popup = _popup(qtbot)
    snap = make_snapshot(week_facts=SpendFacts(read_cost=30.0, long_context=11.4, long_chat=3.6, crowded=16.5,
                                               waste_cost=12.30))
    assert snap.live is not None
    snap = snap.with_state(live=dataclasses.replace(snap.live, waste_tokens=2_300_000, waste_cost_usd=0.69))
    popup.update_snapshot(snap)
    popup.show()
    assert popup.headline.text() == "Today: 12.3k output · $3.40"
    assert popup.week_waste.text() == "Long-chat waste this week: $12.30 · 58 % of cost"
    facts = popup.week_facts.text()
    assert facts.replace("\n", " ").replace("\u00a0", " ").startswith("This week's cache-read spend $30.00: 38 %")
    # lines break between the three facts, never inside one ("… · 0\n% in chats" read as nonsense)
    assert all(line.startswith(("This week", "38", "12", "55", "·")) or line.endswith("·")
               for line in facts.splitlines())
    assert all("\u00a0%" not in line[:2] for line in facts.splitlines())
    assert popup.live_waste.text() == "Waste so far 2.3M tokens ≈ $0.69"
    # the order the issue asks for: the headline, the week's waste, then the live chat
    order = [popup.root.indexOf(popup.findChild(QWidget, n)) for n in ("headline_block", "week_block", "live")]
    assert order == sorted(order) and -1 not in order
    # the context bar takes the state's colour: the ring's while it grows, the "due" colour past the threshold
    assert BAR_COLOURS["normal"] in popup.live_bar.styleSheet()
    popup.update_snapshot(snap.with_state(live=dataclasses.replace(snap.live, context_tokens=130_000)))
    assert BAR_COLOURS["due"] in popup.live_bar.styleSheet() and BAR_COLOURS["normal"] not in popup.live_bar.styleSheet()
    assert popup.spark.dates == ("Sep 8", "Sep 15", "today")
    popup.update_snapshot(snap.with_state(live=dataclasses.replace(snap.live, waste_tokens=None)))
    assert not popup.live_waste.isVisible()  # not computed yet: no line rather than a wrong 0


def test_the_live_chats_lines_fit_its_box_with_prices(qtbot) -> None:  # type: ignore[no-untyped-def]
    """With prices known the re-read line is long ("Each message re-reads ≈ $0.036 · fresh chat 16k ≈ $0.005"):
    it wraps inside the live chat's box instead of running out of it (seen cut at "$0.0" on a real screen)."""
    from tokenpulse.gui.popup import BOXED_PX

    popup = _popup(qtbot)
    snap = make_snapshot()
    assert snap.live is not None
    live = dataclasses.replace(snap.live, context_tokens=120_000, context_window=200_000, read_price=0.3e-6,
                               fresh_read_price=0.3e-6)
    popup.update_snapshot(make_snapshot(live=live))
    popup.show()
    metrics = popup.live_detail.fontMetrics()
    lines = popup.live_detail.text().splitlines()
    assert any("$0.036" in line for line in lines) and any("$0.005" in line for line in lines)
    assert [line for line in lines if metrics.horizontalAdvance(line) > BOXED_PX] == []


def test_a_popup_that_grows_while_shown_stays_on_the_screen(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A reminder arriving while the summary is open makes it taller: it moves up rather than running off the
    bottom of the screen (seen on an 800-px screen, its buttons cut off)."""
    from tokenpulse.nudges.model import Nudge

    popup = _popup(qtbot)
    popup.update_snapshot(make_snapshot())
    area = QGuiApplication.primaryScreen().availableGeometry()
    top = area.bottom() - popup.height() - 40  # an icon placed so that the summary opens below it, just fitting
    assert top + 12 < area.center().y()
    popup.show_near(QRect(area.right() - 24, top, 24, 24))
    qtbot.waitUntil(popup.isVisible, timeout=1000)
    assert area.contains(popup.frameGeometry()) and popup.frameGeometry().top() > top
    body = " ".join(["Each message re-reads 120k tokens; a fresh chat would re-read about 16k."] * 4)
    popup.show_reminder(Nudge("fresh_chat", "fresh:x", "Time for a fresh chat?", body, session_id=1))
    g = popup.frameGeometry()
    assert g.height() <= area.height(), "the test needs a summary that fits the screen"
    assert area.contains(g), (g, area)


def test_a_fresh_chat_reminder_on_screen_stands_for_the_live_chats_advice(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The reminder's body argues what the live block's advice says: shown once, the summary fits a smaller
    screen; the advice comes back when the reminder is answered, and stays beside other reminders."""
    from tokenpulse.nudges.model import Nudge

    popup = _popup(qtbot)
    snap = make_snapshot()
    assert snap.live is not None
    popup.update_snapshot(make_snapshot(live=dataclasses.replace(snap.live, context_tokens=130_000)))
    popup.show()
    assert popup.live_advice.isVisible()
    popup.show_reminder(Nudge("fresh_chat", "fresh:x", "Time for a fresh chat?", "Each message re-reads 130k.",
                              session_id=1))
    assert popup.reminder_box.isVisible() and not popup.live_advice.isVisible()
    popup.update_snapshot(make_snapshot(live=dataclasses.replace(snap.live, context_tokens=131_000)))
    assert not popup.live_advice.isVisible()  # a refresh keeps it so
    popup.hide_reminder()
    assert popup.live_advice.isVisible()
    popup.show_reminder(Nudge("budget", "budget:day:x:80", "Daily budget 80 % used", "Today you have spent $8."))
    assert popup.live_advice.isVisible()
