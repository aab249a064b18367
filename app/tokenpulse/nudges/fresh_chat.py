"""Rule 1: a live chat whose context has grown far past its start gets a "start a fresh chat" reminder.

Two triggers, either enough (issue 11 §5): the cost rule (the context reaches T, then 2T) and the window rule
(the context fills a share S of the model's context window, then half way from S to a full window). The
reminder says which one fired. Both need the chat to have grown to G × its first context after min_calls calls.
"""

from __future__ import annotations

from tokenpulse.config.settings import Reminders
from tokenpulse.insights.facts import ChatSnapshot
from tokenpulse.insights.reread import GENERIC_FRESH_CHAT_HINT, reread
from tokenpulse.insights.status_view import is_live
from tokenpulse.nudges.model import MUTE_CHAT, OPEN_CHAT, SNOOZE_1H, Nudge
from tokenpulse.nudges.text import tokens, usd, usd_each, where

MAX_LEVEL = 2  # one reminder at T, a second at 2T, never more


def key(session_id: int, level: int) -> str:
    return f"fresh_chat:{session_id}:{level}"


def level(chat: ChatSnapshot, r: Reminders, share: float = 0.0) -> int:
    """0, or the highest level reached by either rule: 1 at T or S, 2 at 2T or (1 + S) / 2 of the window."""
    return trigger(chat, r, share)[0]


def trigger(chat: ChatSnapshot, r: Reminders, share: float = 0.0) -> tuple[int, str]:
    """(level, which rule got there: "cost", "window" or "both"); (0, "") when none did."""
    if chat.calls < r.min_calls or chat.context < r.growth_factor * chat.first_context:
        return 0, ""
    by_cost = 2 if chat.context >= 2 * r.context_threshold else 1 if chat.context >= r.context_threshold else 0
    by_window = 0
    if share > 0 and chat.context_window:
        filled = chat.context / chat.context_window
        by_window = 2 if filled >= (1 + share) / 2 else 1 if filled >= share else 0
    lvl = max(by_cost, by_window)
    if lvl == 0:
        return 0, ""
    return lvl, "both" if by_cost == by_window else "cost" if by_cost > by_window else "window"


def argument(chat: ChatSnapshot, recap_allowance: int) -> str:
    """What each message re-reads now against what a fresh chat would re-read, priced as billed, and what to do.

    The comparison is insights.reread's, which the summary, the menu and `status --json` show too.
    """
    r = reread(chat.context, chat.first_context, recap_allowance, chat.read_price, chat.fresh_read_price)
    of_window = (f" ({chat.context / chat.context_window:.0%} of the model's window)" if chat.context_window
                 else "")
    text = (f"{where(chat.agent, chat.project)}: each message re-reads {tokens(r.tokens)} tokens{of_window}"
            + (f" ≈ {usd_each(r.cost)}" if r.cost is not None else "")
            + f"; a fresh chat would re-read about {tokens(r.fresh_tokens)}"
            + (f" ≈ {usd_each(r.fresh_cost)}" if r.fresh_cost is not None else "") + ".")
    if r.saving is not None:
        text += f" Over the next {r.messages} messages a fresh chat saves ≈ {usd(r.saving)}."
    hint = chat.fresh_chat_hint or GENERIC_FRESH_CHAT_HINT
    return text + f" In {chat.agent}: {hint}."


def _why(chat: ChatSnapshot, r: Reminders, share: float, rule: str) -> str:
    cost = f"it passed the cost threshold of {tokens(r.context_threshold)} tokens"
    if not chat.context_window:
        return f"Reminder rule: {cost}."
    window = (f"it fills {chat.context / chat.context_window:.0%} of the model's"
              f" {tokens(chat.context_window)}-token context window (reminder at {share:.0%})")
    return "Reminder rule: " + {"cost": cost, "window": window, "both": f"{cost}, and {window}"}[rule] + "."


def candidate(chat: ChatSnapshot, now_ms: int, r: Reminders, share: float = 0.0) -> Nudge | None:
    if not r.fresh_chat or not is_live(chat.last_ms, now_ms):
        return None
    lvl, rule = trigger(chat, r, share)
    if lvl == 0:
        return None
    body = argument(chat, r.recap_allowance) + " " + _why(chat, r, share, rule)
    title = "Time for a fresh chat?" if lvl == 1 else "This chat is now very long"
    return Nudge("fresh_chat", key(chat.session_id, lvl), title, body, (OPEN_CHAT, SNOOZE_1H, MUTE_CHAT),
                 chat.project, tuple(key(chat.session_id, lower) for lower in range(1, lvl)), chat.session_id)
