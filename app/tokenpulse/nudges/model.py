"""What the nudge rules produce: a Nudge and the actions it offers (what they read is insights.facts)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Action:
    id: str  # what the renderer reports back: "open_chat", "snooze_1h", "mute_chat", "open_budgets", "dismiss"
    label: str


OPEN_CHAT = Action("open_chat", "Open in charts")
SNOOZE_1H = Action("snooze_1h", "Snooze 1 h")
MUTE_CHAT = Action("mute_chat", "Not for this chat")
DISMISS = Action("dismiss", "Dismiss")


@dataclass(frozen=True, slots=True)
class Nudge:
    rule: str  # "fresh_chat", "cache_expired", "budget", "output_goal", "budget_pace"
    key: str  # unique per reminder: each key fires at most once
    title: str
    body: str
    actions: tuple[Action, ...] = ()
    project: str | None = None  # for the log's "followed" check
    also_done: tuple[str, ...] = ()  # lower levels this reminder stands for (not to fire after it)
    session_id: int | None = None  # the chat it is about (open it, mute it), if any
