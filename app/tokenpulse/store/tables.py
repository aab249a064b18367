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
    __table_args__ = (
        UniqueConstraint("source", "session_key"),
        Index("ix_chat_session_parent", "source", "parent_key", sqlite_where=text("parent_key IS NOT NULL")),
    )
    id: int | None = Field(default=None, primary_key=True)
    source: str
    session_key: str
    parent_key: str | None = None
    project: str | None = None
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


class UsageRollup(SQLModel, table=True):
    """Calls summed per chat, UTC quarter-hour and model (store.rollups); the charts read this, not api_call.

    A quarter-hour lies inside one local hour of every whole- or quarter-hour zone, so local days and hours
    add up exactly. The four per-type costs split `cost_usd` in proportion to each type's base price.
    Clustered by chat (the primary key) so a chat's rows are refreshed together; the bucket index serves ranges.
    """

    __tablename__ = "usage_rollup"
    __table_args__ = (Index("ix_usage_rollup_bucket", "bucket_ms"), {"sqlite_with_rowid": False})
    session_id: int = Field(primary_key=True, foreign_key="chat_session.id")
    bucket_ms: int = Field(primary_key=True)  # UTC epoch ms of the quarter-hour's start
    model: str = Field(primary_key=True)
    source: str
    calls: int = 0
    input: int = 0
    cache_write: int = 0  # 5-minute plus 1-hour writes
    cache_read: int = 0
    output: int = 0
    reasoning: int = 0
    cost_usd: float | None = None  # None: no call in the row has a known price
    unpriced_calls: int = 0
    input_cost: float | None = None
    cache_write_cost: float | None = None
    cache_read_cost: float | None = None
    output_cost: float | None = None


class UsageLocalHour(SQLModel, table=True):
    """usage_rollup summed per local day and hour of one zone (the settings'), agent and model.

    Derived and disposable: rebuilt from usage_rollup when the zone changes, kept current with it otherwise.
    Ranges of months or years read a few thousand of these rows instead of every chat's quarter-hours; the
    key order lets SQLite sum whole days without sorting.
    """

    __tablename__ = "usage_local_hour"
    __table_args__ = ({"sqlite_with_rowid": False},)
    local_day: int = Field(primary_key=True)  # days since 1970-01-01 in local wall-clock time
    source: str = Field(primary_key=True)
    model: str = Field(primary_key=True)
    hour: int = Field(primary_key=True)  # 0-23, local wall-clock
    zone: str  # IANA key the hours are counted in; one zone for the whole table
    calls: int = 0
    input: int = 0
    cache_write: int = 0
    cache_read: int = 0
    output: int = 0
    reasoning: int = 0
    cost_usd: float | None = None
    unpriced_calls: int = 0
    input_cost: float | None = None
    cache_write_cost: float | None = None
    cache_read_cost: float | None = None
    output_cost: float | None = None


class UsageLocalDay(SQLModel, table=True):
    """usage_local_hour summed per local day (agent, model): the charts' days read a row per day and model
    instead of one per hour. Derived and disposable, kept with usage_local_hour in the same zone."""

    __tablename__ = "usage_local_day"
    __table_args__ = ({"sqlite_with_rowid": False},)
    local_day: int = Field(primary_key=True)  # days since 1970-01-01 in local wall-clock time
    source: str = Field(primary_key=True)
    model: str = Field(primary_key=True)
    zone: str
    calls: int = 0
    input: int = 0
    cache_write: int = 0
    cache_read: int = 0
    output: int = 0
    reasoning: int = 0
    cost_usd: float | None = None
    unpriced_calls: int = 0
    input_cost: float | None = None
    cache_write_cost: float | None = None
    cache_read_cost: float | None = None
    output_cost: float | None = None


class UsageChat(SQLModel, table=True):
    """usage_rollup summed per chat, with the first and last quarter-hour: a range of months or years takes the
    chats that lie wholly inside it from here, and only those crossing its ends from usage_rollup."""

    __tablename__ = "usage_chat"
    __table_args__ = (Index("ix_usage_chat_last", "last_ms"),)
    session_id: int = Field(primary_key=True, foreign_key="chat_session.id")
    first_ms: int  # start of the chat's first quarter-hour with a call
    last_ms: int  # start of its last one
    calls: int = 0
    input: int = 0
    cache_write: int = 0
    cache_read: int = 0
    output: int = 0
    cost_usd: float | None = None


