"""Each table's columns, in order. Generated from tables.py by `python -m tokenpulse.store.schema`:
do not edit by hand."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "app_state": (
        "key", "value",
    ),
    "chat_session": (
        "id", "source", "session_key", "parent_key", "project", "first_ms", "last_ms", "models",
    ),
    "context_window": (
        "source", "session_key", "model", "tokens", "seen_ms",
    ),
    "git_repo": (
        "id", "git_dir", "label", "tips", "identities_digest", "settings_digest", "config_stamp",
        "horizon_ms", "reader_version", "scanned_ms",
    ),
    "limit_hit": (
        "id", "source", "ts_ms", "kind", "window_minutes", "resets_ms", "session_key",
    ),
    "limit_snapshot": (
        "id", "source", "scope", "window_minutes", "observed_ms", "seen_ms", "used_percent", "resets_ms",
        "plan", "via",
    ),
    "model_price": (
        "model", "day", "rates",
    ),
    "source_file": (
        "id", "source", "path", "device", "inode", "size", "mtime_ns", "offset", "tail_hash", "parser_state",
        "lines_skipped", "missing", "updated_ms",
    ),
    "source_health": (
        "source", "last_change_ms", "last_call_ms", "last_counted_ms", "counted_change_ms", "quiet_since_ms",
        "last_uncounted_ms", "recent_skips", "updated_ms",
    ),
    "usage_local_day": (
        "local_day", "source", "model", "zone", "calls", "input", "cache_write", "cache_read", "output",
        "reasoning", "cost_usd", "unpriced_calls", "input_cost", "cache_write_cost", "cache_read_cost",
        "output_cost",
    ),
    "usage_local_hour": (
        "local_day", "source", "model", "hour", "zone", "calls", "input", "cache_write", "cache_read",
        "output", "reasoning", "cost_usd", "unpriced_calls", "input_cost", "cache_write_cost",
        "cache_read_cost", "output_cost",
    ),
    "waste_quarter": (
        "bucket_ms", "chats", "calls", "waste_tokens", "waste_cost_usd", "read_cost_usd",
        "long_context_read_cost_usd", "long_chat_read_cost_usd",
    ),
    "api_call": (
        "id", "dedupe_key", "source", "session_id", "ts_ms", "model", "input", "cache_write_5m",
        "cache_write_1h", "cache_read", "output", "reasoning", "cost_usd", "message_hash", "is_sidechain",
    ),
    "chat_stats": (
        "session_id", "parent_id", "calls", "first_context", "peak_context", "last_context", "context_tokens",
        "waste_tokens", "waste_cost_usd", "cost_usd", "waste_share", "family_cost_usd",
        "family_waste_cost_usd", "wrote_1h_cache", "recap_allowance", "last_ms",
    ),
    "git_commit": (
        "repo_id", "sha", "author_ms", "lines_added", "lines_removed", "files_changed",
    ),
    "project_repo": (
        "project", "repo_id", "problem", "checked_ms",
    ),
    "reminder_log": (
        "id", "key", "rule", "title", "body", "session_id", "project", "shown_ms", "followed_ms", "action",
    ),
    "usage_chat": (
        "session_id", "first_ms", "last_ms", "calls", "input", "cache_write", "cache_read", "output",
        "cost_usd",
    ),
    "usage_rollup": (
        "session_id", "bucket_ms", "model", "source", "calls", "input", "cache_write", "cache_read", "output",
        "reasoning", "cost_usd", "unpriced_calls", "input_cost", "cache_write_cost", "cache_read_cost",
        "output_cost",
    ),
    "waste_rollup": (
        "session_id", "bucket_ms", "top_level", "calls", "waste_tokens", "waste_cost_usd", "read_cost_usd",
        "long_context_read_cost_usd", "long_chat_read_cost_usd",
    ),
}
