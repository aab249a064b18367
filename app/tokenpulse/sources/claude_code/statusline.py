"""Claude Code's status-line input (issue 11 §2): the JSON it pipes to the `statusLine` command on every update.

Documented fields used: `session_id`, `transcript_path`, `model {id, display_name}`, `context_window
{context_window_size, used_percentage, current_usage {input_tokens, cache_creation_input_tokens,
cache_read_input_tokens, output_tokens}}`, and for subscribers `rate_limits {five_hour {used_percentage,
resets_at}, seven_day {…}}` (absent or null for API-key users and some versions; `resets_at` is epoch seconds
or ISO 8601 text). Everything else (cost, workspace, prompts' paths) is ignored.

Standard library only, and no dataclasses: the status line must answer in a few tens of milliseconds, so this
returns plain dicts, which are also what its journal stores.
"""

from __future__ import annotations

from typing import Any

SOURCE = "claude-code"
WINDOWS = (("five_hour", 300), ("seven_day", 10_080))
MIN_WINDOW, MAX_WINDOW = 1_000, 100_000_000
_EPOCH_MS_MIN, _EPOCH_MS_MAX = 946_684_800_000, 4_102_444_800_000


def clean_text(value: object, limit: int = 60) -> str | None:
    """Text from the input as a terminal may show it: control characters (escape sequences) dropped, short."""
    if not isinstance(value, str):
        return None
    text = "".join(ch for ch in value if ch.isprintable())[:limit].strip()
    return text or None


def _count(value: object, low: int = 0, high: int = 10**12) -> int | None:
    return value if type(value) is int and low <= value <= high else None


def _percent(value: object) -> float | None:
    if type(value) not in (int, float):
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if 0.0 <= number <= 1000.0 else None


def _obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _epoch_ms(value: object) -> int | None:
    """`resets_at` as epoch seconds (a number) or ISO 8601 text, to epoch milliseconds."""
    ms: int | None = None
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e13:  # NaN fails too
        ms = int(value * 1000)
    elif isinstance(value, str) and 10 <= len(value) <= 40:
        from datetime import UTC, datetime

        try:
            stamp = datetime.fromisoformat(value)
        except ValueError:
            return None
        ms = int((stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp() * 1000)
    return ms if ms is not None and _EPOCH_MS_MIN <= ms <= _EPOCH_MS_MAX else None


def read_input(data: object) -> dict[str, Any] | None:
    """The fields the status line uses, checked; None when `data` is not a status-line object at all."""
    if not isinstance(data, dict) or not any(isinstance(data.get(k), str | dict) for k in
                                             ("session_id", "model", "context_window", "rate_limits")):
        return None
    model, ctx = _obj(data.get("model")), _obj(data.get("context_window"))
    usage = _obj(ctx.get("current_usage"))
    parts = [_count(usage.get(k)) for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")]
    limits = _obj(data.get("rate_limits"))
    windows = []
    for name, minutes in WINDOWS:
        raw = limits.get(name)
        if isinstance(raw, dict) and _percent(raw.get("used_percentage")) is not None:
            windows.append({"window_minutes": minutes, "used_percent": _percent(raw.get("used_percentage")),
                            "resets_ms": _epoch_ms(raw.get("resets_at"))})
    session = clean_text(data.get("session_id"), 80)
    return {
        "session_id": session if session and all(c.isalnum() or c in "-_." for c in session) else None,
        "transcript_path": data.get("transcript_path") if isinstance(data.get("transcript_path"), str) else None,
        "model_id": clean_text(model.get("id"), 80),
        "model_name": clean_text(model.get("display_name")) or clean_text(model.get("id")),
        "context_size": _count(ctx.get("context_window_size"), MIN_WINDOW, MAX_WINDOW),
        "context_used": sum(p for p in parts if p is not None) if any(p is not None for p in parts) else None,
        "context_percent": _percent(ctx.get("used_percentage")),
        "windows": windows,
    }


def journal_entries(info: dict[str, Any], now_ms: int) -> list[dict[str, Any]]:
    """The input's readings as journal entries (store.limits_journal): one per window, and the chat's window."""
    out: list[dict[str, Any]] = [{"k": "snap", "source": SOURCE, "window_minutes": w["window_minutes"],
                                  "used_percent": w["used_percent"], "resets_ms": w["resets_ms"],
                                  "observed_ms": now_ms, "via": "statusline"} for w in info["windows"]]
    if info["session_id"] and info["context_size"]:
        out.append({"k": "window", "source": SOURCE, "session_key": info["session_id"], "model": info["model_id"],
                    "tokens": info["context_size"], "seen_ms": now_ms})
    return out
