"""No network: a full scan, the GUI and the CLI run with inet sockets blocked and never try to open one.

In this process the block is a Python audit hook (PEP 578), which sees every socket the socket module makes,
however it was imported, on every thread. AF_UNIX stays allowed: the app's single-instance server and its
signal wake-up use it. Sockets Qt makes in C++ are not audited, so the GUI tests also check /proc for inet
sockets held by the process. The subprocess tests install the same block with a sitecustomize module.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO
from security.agent_samples import AGENTS_WITH_USAGE, assert_every_agent_scanned, lay_out, workspace
from security.probes import audit, open_inet_sockets, self_check_blocking
from tokenpulse.service.messages import Pause


def _no_price_update_was_installed() -> bool:
    """genai-prices keeps its bundled snapshot unless UpdatePrices fetched one from the network."""
    from genai_prices import data_snapshot

    return data_snapshot._custom_snapshot is None and not data_snapshot.get_snapshot().from_auto_update


def _priced_calls(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM api_call WHERE cost_usd IS NOT NULL").fetchone()[0]


def _check_store(db: Path) -> None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert_every_agent_scanned(conn)
        assert _priced_calls(conn) > 0  # prices came from the bundled data, offline
    finally:
        conn.close()


def test_the_socket_probe_sees_an_inet_socket_made_behind_pythons_back() -> None:
    """The /proc check used below can fail: a listening TCP socket of this process is reported."""
    import socket

    before = open_inet_sockets()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert len(open_inet_sockets()) == len(before) + 1
    assert open_inet_sockets() == before


def test_a_full_scan_of_every_agent_opens_no_inet_socket(tmp_path: Path) -> None:
    layout = lay_out(tmp_path)
    with audit(block_inet=True) as rec:
        self_check_blocking(rec)
        ws = workspace(tmp_path, layout)
        try:
            summary = ws.scan()
            assert summary is not None and not summary.problems, summary.problems
            assert_every_agent_scanned(ws.conn)
            assert _priced_calls(ws.conn) > 0
        finally:
            ws.close()
    assert rec.inet_attempts == []
    assert _no_price_update_was_installed()


@pytest.fixture
def sample_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """os.environ pointing every agent at the samples (run_app reads os.environ, not an env argument)."""
    layout = lay_out(tmp_path)
    monkeypatch.delenv("TOKENPULSE_HOME", raising=False)
    for name, value in layout.env.items():
        monkeypatch.setenv(name, value)
    return layout


@pytest.mark.gui
def test_the_gui_offscreen_opens_no_inet_socket(tmp_path: Path, sample_env, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from tokenpulse.config.paths import resolve
    from tokenpulse.gui.app import TokenpulseApp

    layout = sample_env
    with audit(block_inet=True) as rec:
        self_check_blocking(rec)
        app = TokenpulseApp(resolve(tmp_path / "data"), env=layout.env, home=layout.home, tray_available=True)
        qtbot.addWidget(app.popup)
        try:
            with qtbot.waitSignal(app.bridge.sig_snapshot_changed, timeout=30_000,
                                  check_params_cb=lambda s: s.ready):
                app.start()
            qtbot.waitUntil(app.popup.isVisible, timeout=10_000)
            app.popup.sig_settings_requested.emit()
            qtbot.waitUntil(lambda: app._dialog is not None and app._dialog.isVisible(), timeout=5_000)
            app.popup.sig_charts_requested.emit()
            qtbot.waitUntil(lambda: any(w.isVisible() and w is not app.popup and w is not app._dialog
                                        for w in QApplication.topLevelWidgets()), timeout=10_000)
            with qtbot.waitSignal(app.bridge.sig_snapshot_changed, timeout=10_000):
                app.bridge.send(Pause())  # a round trip through the worker: the event loop has run
            assert open_inet_sockets() == []
            _check_store(app.paths.database)
        finally:
            for widget in QApplication.topLevelWidgets():
                if widget is not app.popup:
                    widget.close()
            app.shutdown()
    assert rec.inet_attempts == []
    assert _no_price_update_was_installed()


@pytest.mark.gui
def test_run_app_with_its_single_instance_server_opens_no_inet_socket(tmp_path: Path, sample_env,  # type: ignore[no-untyped-def]
                                                                      monkeypatch: pytest.MonkeyPatch, qapp) -> None:
    from PySide6.QtCore import QTimer

    from tokenpulse.config.paths import resolve
    from tokenpulse.gui import app as gui_app
    from tokenpulse.gui import launch

    started: list[gui_app.TokenpulseApp] = []
    seen: dict[str, object] = {}

    class QuitWhenReady(gui_app.TokenpulseApp):
        """The real app, which quits the event loop once its first import is done."""

        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            started.append(self)
            self.bridge.sig_snapshot_changed.connect(self._quit_when_ready)

        def _quit_when_ready(self, snap) -> None:  # type: ignore[no-untyped-def]
            if snap.ready and "sockets" not in seen:
                seen["sockets"] = open_inet_sockets()  # while the app, its server and its worker run
                QTimer.singleShot(0, qapp.quit)

    monkeypatch.setattr(gui_app, "TokenpulseApp", QuitWhenReady)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(qapp.quit)  # never hang the suite if the import does not finish
    quit_on_close = qapp.quitOnLastWindowClosed()
    paths = resolve(tmp_path / "data")
    with audit(block_inet=True) as rec:
        self_check_blocking(rec)
        guard.start(120_000)
        try:
            code = launch.run_app(paths, no_tray=True, background=True)
        finally:
            guard.stop()
            qapp.setQuitOnLastWindowClosed(quit_on_close)
            for app in started:
                qapp.aboutToQuit.disconnect(app.shutdown)
    assert code == 0
    assert len(started) == 1 and "sockets" in seen, "the first import did not finish"
    assert seen["sockets"] == []
    assert rec.inet_attempts == []
    _check_store(paths.database)


# ---------------------------------------------------------------------------------------------
# The command line, in a subprocess whose every Python (spawned scan workers too) blocks inet sockets
# ---------------------------------------------------------------------------------------------

SITECUSTOMIZE = '''\
"""Test-only: refuse and log every inet socket, name lookup and inet connect of this Python process."""
import os
import socket
import sys

_LOG = os.environ["TP_NET_LOG"]
_LOOKUPS = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr")


def _hook(event, args):
    what = None
    if event == "socket.__new__" and args[1] in (socket.AF_INET, socket.AF_INET6):
        what = f"socket family {args[1]}"
    elif event in _LOOKUPS:
        what = f"{event} {args[:2]!r}"
    elif event in ("socket.connect", "socket.sendto", "socket.bind") and isinstance(args[1], tuple):
        what = f"{event} {args[1]!r}"
    if what is not None:
        with open(_LOG, "a") as fh:
            fh.write(f"{os.getpid()} {what}\\n")
        raise PermissionError(f"network blocked by the test: {what}")


sys.addaudithook(_hook)
'''


@pytest.fixture
def blocked_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A subprocess environment (all agents' samples, a tmp data folder) whose Pythons block inet sockets."""
    site = tmp_path / "netblock"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "net-attempts.log"
    layout = lay_out(tmp_path)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TOKENPULSE_", "CLAUDE_", "CODEX_", "GEMINI_", "QWEN_", "OPENCODE_", "COPILOT_",
                                "XDG_"))}
    env.update(layout.env, TOKENPULSE_HOME=str(tmp_path / "data"), TP_NET_LOG=str(log),
               PYTHONPATH=os.pathsep.join([str(site), str(REPO / "app")]), PYTHONDONTWRITEBYTECODE="1",
               QT_QPA_PLATFORM="offscreen")
    return env, log


