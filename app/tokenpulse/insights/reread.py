"""What a long chat costs per message against a fresh one, as the reminder argues it (issue 13 §1), in one place
for the reminder, the summary, the tray menu and tooltip, and `status --json`.

Each message re-reads the chat's whole context (at the cache-read price it is billed at, a long-context tier
included); a fresh chat would re-read about F + R (its first context plus the recap allowance, at the base
price). Never "a message cost $x at the start": a chat's first call writes its context to the cache at the
dearer write price, so comparing message costs made long chats look cheaper than fresh ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from tokenpulse.insights.waste import fresh_chat_saving

SAVING_MESSAGES = 10  # the saving is told over this many next messages
# what to do where the agent's source names no way of its own to start afresh (sources' `fresh_chat_hint`)
GENERIC_FRESH_CHAT_HINT = "start a new chat with a short recap"


@dataclass(frozen=True, slots=True)
class Reread:
    tokens: int  # what each message re-reads now: the latest call's context
    cost: float | None  # USD of that re-read; None when the model has no known price
    fresh_tokens: int  # what a fresh chat would re-read: F + R
    fresh_cost: float | None
    saving: float | None  # USD a fresh chat saves over the next `messages` (never below 0)
    messages: int = SAVING_MESSAGES


def reread(context: int, first_context: int, recap_allowance: int, read_price: float | None,
           fresh_read_price: float | None = None, messages: int = SAVING_MESSAGES) -> Reread:
    """The comparison for a chat whose latest call re-read `context` tokens; prices are USD per cache-read token
    (`read_price` at the chat's context now, `fresh_read_price` at a fresh chat's small one; it defaults to
    `read_price`)."""
    fresh = first_context + recap_allowance
    fresh_price = fresh_read_price if fresh_read_price is not None else read_price
    return Reread(tokens=context, cost=None if read_price is None else context * read_price, fresh_tokens=fresh,
                  fresh_cost=None if fresh_price is None else fresh * fresh_price,
                  saving=fresh_chat_saving(context, first_context, recap_allowance, read_price, fresh_read_price,
                                           messages),
                  messages=messages)
