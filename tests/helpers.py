"""Helpers shared by the tests: sample locations, a workspace on tmp folders, log-line builders, totals."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "samples"

CLAUDE_MODEL = "claude-sonnet-4-5-20250929"


SAMPLE_KINDS = ("claude-code", "codex", "copilot-cli", "gemini", "opencode", "qwen")


def samples(kind: str) -> Path:
    """`shared/samples/<kind>` next to the repo.

    When the folder is missing, exactly one test fails for it (tests/test_shared_samples.py, naming the folder
    to put there) and the tests that read samples step aside pointing at that failure, instead of dozens of
    unrelated-looking failures.
    """
    folder = SAMPLES / kind
    if not folder.is_dir():
        pytest.skip(f"needs the shared sample logs at {folder}: see the failure of tests/test_shared_samples.py")
    return folder


# ---------------------------------------------------------------------------------------------
# Workspaces and totals
# ---------------------------------------------------------------------------------------------

def make_workspace(tmp_path: Path, *, claude: Path | str | None = None, codex: Path | str | None = None,
                   data: Path | None = None, sources: Sequence[str] | None = None):  # type: ignore[no-untyped-def]
    """A Workspace whose roots are only the given folders (absent ones point at empty tmp folders)."""
    from tokenpulse.config.paths import resolve
    from tokenpulse.workspace import Workspace

    env = {"CLAUDE_CONFIG_DIR": str(claude if claude is not None else tmp_path / "no-claude"),
           "CODEX_HOME": str(codex if codex is not None else tmp_path / "no-codex")}
    return Workspace(resolve(data or tmp_path / "data"), env=env, home=tmp_path / "nohome", sources=sources)


def scan_once(tmp_path: Path, **kwargs: Any) -> tuple[Any, dict[str, int]]:
    """Open a workspace, scan once, return (summary, totals) and close it."""
    ws = make_workspace(tmp_path, **kwargs)
    try:
        summary = ws.scan()
        return summary, totals(ws.conn)
    finally:
        ws.close()


def totals(conn: sqlite3.Connection, source: str | None = None) -> dict[str, int]:
    where, args = ("WHERE source = ?", [source]) if source else ("", [])
    row = conn.execute(
        "SELECT count(*), coalesce(sum(input), 0), coalesce(sum(cache_write_5m), 0), coalesce(sum(cache_write_1h), 0),"
        " coalesce(sum(cache_read), 0), coalesce(sum(output), 0), coalesce(sum(reasoning), 0)"
        f" FROM api_call {where}", args).fetchone()
    keys = ("calls", "input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "reasoning")
    out = dict(zip(keys, row))
    out["cache_write"] = out["cache_write_5m"] + out["cache_write_1h"]
    return out


def claude_tuple(t: dict[str, int]) -> tuple[int, int, int, int]:
    """The MANIFEST's tuple order: (input, output, cache_creation, cache_read)."""
    return (t["input"], t["output"], t["cache_write"], t["cache_read"])


