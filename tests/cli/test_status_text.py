"""`tokenpulse status` in words: the live chat's economics are the re-read comparison, not "now vs first"."""

from __future__ import annotations

from typing import Any

from tokenpulse.cli.status_text import render

SPEND = {"day_usd": 1.0, "week_usd": 2.0, "month_usd": 3.0}


def _chat(**changes: Any) -> dict[str, Any]:
    # a chat whose first call wrote its context to the cache: $0.09 then, $0.05 a message now
    chat = {"agent": "Claude Code", "project": "/home/u/shop", "context_tokens": 104_000, "waste_tokens": 400_000,
            "cost_per_message_usd": 0.05, "first_message_cost_usd": 0.09, "reread_tokens": 104_000,
            "reread_cost_usd": 0.0312, "fresh_chat_reread_tokens": 27_000, "fresh_chat_reread_cost_usd": 0.0081,
            "fresh_chat_saving_usd": 0.231, "fresh_chat_saving_messages": 10}
    return {**chat, **changes}


def test_a_dear_first_message_does_not_make_the_chat_look_cheaper_now() -> None:
    line = render({"live_chats": [_chat()], "spend": SPEND, "due": []}).splitlines()[0]
    assert "first" not in line and "$0.09" not in line and "$0.05" not in line
    assert line == ("Claude Code /home/u/shop: context 104k tokens, re-reads $0.031/message (a fresh chat $0.008,"
                    " 27k), waste 400k tokens")


def test_facts_from_an_older_app_say_no_comparison_rather_than_the_old_one() -> None:
    old = {k: v for k, v in _chat().items() if not k.startswith(("reread", "fresh_chat"))}
    line = render({"live_chats": [old], "spend": SPEND, "due": []}).splitlines()[0]
    assert line == "Claude Code /home/u/shop: context 104k tokens, waste 400k tokens"
