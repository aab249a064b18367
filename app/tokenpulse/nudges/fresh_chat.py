"""Rule 1: a live chat whose context has grown far past its start gets a "start a fresh chat" reminder."""

from __future__ import annotations

from tokenpulse.config.settings import Reminders
from tokenpulse.insights.facts import ChatSnapshot
from tokenpulse.insights.status_view import LIVE_MS
from tokenpulse.insights.waste import fresh_chat_saving
from tokenpulse.nudges.model import MUTE_CHAT, OPEN_CHAT, SNOOZE_1H, Nudge
from tokenpulse.nudges.text import tokens, usd, where

SAVING_MESSAGES = 10
MAX_LEVEL = 2  # one reminder at T, a second at 2T, never more


def key(session_id: int, level: int) -> str:
    return f"fresh_chat:{session_id}:{level}"


def level(chat: ChatSnapshot, r: Reminders) -> int:
    """0, or the highest level reached: 1 at T, 2 at 2T (both need ≥ G×F after ≥ min_calls calls)."""
    if chat.calls < r.min_calls or chat.context < r.growth_factor * chat.first_context:
        return 0
    if chat.context >= 2 * r.context_threshold:
        return 2
    return 1 if chat.context >= r.context_threshold else 0


def candidate(chat: ChatSnapshot, now_ms: int, r: Reminders) -> Nudge | None:
    if not r.fresh_chat or now_ms - chat.last_ms > LIVE_MS:
        return None
    lvl = level(chat, r)
    if lvl == 0:
        return None
    saving = fresh_chat_saving(chat.context, chat.first_context, r.recap_allowance, chat.read_price,
                               SAVING_MESSAGES)
    body = (f"{where(chat.agent, chat.project)}: the context is now {tokens(chat.context)} tokens"
            f" (it started at {tokens(chat.first_context)}). A message costs {usd(chat.last_cost)} now"
            f" vs {usd(chat.first_cost)} at the start.")
    if saving is not None:
        body += (f" A fresh chat with a short recap would save about {usd(saving)}"
                 f" over the next {SAVING_MESSAGES} messages.")
    title = "Time for a fresh chat?" if lvl == 1 else "This chat is now very long"
    return Nudge("fresh_chat", key(chat.session_id, lvl), title, body, (OPEN_CHAT, SNOOZE_1H, MUTE_CHAT),
                 chat.project, tuple(key(chat.session_id, lower) for lower in range(1, lvl)), chat.session_id)
