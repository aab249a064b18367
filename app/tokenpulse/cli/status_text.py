"""`tokenpulse status` as short text lines: one per live chat, then the reminders due.

Meant for shell and editor status lines: every piece of text that can come from the logs (agent, project,
the reminders' titles and bodies, which name projects) has its control characters escaped.
"""

from __future__ import annotations

from typing import Any

from tokenpulse.untrusted_text import escape_controls as _safe


def _k(n: int) -> str:
    return f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e3:.0f}k" if n >= 1e3 else str(n)


def _usd(v: float | None) -> str:
    return "no price" if v is None else f"${v:,.2f}" if v >= 0.01 else "<$0.01" if v > 0 else "$0.00"


def _who(chat: dict[str, Any]) -> str:
    """"Claude Code ~/src/app", or only the agent when the logs do not say which folder."""
    agent, project = _safe(str(chat["agent"])), chat.get("project")
    return f"{agent} {_safe(str(project))}" if project else agent


def _each(v: float | None) -> str:
    """A per-message amount: "$0.031" (a third decimal below ten cents), else as `_usd`."""
    return f"${v:.3f}" if v is not None and 0.001 <= v < 0.1 else _usd(v)


def _reread(c: dict[str, Any]) -> str:
    """" re-reads $0.031/message (a fresh chat $0.008, 27k),": what each message re-reads now against a fresh
    chat (the reminder's comparison), never against the first message, which is often the dearest (its context
    is written to the cache). Facts saved by an older app lack the fields: then nothing is said."""
    if "reread_cost_usd" not in c:
        return ""
    fresh = f"{_each(c['fresh_chat_reread_cost_usd'])}, {_k(c['fresh_chat_reread_tokens'])}" \
        if c["fresh_chat_reread_cost_usd"] is not None else _k(c["fresh_chat_reread_tokens"])
    return f" re-reads {_each(c['reread_cost_usd'])}/message (a fresh chat {fresh}),"


def _limit_line(o: dict[str, Any]) -> str:
    """"plan: claude-code 5h 62% (resets 2026-03-01T15:20:00Z, as of 2026-03-01T13:37:00Z)"."""
    resets = f"resets {o['resets_at']}, " if o["resets_at"] else ""
    return f"plan: {o['source']} {o['window']} {o['used_percent']:g}% ({resets}as of {o['observed_at']})"


def render(status: dict[str, Any]) -> str:
    lines = []
    for c in status["live_chats"]:
        share = c.get("context_share")  # of the model's window (issue 11 §5), when known
        of_window = f" ({share:.0%} of {_k(c['context_window_tokens'])})" if share is not None else ""
        lines.append(f"{_who(c)}: context {_k(c['context_tokens'])} tokens{of_window},{_reread(c)}"
                     f" waste {_k(c['waste_tokens'])} tokens")
    if not lines:
        lines.append("no live chat (no call in the last 10 minutes)")
    spend = status["spend"]
    week = f"this week (from {_safe(str(spend['week_start']).capitalize())})" if spend.get("week_start") \
        else "this week"
    lines.append(f"today {_usd(spend['day_usd'])}, {week} {_usd(spend['week_usd'])},"
                 f" this month {_usd(spend['month_usd'])}")
    lines.extend(f"reminder: {_safe(str(d['title']))} — {_safe(str(d['body']))}" for d in status["due"])
    lines.extend(_limit_line(o) for o in status.get("limits") or () if o["current"] and not o.get("scope"))
    return "\n".join(lines)
