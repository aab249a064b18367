"""Long-chat waste and "where the money went" in words, the same in the summary, the tooltip and the charts.

"Waste share" is always waste cost ÷ cost of the same calls (insights.waste); the facts are always shares of
the cache-read spend, and say so.
"""

from __future__ import annotations

from tokenpulse.insights.spend_facts import CROWD_CHATS, LONG_CHAT_MS, LONG_CONTEXT_TOKENS, SpendFacts
from tokenpulse.insights.waste import waste_share
from tokenpulse.presenters.numbers import compact, money


def share_text(value: float | None) -> str:
    """"41 %"; "–" when unknown; "< 1 %" rather than a misleading 0 for a small share."""
    if value is None:
        return "–"
    if 0 < value < 0.005:
        return "< 1 %"
    return f"{100 * value:.0f} %"


def waste_line(waste_cost: float | None, cost: float | None, period: str) -> str:
    """"Long-chat waste this week: $12.30 · 9 % of cost"; says so when there was none."""
    if waste_cost is None:
        return f"Long-chat waste {period}: –"
    if waste_cost == 0:
        return f"Long-chat waste {period}: none"
    return f"Long-chat waste {period}: {money(waste_cost)} · {share_text(waste_share(waste_cost, cost))} of cost"


def fact_parts(f: SpendFacts) -> list[str]:
    """The three facts, each a share of the cache-read spend ("38 % at > 150 k context", …)."""
    return [f"{share_text(f.long_context_share)} at > {LONG_CONTEXT_TOKENS // 1000} k context",
            f"{share_text(f.long_chat_share)} in chats active > {LONG_CHAT_MS // 3_600_000} h",
            f"{share_text(f.crowded_share)} while {CROWD_CHATS}+ chats ran at once"]


def facts_text(f: SpendFacts, amount: bool = True) -> str | None:
    """"Cache-read spend $30.00: 38 % at > 150 k context · 12 % in chats active > 8 h · 55 % while 3+ chats
    ran at once" (without `amount`: "Of the cache-read spend: …", where another figure already gives it);
    None when no cache read had a known price."""
    if not f.read_cost:
        return None
    head = f"Cache-read spend {money(f.read_cost)}: " if amount else "Of the cache-read spend: "
    return head + " · ".join(fact_parts(f))


def live_waste_text(waste_tokens: int | None, waste_cost: float | None) -> str | None:
    """"waste so far 1.2M tokens ≈ $0.36"; None before the chat's figures are known."""
    if waste_tokens is None:
        return None
    if waste_tokens == 0:
        return "no long-chat waste yet"
    price = "" if waste_cost is None else f" ≈ {money(waste_cost)}"
    return f"waste so far {compact(waste_tokens)} tokens{price}"