def table_dump(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    return list(conn.execute(
        "SELECT dedupe_key, source, session_id, ts_ms, model, input, cache_write_5m, cache_write_1h, cache_read,"
        " output, reasoning, cost_usd, is_sidechain FROM api_call ORDER BY dedupe_key"))


def copy_file(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    return dst


# ---------------------------------------------------------------------------------------------
# Writing logs
# ---------------------------------------------------------------------------------------------

def write_lines(path: Path, lines: Iterable[str | bytes], *, mode: str = "w") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join((ln if isinstance(ln, bytes) else ln.encode()) + b"\n" for ln in lines)
    with open(path, "ab" if mode == "a" else "wb") as fh:
        fh.write(data)
    return path


def claude_line(*, msg_id: str | None = "msg_1", req_id: str | None = "req_1", output: int | Any = 10,
                input: int | Any = 5, cache_write: int | Any = 0, cache_read: int | Any = 0,
                one_hour: int | None = None, model: str = CLAUDE_MODEL, ts: str = "2026-03-01T10:00:00.000Z",
                session: str = "sess-1", type_: str | None = "assistant", sidechain: bool = False,
                agent_id: str | None = None, cwd: str = "/home/u/proj", text: str = "hello",
                omit: Sequence[str] = (), **extra: Any) -> str:
    """One Claude Code transcript line (spec §1.3 shape)."""
    usage: dict[str, Any] = {"input_tokens": input, "cache_creation_input_tokens": cache_write,
                             "cache_read_input_tokens": cache_read, "output_tokens": output,
                             "service_tier": "standard"}
    if one_hour is not None:
        usage["cache_creation"] = {"ephemeral_5m_input_tokens": cache_write - one_hour,
                                   "ephemeral_1h_input_tokens": one_hour}
    for name in omit:
        usage.pop(name, None)
    message: dict[str, Any] = {"type": "message", "role": "assistant", "model": model,
                               "content": [{"type": "text", "text": text}], "stop_reason": None, "usage": usage}
    if msg_id is not None:
        message["id"] = msg_id
    rec: dict[str, Any] = {"parentUuid": None, "isSidechain": sidechain, "userType": "external", "cwd": cwd,
                           "sessionId": session, "version": "2.1.114", "gitBranch": "main",
                           "uuid": f"u-{msg_id}-{output}", "timestamp": ts, "message": message}
    if type_ is not None:
        rec["type"] = type_
    if req_id is not None:
        rec["requestId"] = req_id
    if agent_id is not None:
        rec["agentId"] = agent_id
    rec.update(extra)
    return json.dumps(rec)


def claude_user_line(text: str = "hi", session: str = "sess-1", ts: str = "2026-03-01T09:59:00.000Z") -> str:
    return json.dumps({"type": "user", "sessionId": session, "timestamp": ts, "cwd": "/home/u/proj",
                       "message": {"role": "user", "content": text}})


def usage(inp: int, cached: int = 0, out: int = 0, reasoning: int = 0, *, total: bool = True,
          **extra: int) -> dict[str, int]:
    """A Codex TokenUsage object (cached ⊂ input, reasoning ⊂ output)."""
    u = {"input_tokens": inp, "cached_input_tokens": cached, "output_tokens": out,
         "reasoning_output_tokens": reasoning}
    if total:
        u["total_tokens"] = inp + out
    u.update(extra)
    return u


def add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in set(a) | set(b) if k != "total_tokens"} | {
        "total_tokens": a["input_tokens"] + b["input_tokens"] + a["output_tokens"] + b["output_tokens"]}


def codex_tc(ts: str, total: dict[str, int] | None = None, last: dict[str, int] | None = None, *,
             model: str | None = None, info: Any = ..., **info_extra: Any) -> str:
    """An `event_msg` / `token_count` line."""
    if info is ...:
        info = {}
        if total is not None:
            info["total_token_usage"] = total
        if last is not None:
            info["last_token_usage"] = last
        info["model_context_window"] = 258400
        if model is not None:
            info["model"] = model
        info.update(info_extra)
    return json.dumps({"timestamp": ts, "type": "event_msg",
                       "payload": {"type": "token_count", "info": info,
                                   "rate_limits": {"primary": {"used_percent": 1.0, "window_minutes": 300}}}})


def codex_turn(ts: str, model: str = "gpt-5.2-codex", cwd: str = "/home/u/proj") -> str:
    return json.dumps({"timestamp": ts, "type": "turn_context",
                       "payload": {"cwd": cwd, "approval_policy": "on-request", "model": model, "effort": "medium"}})


def codex_meta(ts: str, thread_id: str, *, forked_from: str | None = None, cwd: str = "/home/u/proj") -> str:
    payload: dict[str, Any] = {"id": thread_id, "timestamp": ts, "cwd": cwd, "originator": "codex_cli_rs",
                               "cli_version": "0.77.0", "source": "cli", "model_provider": "openai"}
    if forked_from is not None:
        payload["forked_from_id"] = forked_from
    return json.dumps({"timestamp": ts, "type": "session_meta", "payload": payload})


def codex_message(ts: str, text: str) -> str:
    return json.dumps({"timestamp": ts, "type": "response_item",
                       "payload": {"type": "message", "role": "assistant",
                                   "content": [{"type": "output_text", "text": text}]}})


def codex_file(codex_home: Path, name: str = "rollout-2026-03-01T10-00-00-0199aaaa-0000-7000-8000-000000000001",
               day: str = "2026/03/01", sub: str = "sessions") -> Path:
    return codex_home / sub / day / f"{name}.jsonl"


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------

def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, claude: Path | None = None,
            codex: Path | None = None, data: Path | None = None) -> Path:
    """Point the CLI (which reads os.environ) at tmp folders only; returns the data folder."""
    data = data or tmp_path / "data"
    monkeypatch.setenv("TOKENPULSE_HOME", str(data))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(claude or tmp_path / "no-claude"))
    monkeypatch.setenv("CODEX_HOME", str(codex or tmp_path / "no-codex"))
    monkeypatch.setenv("HOME", str(tmp_path / "nohome"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("TZ", "UTC")
    return data


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from tokenpulse.cli.main import main

    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse (--version, bad options)
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = run_cli(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


_HOLD_APP_LOCK = ("import sys, time; from pathlib import Path; from tokenpulse.platform.app_lock import AppLock;"
                  " lock = AppLock(Path(sys.argv[1])); assert lock.acquire(); print('held', flush=True);"
                  " time.sleep(120)")


def hold_app_lock(lock: Path) -> subprocess.Popen[str]:
    """Another process holding the tray app's lock, as the running app does (stop it with `stop_process`)."""
    proc = subprocess.Popen([sys.executable, "-c", _HOLD_APP_LOCK, str(lock)], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO / "app")))
    assert proc.stdout is not None and proc.stdout.readline() == "held\n"
    return proc


def stop_process(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.communicate()
