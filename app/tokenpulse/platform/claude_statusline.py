"""Putting tokenpulse in Claude Code's status line (issue 11 §2), and taking it out again exactly.

Claude Code reads `statusLine` from its user settings, `settings.json` in its config folder (the first folder
of CLAUDE_CONFIG_DIR, else ~/.claude). Install sets it to `{"type": "command", "command": "<tokenpulse>
statusline", "padding": 0}`. A status-line command the user already has is wrapped, not replaced: the command
becomes `<tokenpulse> statusline --wrap <their command, base64>`, which runs theirs with the same input and
prints its output first. The file as it was is kept beside it (`settings.json.tokenpulse-backup`); uninstall
restores the previous `statusLine`, and when nothing else changed meanwhile the file is byte-identical to the
backup. A settings file that is not valid JSON is never rewritten.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

BACKUP_SUFFIX = ".tokenpulse-backup"
WRAP = "--wrap"


class StatusLineError(Exception):
    """The settings file cannot be changed safely; the message says why in plain words."""


def settings_path(env: Mapping[str, str], home: Path) -> Path:
    configured = [p.strip() for p in (env.get("CLAUDE_CONFIG_DIR") or "").split(",") if p.strip()]
    base = Path(configured[0]).expanduser() if configured else home / ".claude"
    return base / "settings.json"


def tokenpulse_command(data_dir: Path | None = None) -> list[str]:
    """The command that runs this tokenpulse: a bundle's executable, the script being run, the installed one,
    else this Python with `-m tokenpulse`."""
    if getattr(sys, "frozen", False):
        cmd = [sys.executable]
    else:
        script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
        if script is not None and script.name == "tokenpulse" and script.is_file():
            cmd = [str(script.resolve())]
        else:
            exe = shutil.which("tokenpulse")
            cmd = [exe] if exe else [sys.executable, "-m", "tokenpulse"]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    return cmd


def status_command(base: Sequence[str], wrapped: str | None = None) -> str:
    """The shell command Claude Code runs: ours, wrapping theirs when there is one."""
    words = [*base, "statusline"]
    if wrapped:
        words += [WRAP, base64.urlsafe_b64encode(wrapped.encode("utf-8")).decode("ascii")]
    return " ".join(shlex.quote(w) for w in words)


def _words(command: object) -> list[str]:
    if not isinstance(command, str):
        return []
    try:
        return shlex.split(command)
    except ValueError:
        return []


def is_ours(command: object) -> bool:
    words = _words(command)
    if "statusline" not in words:
        return False
    head = words[: words.index("statusline")]
    return any(Path(w).name == "tokenpulse" for w in head) or "tokenpulse" in head


def wrapped_of(command: object) -> str | None:
    """The user's own command that ours wraps, if any."""
    words = _words(command)
    if WRAP in words and words.index(WRAP) + 1 < len(words):
        return decode_wrapped(words[words.index(WRAP) + 1])
    return None


def decode_wrapped(text: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(text.encode("ascii")).decode("utf-8")
    except (ValueError, UnicodeError):
        return None


def _load(path: Path) -> tuple[bytes | None, dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, {}
    except OSError as exc:
        raise StatusLineError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError) as exc:
        raise StatusLineError(f"{path} is not valid JSON ({exc}); fix it first, tokenpulse leaves it as it is") \
            from exc
    if not isinstance(data, dict):
        raise StatusLineError(f"{path} does not hold a JSON object; tokenpulse leaves it as it is")
    return raw, data


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    tmp = path.with_name(f".{path.name}.tokenpulse-{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StatusLineError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _dump(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def install(path: Path, base: Sequence[str]) -> str:
    """Set (or wrap) the status line; returns what was done, in words."""
    raw, data = _load(path)
    current = data.get("statusLine")
    if isinstance(current, dict) and is_ours(current.get("command")):
        return f"tokenpulse is already in Claude Code's status line ({path})"
    theirs = current.get("command") if isinstance(current, dict) and isinstance(current.get("command"), str) \
        and current.get("command", "").strip() else None
    line = dict(current) if isinstance(current, dict) and theirs else {"type": "command", "padding": 0}
    line["type"] = "command"
    line["command"] = status_command(base, theirs)
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        backup.write_bytes(raw if raw is not None else b"")  # empty: there was no settings file
        os.chmod(backup, 0o600)
    except OSError as exc:
        raise StatusLineError(f"cannot keep a backup of {path}: {exc.strerror or exc}") from exc
    _write(path, _dump({**data, "statusLine": line}))
    kept = f"; your own status line ({theirs}) still runs first" if theirs else ""
    return f"added tokenpulse to Claude Code's status line in {path} (backup: {backup.name}){kept}"


def uninstall(path: Path) -> str:
    """Put the previous status line back; returns what was done, in words."""
    _, data = _load(path)
    current = data.get("statusLine")
    if not (isinstance(current, dict) and is_ours(current.get("command"))):
        return f"tokenpulse is not in Claude Code's status line ({path}); nothing changed"
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    before: bytes | None = None
    previous: object = None
    try:
        before = backup.read_bytes()
        _, old = _load(backup) if before.strip() else (None, {})
        previous = old.get("statusLine")
    except (FileNotFoundError, StatusLineError):
        theirs = wrapped_of(current.get("command"))
        previous = {**current, "command": theirs} if theirs else None
    restored = {k: v for k, v in data.items() if k != "statusLine"}
    if previous is not None:
        restored = {**data, "statusLine": previous}  # the key keeps its place in the file
    if before is not None and not before.strip() and not restored:
        path.unlink(missing_ok=True)  # there was no settings file before install
    elif before is not None and before.strip() and json.loads(before.decode("utf-8")) == restored:
        _write(path, before)  # nothing else changed since install: exactly the bytes that were there
    else:
        _write(path, _dump(restored))
    backup.unlink(missing_ok=True)
    return f"removed tokenpulse from Claude Code's status line in {path}" + (
        "; your own status line is back" if previous is not None else "")


def installed(path: Path) -> bool | None:
    """Whether Claude Code's status line is tokenpulse's now; None when its settings cannot be read."""
    try:
        _, data = _load(path)
    except StatusLineError:
        return None
    line = data.get("statusLine")
    return isinstance(line, dict) and is_ours(line.get("command"))
