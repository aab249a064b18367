"""How large a chat's context window is (issue 11 §5), so a context can be shown as a share of it.

In order: what the agent stated for this chat (Codex `model_context_window` in its logs, Claude Code's status-line
`context_window_size`), else what was last stated for another chat of the same model, else the table below of
the providers' documented windows, else unknown (then the context is shown in tokens alone).

The table (input tokens a request may carry, from the providers' model pages):

| model names starting with | window | source |
|---|---|---|
| `claude-` | 200,000 | Anthropic, models overview (the 1M beta is per request: the status line says so) |
| `gpt-5`, `gpt-5-codex`, `gpt-5.1…` | 272,000 | OpenAI, GPT-5: 400,000 less 128,000 of output (Codex says 258,400) |
| `gpt-4.1` | 1,047,576 | OpenAI, GPT-4.1 model page |
| `o3`, `o4-mini` | 200,000 | OpenAI, o3 and o4-mini model pages |
| `gemini-2.5-` | 1,048,576 | Google, Gemini 2.5 Pro and Flash model cards |
"""

from __future__ import annotations

import sqlite3

from tokenpulse.store.limits import chat_window, model_window

KNOWN_WINDOWS: tuple[tuple[str, int], ...] = (
    ("claude-", 200_000),
    ("gpt-5", 272_000),
    ("gpt-4.1", 1_047_576),
    ("o3", 200_000),
    ("o4-mini", 200_000),
    ("gemini-2.5-", 1_048_576),
)


def documented_window(model: str | None) -> int | None:
    """The table's window for a model name ("anthropic/claude-…" and "openai/gpt-5" match too)."""
    if not model:
        return None
    name = model.lower().rsplit("/", 1)[-1]
    return next((tokens for prefix, tokens in KNOWN_WINDOWS if name.startswith(prefix)), None)


def window_for(conn: sqlite3.Connection, source: str, session_key: str, model: str | None) -> int | None:
    """The chat's context window in tokens, or None when neither the logs nor the table know it."""
    stated = chat_window(conn, source, session_key)
    if stated is not None:
        return stated[0]
    return model_default(conn, model)


def model_default(conn: sqlite3.Connection, model: str | None) -> int | None:
    """A model's window for a chat that did not state its own: the last one stated for another chat of the model,
    else the table's."""
    if model:
        learned = model_window(conn, model)
        if learned is not None:
            return learned
    return documented_window(model)


def chat_window_of(conn: sqlite3.Connection, source: str, session_key: str, models: list[str],
                   by_model: dict[str, int | None] | None = None) -> int | None:
    """`window_for` a chat that used several models: what it stated for itself, else the largest of its models'
    windows, so the share of its peak context is never overstated. `by_model` keeps the models' windows over
    many chats (a listing asks for hundreds)."""
    stated = chat_window(conn, source, session_key)
    if stated is not None:
        return stated[0]
    known = {} if by_model is None else by_model
    for model in models:
        if model not in known:
            known[model] = model_default(conn, model)
    return max((w for w in (known[m] for m in models) if w), default=None)


def share(context: int, window: int | None) -> float | None:
    """The context as a share (0..1, more past a full window) of the window; None when the window is unknown."""
    return None if not window else context / window
