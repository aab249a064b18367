"""tokenpulse's own log: a private rotating file in the data folder, uncaught exceptions in it, and never a word of
the conversations the agents' logs hold (the app runs verbose over every agent's sample and hostile lines)."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import REPO, write_lines
from security.agent_samples import lay_out
from tokenpulse import app_log
from tokenpulse.app_log import BACKUPS, LOG_FILE, MAX_BYTES, MAX_RECORD_CHARS, log_dir

SENTINEL = "ZEBRA-PROMPT-TEXT-7731"


@pytest.fixture
def restored() -> Iterator[None]:
    """setup() changes process-wide state: put it back for the other tests."""
    hooks = sys.excepthook, threading.excepthook
    own = logging.getLogger("tokenpulse").level
    root = logging.getLogger().level
    yield
    app_log.shutdown()
    sys.excepthook, threading.excepthook = hooks
    logging.getLogger("tokenpulse").setLevel(own)
    logging.getLogger().setLevel(root)


def test_a_private_file_warnings_by_default_more_when_verbose(tmp_path: Path, restored: None) -> None:
    path = app_log.setup(tmp_path / "data", to_stderr=False)
    assert path == log_dir(tmp_path / "data") / LOG_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    logging.getLogger("tokenpulse.test").info("what the app does")
    logging.getLogger("tokenpulse.test").warning("something is off")
    logging.getLogger("tokenpulse.test").warning("x" * (MAX_RECORD_CHARS * 3))
    app_log.shutdown()
    text = path.read_text(encoding="utf-8")
    assert "something is off" in text and "what the app does" not in text
    assert "x" * MAX_RECORD_CHARS + " …(cut)" in text and "x" * (MAX_RECORD_CHARS + 1) not in text
    app_log.setup(tmp_path / "data", verbose=True, to_stderr=False)
    logging.getLogger("tokenpulse.test").info("what the app does")
    logging.getLogger("watchdog.noise").info("a library's chatter")  # --verbose opens ours, not every library's
    app_log.shutdown()
    text = path.read_text(encoding="utf-8")
    assert "what the app does" in text and "a library's chatter" not in text


def test_the_file_rotates_and_stays_bounded(tmp_path: Path, restored: None) -> None:
    path = app_log.setup(tmp_path, to_stderr=False)
    assert path is not None
    for i in range(4 * MAX_BYTES // 1_000 + 10):
        logging.getLogger("tokenpulse.test").warning("%05d %s", i, "y" * 1_000)
    app_log.shutdown()
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == [LOG_FILE] + [f"{LOG_FILE}.{n}" for n in range(1, BACKUPS + 1)]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in path.parent.iterdir())
    assert sum(p.stat().st_size for p in path.parent.iterdir()) <= (BACKUPS + 1) * (MAX_BYTES + 2_000)


def test_an_unwritable_data_folder_means_stderr_not_a_crash(tmp_path: Path, restored: None) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    assert app_log.setup(blocked, to_stderr=False) is None


def test_uncaught_exceptions_land_in_the_log(tmp_path: Path) -> None:
    script = (
        "import threading\n"
        "from pathlib import Path\n"
        "from tokenpulse import app_log\n"
        f"app_log.setup(Path({str(tmp_path)!r}), to_stderr=False)\n"
        "t = threading.Thread(target=lambda: 1 / 0, name='worker-x'); t.start(); t.join()\n"
        "raise LookupError('the main thread failed')\n"
    )
    out = subprocess.run([sys.executable, "-c", script], env=dict(os.environ, PYTHONPATH=str(REPO / "app")),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    text = (log_dir(tmp_path) / LOG_FILE).read_text(encoding="utf-8")
    assert "uncaught ZeroDivisionError in thread worker-x" in text
    assert "uncaught LookupError" in text and "the main thread failed" in text and "Traceback" in text


def _hostile(claude: Path) -> None:
    """Lines a parser cannot take, each carrying the marker where conversation text would be."""
    write_lines(claude / "projects" / "-home-u-hostile" / "bad.jsonl", [
        '{"type": "user", "message": {"content": "' + SENTINEL + ' first prompt"',  # cut off
        '{"type": "assistant", "message": {"id": "m1", "model": "claude-sonnet-4-5", "content": [{"type": "text",'
        ' "text": "' + SENTINEL + '"}], "usage": {"input_tokens": "' + SENTINEL + '", "output_tokens": 5}},'
        ' "requestId": "r1", "timestamp": "2026-03-01T10:00:00Z"}',
        SENTINEL * 50,
        '{"type": "assistant", "timestamp": "' + SENTINEL + '", "message": {"usage": {"output_tokens": 1}}}',
    ])


def test_the_app_log_never_holds_conversation_text(tmp_path: Path) -> None:
    """The real app, verbose, over every agent's sample logs and hostile lines: none of their text is logged."""
    from test_privacy import SECRETS

    layout = lay_out(tmp_path)
    claude = tmp_path / "claude"
    for src in (Path(layout.env["CLAUDE_CONFIG_DIR"]) / "projects").rglob("*.jsonl"):
        dest = claude / "projects" / src.relative_to(Path(layout.env["CLAUDE_CONFIG_DIR"]) / "projects")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(src.read_bytes())
    _hostile(claude)
    data = tmp_path / "data"
    env = {**os.environ, **layout.env, "CLAUDE_CONFIG_DIR": str(claude), "TOKENPULSE_HOME": str(data),
           "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO / "app")}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    proc = subprocess.Popen([sys.executable, "-m", "tokenpulse", "--verbose", "--no-tray", "--background"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        log = log_dir(data) / LOG_FILE
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not (log.exists() and "import: " in log.read_text(encoding="utf-8")):
            time.sleep(0.5)
        assert log.exists() and "import: " in log.read_text(encoding="utf-8"), "the first import did not end"
        conn = sqlite3.connect(f"file:{data / 'tokenpulse.sqlite3'}?mode=ro", uri=True)
        try:
            sources = conn.execute("SELECT count(DISTINCT source) FROM api_call").fetchone()[0]
        finally:
            conn.close()
        assert sources >= 5, "the samples were not imported: the test would prove nothing"
        time.sleep(1.0)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in log_dir(data).iterdir())
    assert "DEBUG" in text or "INFO" in text, "verbose logging wrote nothing: the test would prove nothing"
    assert SENTINEL not in text
    leaked = [s for secrets in SECRETS.values() for s in secrets if s in text]
    assert leaked == []