def _python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_subprocess_block_works(blocked_env: tuple[dict[str, str], Path]) -> None:
    """The wrapper really blocks (so the CLI test below means something) and leaves AF_UNIX alone."""
    env, log = blocked_env
    inet = _python(env, "-c", "import socket; socket.create_connection(('127.0.0.1', 9), timeout=1)")
    assert inet.returncode != 0 and "network blocked by the test" in inet.stderr
    assert "getaddrinfo" in log.read_text()
    unix = _python(env, "-c", "import socket; a, b = socket.socketpair(); a.sendall(b'x'); print(b.recv(1))")
    assert unix.returncode == 0 and unix.stdout.strip() == "b'x'", unix.stderr


def test_cli_scan_and_daily_json_work_with_inet_sockets_blocked(blocked_env: tuple[dict[str, str], Path]) -> None:
    env, log = blocked_env
    scan = _python(env, "-m", "tokenpulse", "scan", "--json")
    assert scan.returncode == 0, scan.stderr
    assert json.loads(scan.stdout)["calls_new"] > 300
    daily = _python(env, "-m", "tokenpulse", "daily", "--json", "--tz", "UTC")
    assert daily.returncode == 0, daily.stderr
    rows = json.loads(daily.stdout)
    assert {r["source"] for r in rows} == set(AGENTS_WITH_USAGE)
    assert any(r["cost_usd"] is not None for r in rows)  # priced offline
    assert not log.exists(), log.read_text()
