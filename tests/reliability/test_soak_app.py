"""Long run of the real app, offscreen: bursts of appends to many logs reach the store through watchdog, the
ingest worker and the bridge; between bursts the process must idle (no CPU), memory must stay flat, and the
totals must be exact. TP_SOAK_APP_BURSTS changes the length (12 bursts, about a minute)."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

from rel_helpers import record_figure, rss_mib
from test_soak import Writer

from helpers import make_workspace, totals

BURSTS = int(os.environ.get("TP_SOAK_APP_BURSTS", "12"))
STEPS_PER_BURST = 150
IDLE_WINDOW_MS = 1500
# an idle Qt process with a watchdog thread wakes for nothing; a few ms per window is the kernel's accounting
MAX_IDLE_CPU_SHARE = 0.05


def _cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def _stored(db: Path) -> tuple[int, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute("SELECT count(*), coalesce(sum(output), 0) FROM api_call").fetchone()
    except sqlite3.OperationalError:  # not created yet
        return (0, 0)
    finally:
        conn.close()
    return int(row[0]), int(row[1])


@pytest.mark.slow
def test_app_soak_idles_between_bursts_stays_flat_and_counts_exactly(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from tokenpulse.config.paths import resolve
    from tokenpulse.gui.app import TokenpulseApp

    writer = Writer(tmp_path, seed=11)
    env = {"CLAUDE_CONFIG_DIR": str(tmp_path / "claude"), "CODEX_HOME": str(tmp_path / "codex"),
           "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    app = TokenpulseApp(resolve(tmp_path / "data"), env=env, home=tmp_path / "home", tray_available=False,
                        background=True)
    qtbot.addWidget(app.popup)
    db = app.paths.database
    idle_shares: list[float] = []
    rss: list[float] = []
    started = time.monotonic()
    try:
        with qtbot.waitSignal(app.bridge.sig_snapshot_changed, timeout=20_000, check_params_cb=lambda s: s.ready):
            app.start()
        for _burst in range(BURSTS):
            for _ in range(STEPS_PER_BURST):
                writer.step()
            writer.finish()  # the torn last lines completed: every call of the burst is now readable
            expected = writer.expected()
            qtbot.waitUntil(lambda: _stored(db) == expected, timeout=30_000)
            qtbot.wait(300)  # let the last batch's snapshot and refreshes settle before measuring
            cpu, wall = _cpu_s(), time.monotonic()
            qtbot.wait(IDLE_WINDOW_MS)  # the event loop runs; nothing is written
            idle_shares.append((_cpu_s() - cpu) / (time.monotonic() - wall))
            rss.append(rss_mib())
        assert app.worker.alive
    finally:
        app.shutdown()
    calls, output = _stored(db)
    assert (calls, output) == writer.expected()
    fresh = make_workspace(tmp_path / "fresh", claude=tmp_path / "claude", codex=tmp_path / "codex")
    try:
        fresh.scan()
        t = totals(fresh.conn)
    finally:
        fresh.close()
    assert (t["calls"], t["output"]) == (calls, output)  # the live app counted what a clean scan counts
    growth = rss[-1] - rss[1]  # after the first burst has warmed the caches
    record_figure("soak_app.seconds", round(time.monotonic() - started, 1))
    record_figure("soak_app.bursts", BURSTS)
    record_figure("soak_app.lines_written", writer.lines)
    record_figure("soak_app.calls", calls)
    record_figure("soak_app.idle_cpu_share_max", round(max(idle_shares), 4))
    record_figure("soak_app.idle_cpu_share_median", round(sorted(idle_shares)[len(idle_shares) // 2], 4))
    record_figure("soak_app.rss_mib_first_last", [round(rss[1], 1), round(rss[-1], 1)])
    record_figure("soak_app.rss_growth_mib", round(growth, 1))
    assert max(idle_shares) < MAX_IDLE_CPU_SHARE, idle_shares
    assert growth < 32.0, rss
