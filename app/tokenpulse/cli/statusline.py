"""`tokenpulse statusline`: Claude Code's status-line command (issue 11 §2), and its `install` / `uninstall`.

Claude Code pipes a JSON object on stdin at every update; this records the plan-limit and context-window
readings in it (only when they changed) and prints one line:

    Opus 4.6 · ctx 84k of 200k (42%) · waste 1.2M · today 45k out · 5h 62% ↻1h40 · 7d 31%

model · this chat's context of its window · its long-chat waste so far · today's output · the 5-hour window's
use and time to reset · the weekly window's use. It never blocks Claude Code and never shows a traceback: while
the tray app runs it only appends to a small journal (the app folds it into the store within a second) and reads
the facts the app keeps; without the app it writes the store itself, waiting at most STORE_WAIT_S, and journals
the reading when the store is busy (the next writer folds it in). Bad input prints a short neutral line; the exit
code is always 0. Everything here is imported on demand: the command must start in a few tens of milliseconds.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import IO, Any

NEUTRAL = "tokenpulse"
MAX_INPUT = 1024 * 1024  # a status-line object is ~2 kB; more is not one
STORE_WAIT_S = 0.05
HARD_LIMIT_S = 1.5  # whatever happens, a line is printed by then
WRAPPED_WAIT_S = 3.0  # the user's own status-line command, when tokenpulse wraps it
REFRESH_MS = 5 * 60_000  # an unchanged reading is recorded again this often, so its age stays true
STATE_NAME = "last.json"
MAX_SESSIONS = 20


class _OutOfTime(Exception):
    pass


def fast(argv: list[str]) -> int | None:
    """`[--data-dir DIR] statusline [--wrap CMD]`: run it; None for anything else (argparse handles it)."""
    data_dir: str | None = None
    rest = list(argv)
    if rest[:1] == ["--data-dir"] and len(rest) >= 2:
        data_dir, rest = rest[1], rest[2:]
    elif rest[:1] and rest[0].startswith("--data-dir="):
        data_dir, rest = rest[0].split("=", 1)[1], rest[1:]
    if rest[:1] != ["statusline"]:
        return None
    wrapped = None
    if rest[1:2] == ["--wrap"] and len(rest) == 3:
        from tokenpulse.platform.claude_statusline import decode_wrapped

        wrapped = decode_wrapped(rest[2])
    elif len(rest) != 1:
        return None  # install, uninstall, --help, or a mistake: the full parser answers
    return run(data_dir, wrapped, _stdin(), sys.stdout)


def _stdin() -> IO[bytes]:
    """Standard input as bytes; an empty one when there is none (a closed descriptor, a GUI launcher)."""
    import io

    return getattr(sys.stdin, "buffer", None) or io.BytesIO()


def run(data_dir: str | None, wrapped: str | None, stdin: IO[bytes], stdout: IO[str]) -> int:
    import signal

    def out_of_time(_signum: int, _frame: object) -> None:
        raise _OutOfTime

    old = signal.signal(signal.SIGALRM, out_of_time)
    signal.setitimer(signal.ITIMER_REAL, HARD_LIMIT_S)
    theirs = None
    ours = NEUTRAL
    try:
        raw = b"" if stdin.isatty() else stdin.read(MAX_INPUT + 1)
        if wrapped:
            theirs = _start(wrapped, raw)
        ours = line(raw, data_dir)
    except BaseException:  # a status line shows a line, never a traceback (a timeout included)
        ours = NEUTRAL
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    shown = _finish(theirs) if theirs is not None else ""
    try:
        stdout.write((shown + "\n" if shown else "") + ours + "\n")
        stdout.flush()
    except (OSError, AttributeError):
        pass  # Claude Code closed the pipe (or there is no output at all): nobody to show it to
    return 0


def _start(command: str, raw: bytes) -> Any:
    """The user's own status-line command, started at once with the same input (it runs beside ours)."""
    import subprocess

    proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    proc.tokenpulse_input = raw if len(raw) >= 60_000 else None  # type: ignore[attr-defined]
    if len(raw) < 60_000 and proc.stdin is not None:  # fits the pipe: fed now, no thread needed
        try:
            proc.stdin.write(raw)
            proc.stdin.close()
        except OSError:
            pass
        proc.stdin = None  # fed and closed: communicate() must not touch it
    return proc


