"""Claude Code's cached copy of the account's usage (issue 11 §2), a fallback reading of the plan windows.

Claude Code keeps, in its global state file, `cachedUsageUtilization = {fetchedAtMs, utilization: {five_hour:
{utilization, resets_at}, seven_day: {…}, seven_day_opus: {…}, …}}` (`utilization` 0–100, `resets_at` ISO 8601).
It is refreshed rarely, so each window is recorded as read at `fetchedAtMs`: shown with that age, and only
while its reset is ahead (insights.plan_limits), like any other reading.

The file is chosen by its content, not its name: among the places Claude Code has kept it (`~/.claude.json`,
`$CLAUDE_CONFIG_DIR/.claude.json`, `~/.claude/.claude.json`, `~/.config/claude/.claude.json`), the one holding
the newest cached usage. Only that key is decoded; the file's account ids, tokens and project list are not.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tokenpulse.quota import FIVE_HOURS, SEVEN_DAYS, LimitSnapshot, plausible_percent
from tokenpulse.sources.fields import env_paths, parse_iso_ms, plausible_ms

SOURCE = "claude-code"
STATE_NAMES = (".claude.json",)
MAX_BYTES = 64 * 1024 * 1024  # a larger file is not Claude Code's state
# window key in the cache -> (window length, scope); per-model weekly limits are scopes of the weekly window
WINDOWS = {"five_hour": (FIVE_HOURS, ""), "seven_day": (SEVEN_DAYS, ""), "seven_day_opus": (SEVEN_DAYS, "opus"),
           "seven_day_sonnet": (SEVEN_DAYS, "sonnet")}


_DECODER: Any = None  # built on first use: most scans find the file unchanged and never need msgspec


def _decoder() -> Any:
    global _DECODER
    if _DECODER is None:
        import msgspec

        # only this key is declared: msgspec skips the rest of the file (accounts, projects) unread
        cached = msgspec.defstruct("Cached", [("fetchedAtMs", Any, None), ("utilization", Any, None)])
        state = msgspec.defstruct("State", [("cachedUsageUtilization", cached | None, None)])
        _DECODER = msgspec.json.Decoder(state)
    return _DECODER


def candidates(env: Mapping[str, str], home: Path) -> list[Path]:
    """Where Claude Code may keep its state file, most specific first."""
    out: list[Path] = []
    for base in env_paths(env.get("CLAUDE_CONFIG_DIR")):
        out.append(base / ".claude.json")
    xdg = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    out += [home / ".claude.json", home / ".claude" / ".claude.json", xdg / "claude" / ".claude.json"]
    return list(dict.fromkeys(out))


def signature(paths: Iterable[Path]) -> tuple[tuple[str, int, int], ...]:
    """(path, size, mtime) of the candidates that exist: unchanged means nothing to read again."""
    out = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue
        out.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(out)


def read_cached_usage(paths: Iterable[Path]) -> list[LimitSnapshot]:
    """The windows of the newest cached usage among `paths` (empty when none holds one)."""
    best: tuple[int, dict[str, Any]] | None = None
    for path in paths:
        found = _read(path)
        if found is not None and (best is None or found[0] > best[0]):
            best = found
    if best is None:
        return []
    fetched, utilization = best
    out = []
    for key, (minutes, scope) in WINDOWS.items():
        raw = utilization.get(key)
        if not isinstance(raw, dict):
            continue
        used = plausible_percent(raw.get("utilization"))
        if used is None:
            continue
        resets = raw.get("resets_at")
        resets_ms = parse_iso_ms(resets) if isinstance(resets, str) else (
            plausible_ms(resets * 1000) if type(resets) is int else None)
        out.append(LimitSnapshot(SOURCE, minutes, used, fetched, resets_ms, scope=scope, via="cache"))
    return out


def _read(path: Path) -> tuple[int, dict[str, Any]] | None:
    import msgspec

    try:
        if os.stat(path).st_size > MAX_BYTES:
            return None
        state = _decoder().decode(path.read_bytes())
    except (OSError, msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None  # absent, unreadable, half-written by Claude Code, or not its state file
    cached = state.cachedUsageUtilization
    if cached is None or not isinstance(cached.utilization, dict):
        return None
    fetched = plausible_ms(cached.fetchedAtMs)
    return None if fetched is None else (fetched, cached.utilization)