class WasteRollup(SQLModel, table=True):
    """Per chat and UTC quarter-hour: its long-chat waste and cache-read spend (insights.spend_facts), written
    with the chat's figures from the same walk over its calls, so a chat's quarter-hours add up to chat_stats.

    Costs are None when no call of the row has a known price. Derived: recomputed when a scan touches the chat
    or the recap allowance changes.
    """

    __tablename__ = "waste_rollup"
    __table_args__ = (Index("ix_waste_rollup_bucket", "bucket_ms"), {"sqlite_with_rowid": False})
    session_id: int = Field(primary_key=True, foreign_key="chat_session.id")
    bucket_ms: int = Field(primary_key=True)  # UTC epoch ms of the quarter-hour's start
    top_level: bool = True  # not a sub-agent chat: counts toward "chats at once"
    calls: int = 0
    waste_tokens: int = 0
    waste_cost_usd: float | None = None
    read_cost_usd: float | None = None  # cache-read spend: cache-read tokens × the call's cache-read price
    long_context_read_cost_usd: float | None = None  # of calls that re-read more than 150 k tokens
    long_chat_read_cost_usd: float | None = None  # all of read_cost_usd when the chat was active over 8 h


class WasteQuarter(SQLModel, table=True):
    """waste_rollup summed per UTC quarter-hour over every chat, with the number of chats (not sub-agents) that
    had calls in it: a range of years reads tens of thousands of rows, and "while 3 or more chats ran at once"
    is a sum over the rows with chats >= 3."""

    __tablename__ = "waste_quarter"
    bucket_ms: int = Field(primary_key=True)
    chats: int = 0
    calls: int = 0
    waste_tokens: int = 0
    waste_cost_usd: float | None = None
    read_cost_usd: float | None = None
    long_context_read_cost_usd: float | None = None
    long_chat_read_cost_usd: float | None = None


