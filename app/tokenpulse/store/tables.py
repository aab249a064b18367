"""The schema, declared with SQLModel. Alembic migrations create it; hot paths use the same names in SQL."""

from __future__ import annotations

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class SourceFile(SQLModel, table=True):
    """A log file and how far it has been read: the cursor advances with its calls, in one transaction."""

    __tablename__ = "source_file"
    id: int | None = Field(default=None, primary_key=True)
    source: str
    path: str = Field(unique=True)
    device: int = 0
    inode: int = 0
    size: int = 0
    mtime_ns: int = 0
    offset: int = 0  # byte offset just after the last complete line read
    tail_hash: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    parser_state: str | None = None  # JSON; per-file state of cumulative formats (Codex)
    lines_skipped: int = 0
    missing: bool = False  # the agent deleted or moved it; its calls stay counted
    updated_ms: int = 0


class ChatSession(SQLModel, table=True):
    """A chat (session) of one agent; sub-agent chats name their parent."""

    __tablename__ = "chat_session"
    __table_args__ = (UniqueConstraint("source", "session_key"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str
    session_key: str
    parent_key: str | None = None
    project: str | None = None
    git_branch: str | None = None
    first_ms: int = 0
    last_ms: int = 0
    models: str = ""  # comma-separated, in order of first use


class ApiCallRow(SQLModel, table=True):
    """One counted API call. `dedupe_key` is unique: a call seen twice is stored once."""

    __tablename__ = "api_call"
    __table_args__ = (
        Index("ix_api_call_ts", "ts_ms"),
        Index("ix_api_call_session_ts", "session_id", "ts_ms"),
        Index("ix_api_call_message_hash", "message_hash", sqlite_where=text("message_hash IS NOT NULL")),
    )
    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False, unique=True))
    source: str
    session_id: int = Field(foreign_key="chat_session.id")
    ts_ms: int
    model: str
    input: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0
    output: int = 0
    reasoning: int = 0
    cost_usd: float | None = None  # None: no known price for the model, never 0
    message_hash: int | None = None
    is_sidechain: bool = False


class ModelPrice(SQLModel, table=True):
    """Cached per-token rates of a model on a day (JSON), so routine scans need not load the price list."""

    __tablename__ = "model_price"
    model: str = Field(primary_key=True)
    day: str = Field(primary_key=True)
    rates: str | None = None  # None: the model has no known price


class ChatStats(SQLModel, table=True):
    """Per-chat waste figures, recomputed from the chat's calls when a scan touches it (insights.chat_stats)."""

    __tablename__ = "chat_stats"
    __table_args__ = (Index("ix_chat_stats_parent", "parent_id", sqlite_where=text("parent_id IS NOT NULL")),)
    session_id: int = Field(primary_key=True, foreign_key="chat_session.id")
    parent_id: int | None = Field(default=None, foreign_key="chat_session.id")  # sub-agent chats: the parent
    calls: int = 0
    first_context: int = 0  # F, the fresh floor
    peak_context: int = 0
    last_context: int = 0
    context_tokens: int = 0  # everything the model read over the chat
    waste_tokens: int = 0
    waste_cost_usd: float | None = None  # None: no wasteful call has a known cache-read price
    cost_usd: float | None = None  # None: no call of the chat has a known price
    waste_share: float | None = None  # waste cost / cost of this chat alone
    family_cost_usd: float | None = None  # this chat plus its sub-agent chats
    family_waste_cost_usd: float | None = None
    wrote_1h_cache: bool = False  # decides the cache lifetime: 1 h instead of 5 min
    recap_allowance: int = 0  # the R the figures were computed with; a settings change makes them stale
    last_ms: int = 0
