"""Rule 2: a long chat idle past its cache lifetime: its next message re-writes the whole context."""

from __future__ import annotations

from tokenpulse.config.settings import Reminders
from tokenpulse.insights.facts import MINUTE_MS, ChatSnapshot
from tokenpulse.nudges.model import DISMISS, MUTE_CHAT, OPEN_CHAT, Nudge
from tokenpulse.nudges.text import tokens, usd, where

# Tell while it is still news: an expiry noticed hours later (asleep, quiet hours) is not worth a popup.
NOTICE_WINDOW_MS = 60 * MINUTE_MS


def key(chat: ChatSnapshot) -> str:
    return f"cache_expired:{chat.session_id}:{chat.last_ms}"  # last_ms names the idle period


def expired_at(chat: ChatSnapshot) -> int:
    return chat.last_ms + chat.cache_lifetime_ms


def candidate(chat: ChatSnapshot, now_ms: int, r: Reminders) -> Nudge | None:
    if not r.cache_expiry or chat.context < r.context_threshold:
        return None
    expiry = expired_at(chat)
    if not expiry <= now_ms < expiry + NOTICE_WINDOW_MS:
        return None
    lifetime = "1 hour" if chat.one_hour_cache else "5 minutes"
    rewrite = None if chat.write_price is None else chat.context * chat.write_price
    reread = None if chat.read_price is None else chat.context * chat.read_price
    body = (f"{where(chat.agent, chat.project)}: idle for more than {lifetime}, so its cache has expired."
            f" The next message re-writes all {tokens(chat.context)} tokens at the cache-write rate:"
            f" about {usd(rewrite)}")
    body += f" (vs {usd(reread)} from the cache)." if reread is not None else "."
    body += " Starting a fresh chat with a short recap is cheaper."
    return Nudge("cache_expired", key(chat), "Chat cache expired", body, (OPEN_CHAT, MUTE_CHAT, DISMISS),
                 chat.project, session_id=chat.session_id)