class ReminderLog(SQLModel, table=True):
    """Every reminder the app showed, once per key; `followed_ms` is set when a new chat started in the same
    project within 30 minutes (the reminder was followed). Holds counts and names, never chat text."""

    __tablename__ = "reminder_log"
    __table_args__ = (Index("ix_reminder_log_shown", "shown_ms"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # the policy's key: fresh_chat:<chat>:<level>, budget:month:2026-03:80, ...
    rule: str
    title: str
    body: str
    session_id: int | None = Field(default=None, foreign_key="chat_session.id")
    project: str | None = None
    shown_ms: int
    followed_ms: int | None = None
    action: str | None = None  # what the user chose in it, if anything: open_chat, snooze_1h, mute_chat, ...


class AppState(SQLModel, table=True):
    """Small named values the app keeps across restarts (the reminder policy's state); not user settings."""

    __tablename__ = "app_state"
    key: str = Field(primary_key=True)
    value: str


class GitRepo(SQLModel, table=True):
    """One git repository whose commits the work reader keeps (`tokenpulse.work.figures.RepoState`): what a
    rescan compares to decide whether to run git at all. Ids and digests only: no branch name, no address."""

    __tablename__ = "git_repo"
    id: int | None = Field(default=None, primary_key=True)
    git_dir: str = Field(unique=True)  # RepoState.key: the common git directory, resolved
    label: str  # the main work tree folder, for display
    tips: str  # JSON list of commit ids (sorted): what the branches and worktree HEADs pointed at
    identities_digest: str  # digest of the user's e-mail addresses (never the addresses)
    settings_digest: str  # digest of git_emails from the settings
    config_stamp: str  # JSON [[config file, mtime_ns, size], ...]: git's configuration files, to notice a change
    horizon_ms: int | None = None  # commits from here on were read; None: the whole history
    reader_version: int
    scanned_ms: int


class GitCommit(SQLModel, table=True):
    """One commit by the user: its id, author time and three counts. Never a message, a file name or a diff."""

    __tablename__ = "git_commit"
    __table_args__ = (Index("ix_git_commit_time", "repo_id", "author_ms"), {"sqlite_with_rowid": False})
    repo_id: int = Field(primary_key=True, foreign_key="git_repo.id", ondelete="CASCADE")
    sha: bytes = Field(sa_column=Column(LargeBinary, primary_key=True))  # 20 bytes (32: SHA-256 repositories)
    author_ms: int
    lines_added: int
    lines_removed: int
    files_changed: int


class ProjectRepo(SQLModel, table=True):
    """Which repository a project folder (chat_session.project) lies in, as last checked."""

    __tablename__ = "project_repo"
    project: str = Field(primary_key=True)
    repo_id: int | None = Field(default=None, foreign_key="git_repo.id", ondelete="SET NULL")  # None: no figures
    problem: str | None = None  # why a repository could not be read, in plain words (never git's own text)
    checked_ms: int


class SourceHealth(SQLModel, table=True):
    """What the scans learned about one source, so that a silent zero can be told from a quiet week: when its
    files last changed, its newest counted call, changes that brought no call, and the lines its last scans
    skipped, by reason. Written by the scan in the same transaction as the files (ingest/health.py); read by
    insights/source_health.py. Times and counts and the parsers' own reason texts only, never log text."""

    __tablename__ = "source_health"
    source: str = Field(primary_key=True)
    last_change_ms: int | None = None  # newest modification time of a file a scan found changed
    last_call_ms: int | None = None  # timestamp of the newest call counted
    last_counted_ms: int | None = None  # when a scan last counted a call (the scan's clock)
    counted_change_ms: int | None = None  # newest modification time of a change that brought a call
    quiet_since_ms: int | None = None  # oldest change after that one that brought none (None: there is none)
    last_uncounted_ms: int | None = None  # newest change that brought no call
    recent_skips: str = "[]"  # JSON [[scan_ms, {reason: lines}], ...]: the last scans that skipped lines
    updated_ms: int = 0


class LimitSnapshotRow(SQLModel, table=True):
    """A plan window's usage as the provider reported it (issue 11): one row per change, kept as history.

    `observed_ms` is when this reading was first seen, `seen_ms` the last time the same reading was repeated
    (re-emits extend it instead of adding rows). Numbers and short names only.
    """

    __tablename__ = "limit_snapshot"
    __table_args__ = (
        UniqueConstraint("source", "scope", "window_minutes", "observed_ms"),
        Index("ix_limit_snapshot_seen", "seen_ms"),
    )
    id: int | None = Field(default=None, primary_key=True)
    source: str  # "codex", "claude-code"
    scope: str  # '' for the account's main limit, else the provider's id of another one (a per-model limit)
    window_minutes: int  # 300: the 5-hour window, 10080: the weekly one
    observed_ms: int
    seen_ms: int
    used_percent: float
    resets_ms: int | None = None
    plan: str | None = None  # "plus", "pro", … when the log says it
    via: str  # "log", "statusline" or "cache" (Claude Code's cached copy, observed when it was fetched)


class LimitHitRow(SQLModel, table=True):
    """The agent stopped because a plan limit was reached (Codex usage_limit_exceeded, Claude Code's notice)."""

    __tablename__ = "limit_hit"
    __table_args__ = (UniqueConstraint("source", "kind", "ts_ms"), Index("ix_limit_hit_ts", "ts_ms"))
    id: int | None = Field(default=None, primary_key=True)
    source: str
    ts_ms: int
    kind: str  # "usage_limit_exceeded", "rate_limit", "rate_limit_reached"
    window_minutes: int | None = None
    resets_ms: int | None = None
    session_key: str | None = None


class ContextWindowRow(SQLModel, table=True):
    """A chat's context window in tokens as its agent stated it (Codex model_context_window, Claude Code's
    status-line context_window_size); chats without one fall back to their model's (insights.context_windows)."""

    __tablename__ = "context_window"
    __table_args__ = (Index("ix_context_window_model", "model", "seen_ms"),)
    source: str = Field(primary_key=True)
    session_key: str = Field(primary_key=True)
    model: str | None = None
    tokens: int
    seen_ms: int
