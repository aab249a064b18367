"""Rule 1: a live chat whose context has grown far past its start gets a "start a fresh chat" reminder."""

from __future__ import annotations

from tokenpulse.config.settings import Reminders
from tokenpulse.insights.facts import ChatSnapshot
from tokenpulse.insights.status_view import is_live
from tokenpulse.insights.waste import fresh_chat_saving
from tokenpulse.nudges.model import MUTE_CHAT, OPEN_CHAT, SNOOZE_1H, Nudge
from tokenpulse.nudges.text import tokens, usd, usd_each, where

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


def argument(chat: ChatSnapshot, recap_allowance: int) -> str:
    """What each message re-reads now against what a fresh chat would re-read, priced as billed, and what to do.

    Not "a message cost $x at the start": a chat's first call writes its context to the cache at the dearer
    write price, so comparing message costs made long chats look cheaper than fresh ones.
    """
    fresh = chat.first_context + recap_allowance
    now_cost = None if chat.read_price is None else chat.context * chat.read_price
    fresh_price = chat.fresh_read_price if chat.fresh_read_price is not None else chat.read_price
    fresh_cost = None if fresh_price is None else fresh * fresh_price
    saving = fresh_chat_saving(chat.context, chat.first_context, recap_allowance, chat.read_price,
                               chat.fresh_read_price, SAVING_MESSAGES)
    text = (f"{where(chat.agent, chat.project)}: each message re-reads {tokens(chat.context)} tokens"
            + (f" ≈ {usd_each(now_cost)}" if now_cost is not None else "")
            + f"; a fresh chat would re-read about {tokens(fresh)}"
            + (f" ≈ {usd_each(fresh_cost)}" if fresh_cost is not None else "") + ".")
    if saving is not None:
        text += f" Over the next {SAVING_MESSAGES} messages a fresh chat saves ≈ {usd(saving)}."
    hint = chat.fresh_chat_hint or "start a new chat with a short recap"
    return text + f" In {chat.agent}: {hint}."


def candidate(chat: ChatSnapshot, now_ms: int, r: Reminders) -> Nudge | None:
    if not r.fresh_chat or not is_live(chat.last_ms, now_ms):
        return None
    lvl = level(chat, r)
    if lvl == 0:
        return None
    body = argument(chat, r.recap_allowance)
    title = "Time for a fresh chat?" if lvl == 1 else "This chat is now very long"
    return Nudge("fresh_chat", key(chat.session_id, lvl), title, body, (OPEN_CHAT, SNOOZE_1H, MUTE_CHAT),
                 chat.project, tuple(key(chat.session_id, lower) for lower in range(1, lvl)), chat.session_id)