def _finish(proc: Any) -> str:
    import subprocess

    try:
        big = proc.tokenpulse_input
        out, _ = proc.communicate(input=big, timeout=WRAPPED_WAIT_S) if big else proc.communicate(
            timeout=WRAPPED_WAIT_S)
    except (subprocess.TimeoutExpired, OSError, ValueError):
        proc.kill()
        proc.wait()
        return ""
    return bytes(out or b"").decode("utf-8", "replace").rstrip("\n")


# --- our line -----------------------------------------------------------------------------------------------

def line(raw: bytes, data_dir: str | None) -> str:
    """Record the input's readings and say the line; NEUTRAL for input that is not a status-line object."""
    from tokenpulse.sources.claude_code.statusline import journal_entries, read_input

    if len(raw) > MAX_INPUT:
        return NEUTRAL
    try:
        info = read_input(json.loads(raw))
    except (ValueError, RecursionError):
        return NEUTRAL
    if info is None:
        return NEUTRAL
    from tokenpulse.config.paths import resolve
    from tokenpulse.platform.app_lock import app_running

    now = time.time_ns() // 1_000_000
    paths = resolve(data_dir)
    app = app_running(paths.instance_lock)
    entries = _changed(paths.data_dir, journal_entries(info, now), now)
    figures = _from_app(paths.data_dir, info, now, entries) if app else _from_store(paths, info, now, entries)
    return render(info, figures, now)


