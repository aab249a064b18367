"""A newcomer's first commands: no display (one line, exit 4, no Qt abort), no logs (every folder named)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO, claude_line, cli_env, run_cli, write_lines
from tokenpulse.platform import display


def _env_without_display(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE")}
    env.update({"TOKENPULSE_HOME": str(tmp_path / "data"), "HOME": str(tmp_path / "home"),
                "CLAUDE_CONFIG_DIR": str(tmp_path / "claude"), "CODEX_HOME": str(tmp_path / "codex"),
                "PYTHONPATH": str(REPO / "app")})
    return env


def test_the_app_without_a_display_says_so_in_one_line(tmp_path: Path) -> None:
    """Before: Qt's abort text and a core dump (exit -6). Now: one line, exit 4, and the same line in the log."""
    env = _env_without_display(tmp_path)
    out = subprocess.run([sys.executable, "-m", "tokenpulse"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 4, (out.returncode, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert lines == [display.problem({})], out.stderr
    assert "DISPLAY" in lines[0] and "tokenpulse --help" in lines[0]
    assert "Aborted" not in out.stderr and "qt.qpa" not in out.stderr
    assert lines[0] in (tmp_path / "data" / "logs" / "tokenpulse.log").read_text(encoding="utf-8")


def test_commands_work_without_a_display(tmp_path: Path) -> None:
    env = _env_without_display(tmp_path)
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m1", req_id="r1", output=7)])
    out = subprocess.run([sys.executable, "-m", "tokenpulse", "daily", "--json", "--tz", "UTC"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert '"output_tokens": 7' in out.stdout


def test_a_missing_qt_library_is_named_with_its_packages() -> None:
    """What dlopen says when the xcb plugin cannot load (the real case runs under Xvfb in tests/xvfb)."""
    def load(name: str) -> object:
        if name.endswith("libqxcb.so") or name in ("libxcb-cursor.so.0", "libxcb-icccm.so.4"):
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        return object()

    line = display.problem({"DISPLAY": ":0"}, load=load, x_reachable=lambda _d: True)
    assert line is not None and line.startswith("tokenpulse: cannot open a window: ")
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4" in line
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 (Debian/Ubuntu)" in line
    assert "sudo dnf install xcb-util-cursor xcb-util-wm (Fedora)" in line
    assert "\n" not in line


@pytest.mark.parametrize(("env", "expected"), [
    ({}, ["xcb"]),
    ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, ["wayland", "xcb"]),
    ({"WAYLAND_DISPLAY": "wayland-0"}, ["wayland", "xcb"]),
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, ["wayland", "xcb"]),
    ({"QT_QPA_PLATFORM": "offscreen"}, ["offscreen"]),
])
def test_which_platforms_qt_will_try(env: dict[str, str], expected: list[str]) -> None:
    assert display.platforms_qt_will_try(env) == expected


def test_headless_platforms_need_no_display() -> None:
    assert display.problem({"QT_QPA_PLATFORM": "offscreen"}) is None


def test_a_dead_x_display_and_a_missing_wayland_socket(tmp_path: Path) -> None:
    line = display.problem({"DISPLAY": ":93"}, x_reachable=lambda _d: False)
    assert line == "tokenpulse: cannot open a window: the X display :93 (DISPLAY) does not answer"
    line = display.problem({"WAYLAND_DISPLAY": "wayland-9", "XDG_RUNTIME_DIR": str(tmp_path)})
    assert line is not None and "wayland-9 (WAYLAND_DISPLAY) has no socket" in line


def test_scan_with_no_logs_names_every_folder_it_looked_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    cli_env(monkeypatch, tmp_path)
    (tmp_path / "no-codex").mkdir()
    code, out, _err = run_cli(capsys, "scan")
    assert code == 0
    assert "No agent logs found. tokenpulse looked in:" in out
    assert f"  Claude Code (moved by CLAUDE_CONFIG_DIR):\n    {tmp_path / 'no-claude' / 'projects'} (missing)\n" in out
    assert f"  Codex (moved by CODEX_HOME):\n    {tmp_path / 'no-codex' / 'sessions'} (missing)\n" in out
    assert "  Gemini CLI (the default; GEMINI_DATA_DIR moves it):\n    ~/.gemini/tmp (missing)\n" in out
    assert "Settings › Log folders" in out
    code, out, _err = run_cli(capsys, "scan", "--source", "codex")
    assert "Codex (" in out and "Claude Code" not in out  # only the sources asked for


def test_scan_that_finds_logs_says_nothing_of_the_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    cli_env(monkeypatch, tmp_path, claude=tmp_path / "claude")
    write_lines(tmp_path / "claude/projects/p/s.jsonl", [claude_line(msg_id="m1", req_id="r1", output=7)])
    code, out, _err = run_cli(capsys, "scan")
    assert code == 0 and "No agent logs found" not in out
