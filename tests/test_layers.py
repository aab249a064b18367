"""The scan path stays lean: no GUI, ORM, migration or price-list import when nothing needs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import REPO, claude_line, codex_file, codex_tc, codex_turn, usage, write_lines

HEAVY = ("PySide6", "pyqtgraph", "sqlmodel", "alembic", "genai_prices", "sqlalchemy")

SCRIPT = r"""
import json, sys
from pathlib import Path
import tokenpulse.cli.main
import tokenpulse.workspace
from tokenpulse.config.paths import resolve
from tokenpulse.workspace import Workspace
tmp = Path(sys.argv[1])
mode = sys.argv[2]
if mode == "cli":
    code = tokenpulse.cli.main.main(["daily", "--json", "--tz", "UTC"])
    assert code == 0
    summary = {}
else:
    ws = Workspace(resolve(tmp / "data"), env={"CLAUDE_CONFIG_DIR": str(tmp / "claude"),
                                              "CODEX_HOME": str(tmp / "codex")}, home=tmp / "nohome")
    s = ws.scan()
    ws.close()
    summary = {"calls_new": s.calls_new, "bytes_read": s.bytes_read}
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[3].split(",")))
print(json.dumps({"heavy": heavy, "summary": summary}))
"""


def _run(tmp_path: Path, mode: str = "scan") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "CODEX_", "TOKENPULSE_"))}
    env.update({"TOKENPULSE_HOME": str(tmp_path / "data"), "CLAUDE_CONFIG_DIR": str(tmp_path / "claude"),
                "CODEX_HOME": str(tmp_path / "codex"), "HOME": str(tmp_path / "nohome"),
                "PYTHONPATH": str(REPO / "app"), "QT_QPA_PLATFORM": "offscreen"})
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), mode, ",".join(HEAVY)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _logs(tmp_path: Path) -> None:
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m1", req_id="r1", output=5)])
    write_lines(codex_file(tmp_path / "codex"), [codex_turn("2026-03-01T10:00:00Z", model="gpt-5.2-codex"),
                                                 codex_tc("2026-03-01T10:00:01Z", usage(10, 0, 1), usage(10, 0, 1))])


def test_noop_scan_imports_nothing_heavy(tmp_path: Path) -> None:
    _logs(tmp_path)
    first = _run(tmp_path)  # creates the store and prices the models
    assert first["summary"]["calls_new"] == 2
    second = _run(tmp_path)
    assert second["summary"] == {"calls_new": 0, "bytes_read": 0}
    assert second["heavy"] == []


def test_scan_of_new_lines_with_cached_prices_imports_nothing_heavy(tmp_path: Path) -> None:
    _logs(tmp_path)
    _run(tmp_path)
    write_lines(tmp_path / "claude/projects/p/s.jsonl",
                [claude_line(msg_id="m2", req_id="r2", output=7, ts="2026-03-01T10:05:00Z")], mode="a")
    result = _run(tmp_path)
    assert result["summary"]["calls_new"] == 1
    assert result["heavy"] == []


def test_cli_report_imports_nothing_heavy(tmp_path: Path) -> None:
    _logs(tmp_path)
    _run(tmp_path)
    assert _run(tmp_path, "cli")["heavy"] == []