def _changed(data_dir: Path, entries: list[dict[str, Any]], now: int) -> list[dict[str, Any]]:
    """The entries that differ from what was last recorded (or were last recorded REFRESH_MS ago)."""
    from tokenpulse.store.limits_journal import ensure_folder

    state_path = ensure_folder(data_dir) / STATE_NAME
    try:
        state = json.loads(state_path.read_bytes())
        assert isinstance(state, dict)
    except (OSError, ValueError, AssertionError):
        state = {}
    windows: dict[str, Any] = state["windows"] if isinstance(state.get("windows"), dict) else {}
    sessions: dict[str, Any] = state["sessions"] if isinstance(state.get("sessions"), dict) else {}
    out = []
    for e in entries:
        if e["k"] == "snap":
            key = str(e["window_minutes"])
            last = windows.get(key)
            if (isinstance(last, list) and len(last) == 3 and last[0] == e["used_percent"]
                    and _near(last[1], e["resets_ms"]) and now - int(last[2]) < REFRESH_MS):
                continue
            windows[key] = [e["used_percent"], e["resets_ms"], now]
        else:
            if sessions.get(e["session_key"]) == e["tokens"]:
                continue
            sessions.pop(e["session_key"], None)
            sessions[e["session_key"]] = e["tokens"]
            while len(sessions) > MAX_SESSIONS:
                sessions.pop(next(iter(sessions)))
        out.append(e)
    if out:
        tmp = state_path.with_name(f".{STATE_NAME}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, json.dumps({"windows": windows, "sessions": sessions}).encode("utf-8"))
        finally:
            os.close(fd)
        os.replace(tmp, state_path)
    return out


def _near(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is b
    return isinstance(a, int) and isinstance(b, int) and abs(a - b) <= 60_000


def _from_app(data_dir: Path, info: dict[str, Any], now: int, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """While the app runs: journal the changes (it folds them in) and read the facts it keeps current."""
    from tokenpulse.insights.status_view import read_facts
    from tokenpulse.store.limits_journal import append

    append(data_dir, entries)
    facts = read_facts(data_dir, now) or {}
    chat = next((c for c in facts.get("chats") or () if c.get("source") == "claude-code"
                 and c.get("session_key") == info["session_id"]), None)
    spend = facts.get("spend") or {}
    return {"waste": chat.get("waste_tokens") if chat else None, "day_output": spend.get("day_output_tokens"),
            "limits": [r for r in facts.get("limits") or () if r.get("source") == "claude-code"
                       and not r.get("scope")]}


def _from_store(paths: Any, info: dict[str, Any], now: int, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Without the app: write the changes to the store (journal them when it is busy), read its figures."""
    import sqlite3

    from tokenpulse.store import limits as store_limits
    from tokenpulse.store import limits_journal

    figures: dict[str, Any] = {"waste": None, "day_output": None, "limits": []}
    conn = store_limits.quick_connection(paths.database, STORE_WAIT_S)
    if conn is None:
        limits_journal.append(paths.data_dir, entries)
        return figures
    try:
        try:
            records, _ = limits_journal.decode(
                "".join(json.dumps(e) + "\n" for e in entries).encode("utf-8"))
            if records:
                store_limits.write_records(conn, records)
            limits_journal.fold(conn, paths.data_dir)  # what earlier, busier moments left
        except sqlite3.OperationalError:  # busy or locked: the next writer folds it in
            limits_journal.append(paths.data_dir, entries)
        if info["session_id"]:
            figures["waste"] = store_limits.chat_waste(conn, "claude-code", info["session_id"])
        figures["day_output"] = store_limits.output_since(conn, _local_midnight_ms(paths, now))
        figures["limits"] = [{"window": s.window_minutes, "window_minutes": s.window_minutes,
                              "used_percent": s.used_percent, "resets_ms": s.resets_ms, "observed_ms": s.seen_ms}
                             for s in store_limits.latest(conn) if s.source == "claude-code" and not s.scope]
    except sqlite3.Error:
        pass  # the line is still printed, with what is known
    finally:
        conn.close()
    return figures


def _local_midnight_ms(paths: Any, now: int) -> int:
    """Start of today in the settings' zone; the system's (what `time.localtime` uses) when none is set."""
    name = None
    if paths.settings_file.exists():  # reading the settings costs ~10 ms: only when there are some
        from tokenpulse.config.settings import SettingsError, load

        try:
            name = load(paths.settings_file).timezone
        except SettingsError:
            name = None
    if name is None:
        day = time.localtime(now / 1000)
        return int(time.mktime((day.tm_year, day.tm_mon, day.tm_mday, 0, 0, 0, 0, 0, -1)) * 1000)
    from datetime import UTC, datetime

    from tokenpulse.clock import zone

    local = datetime.fromtimestamp(now / 1000, tz=UTC).astimezone(zone(name))
    return int(local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)


def render(info: dict[str, Any], figures: dict[str, Any], now: int) -> str:
    from tokenpulse.presenters.limits_text import compact as window_text
    from tokenpulse.presenters.limits_text import duration
    from tokenpulse.presenters.numbers import compact

    parts = [info["model_name"]] if info["model_name"] else []
    used, size, share = info["context_used"], info["context_size"], info["context_percent"]
    if used is not None and size:
        parts.append(f"ctx {compact(used)} of {compact(size)} ({round(100 * used / size)}%)")
    elif share is not None:
        parts.append(f"ctx {round(share)}%")
    if figures.get("waste"):
        parts.append(f"waste {compact(int(figures['waste']))}")
    if figures.get("day_output") is not None:
        parts.append(f"today {compact(int(figures['day_output']))} out")
    if info["windows"]:
        for w in info["windows"]:
            resets = w["resets_ms"]
            parts.append(window_text(_name(w["window_minutes"]), w["used_percent"], resets,
                                     resets is None or now < resets, now))
    else:  # none in the input (API key, an older version, before the first answer): the last reading, aged
        for r in figures.get("limits") or ():
            resets, seen, minutes = r.get("resets_ms"), int(r["observed_ms"]), int(r["window_minutes"])
            current = now < resets if resets is not None else now - seen < minutes * 60_000
            text = window_text(_name(minutes), float(r["used_percent"]), resets, current, now)
            parts.append(text + (f" ({duration(now - seen)} ago)" if current and now - seen >= 60_000 else ""))
    return " · ".join(parts) or NEUTRAL


def _name(minutes: int) -> str:
    return {300: "5h", 10_080: "7d"}.get(minutes, f"{minutes}m")


# --- install / uninstall (the full parser's path) ---------------------------------------------------------------

def setup(action: str | None, data_dir: str | None) -> int:
    """`statusline install|uninstall` (no action: be the status line, as `fast` is)."""
    if action is None:
        return run(data_dir, None, _stdin(), sys.stdout)
    from tokenpulse.platform.claude_statusline import StatusLineError, install, settings_path, tokenpulse_command

    path = settings_path(os.environ, Path.home())
    try:
        if action == "install":
            message = install(path, tokenpulse_command(Path(data_dir) if data_dir else None))
        else:
            from tokenpulse.platform.claude_statusline import uninstall

            message = uninstall(path)
    except StatusLineError as exc:
        print(f"tokenpulse: {exc}", file=sys.stderr)
        return 1
    print(message)
    return 0
