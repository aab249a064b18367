"""The write side of the store: calls, their sessions and the file cursor, committed together."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tokenpulse.quota import LimitRecords
from tokenpulse.store.columns import COLUMNS
from tokenpulse.store.limits import write_records
from tokenpulse.store.rollups import PENDING_UP
from tokenpulse.store.tx import GROUP_SECONDS, WriteGroup, write_tx
from tokenpulse.usage import ApiCall

_CALL_COLUMNS = COLUMNS["api_call"][1:]  # all but the row id, in the order the rows below are built
_UPSERT_CALL = f"""
INSERT INTO api_call ({", ".join(_CALL_COLUMNS)})
VALUES ({", ".join("?" * len(_CALL_COLUMNS))})
ON CONFLICT (dedupe_key) DO UPDATE SET
    ts_ms = excluded.ts_ms, model = excluded.model, input = excluded.input, cache_write_5m = excluded.cache_write_5m,
    cache_write_1h = excluded.cache_write_1h, cache_read = excluded.cache_read, output = excluded.output,
    reasoning = excluded.reasoning, cost_usd = excluded.cost_usd
WHERE (excluded.output, excluded.input + excluded.cache_write_5m + excluded.cache_write_1h + excluded.cache_read)
    > (api_call.output, api_call.input + api_call.cache_write_5m + api_call.cache_write_1h + api_call.cache_read)
"""

# read by nothing during an import, so built once after it (the message-hash index is read by the sidechain-replay
# rule, unless the import answers it from memory)
_DEFERRED_INDEXES = ("ix_api_call_session_ts", "ix_api_call_ts")
_MESSAGE_HASH_INDEX = "ix_api_call_message_hash"
IMPORT_CACHE_KIB = -32768  # PRAGMA cache_size during a first import: 32 MiB at most (pages are taken as needed)

_UPSERT_SESSION = """
INSERT INTO chat_session (source, session_key, parent_key, project, first_ms, last_ms, models)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (source, session_key) DO UPDATE SET
    parent_key = coalesce(chat_session.parent_key, excluded.parent_key),
    project = coalesce(chat_session.project, excluded.project),
    first_ms = min(chat_session.first_ms, excluded.first_ms),
    last_ms = max(chat_session.last_ms, excluded.last_ms)
RETURNING id, models
"""

_FILE_COLUMNS = COLUMNS["source_file"][1:]
_UPSERT_FILE = f"""
INSERT INTO source_file ({", ".join(_FILE_COLUMNS)})
VALUES ({", ".join("?" * len(_FILE_COLUMNS))})
ON CONFLICT (path) DO UPDATE SET
    {", ".join(f"{c} = excluded.{c}" for c in _FILE_COLUMNS if c != "path")}
"""


def store_text(text: str) -> str:
    """`text` as SQLite can store it: file names that are not UTF-8 reach Python as lone surrogates, which
    sqlite3 refuses to encode; their bytes are kept as backslash escapes instead (stable, so lookups match)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    return text


def path_key(path: object) -> str:
    """The key a file's cursor is stored and looked up under."""
    return store_text(str(path))


def _opt_text(text: str | None) -> str | None:
    return None if text is None else store_text(text)


@dataclass(slots=True)
class Cursor:
    """Where reading of one file stopped, and what the file looked like then."""

    source: str
    path: str
    device: int = 0
    inode: int = 0
    size: int = 0
    mtime_ns: int = 0
    offset: int = 0
    tail_hash: bytes | None = None
    parser_state: dict[str, Any] | None = None
    lines_skipped: int = 0
    missing: bool = False


@dataclass(slots=True)
class WriteResult:
    new: int = 0
    updated: int = 0
    replays_dropped: int = 0
    pending: int = 0  # 1 when calls were written: their rollups wait for a refresh
    sessions: set[int] = field(default_factory=set)


def _winner(a: ApiCall, b: ApiCall) -> ApiCall:
    """Of two records of one call, the one with the larger output (ties: the larger input side)."""
    return b if (b.output, b.context) > (a.output, a.context) else a


class Ledger:
    """Owns every write to the store. One Ledger per writer thread or process."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._has_sidechains: bool | None = None
        self._model_text: dict[str, str] = {}  # model names as stored (almost always the same string)
        # During a first import (the store held no call when it began): what it stored, so that which calls are
        # new and which are sidechain replays is known without asking the store. None otherwise.
        self._stored: _ImportIndex | None = None
        self._deferred: list[str] = []  # CREATE INDEX statements of the indexes a first import builds at its end
        self._cache_size: int | None = None  # the connection's page cache size before a first import

    def cursors(self) -> dict[str, Cursor]:
        rows = self.conn.execute(
            "SELECT source, path, device, inode, size, mtime_ns, offset, tail_hash, parser_state, lines_skipped,"
            " missing FROM source_file")
        return {r[1]: Cursor(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                             json.loads(r[8]) if r[8] else None, r[9], bool(r[10])) for r in rows}

    def commit_file(self, cursor: Cursor, calls: Iterable[ApiCall], now_ms: int,
                    limits: LimitRecords | None = None) -> WriteResult:
        """Store a file's new calls (and plan-limit records, issue 11) and advance its cursor in one transaction."""
        merged: dict[bytes, ApiCall] = {}
        for call in calls:
            seen = merged.get(call.dedupe_key)
            merged[call.dedupe_key] = call if seen is None else _winner(seen, call)
        result = WriteResult()
        conn = self.conn
        models = self._model_text
        with write_tx(conn):
            batch = self._drop_sidechain_replays(list(merged.values()), result)
            if batch:
                session_ids = self._upsert_sessions(batch)
                result.sessions.update(session_ids.values())
                stored = self._stored
                if stored is None:
                    existing = len(self._existing_keys([c.dedupe_key for c in batch]))
                else:  # a first import: the calls stored are the ones it stored
                    existing = stored.add(batch)
                before = conn.total_changes
                conn.executemany(_UPSERT_CALL, [
                    (c.dedupe_key, c.source, session_ids[c.session_key], c.ts_ms,
                     models.get(c.model) or models.setdefault(c.model, store_text(c.model)), c.input,
                     c.cache_write_5m, c.cache_write_1h, c.cache_read, c.output, c.reasoning, c.cost_usd,
                     c.message_hash, int(c.is_sidechain)) for c in batch])
                result.new = len(batch) - existing
                result.updated = conn.total_changes - before - result.new
                conn.execute(PENDING_UP)
                result.pending = 1
            if limits:
                write_records(conn, limits)
            conn.execute(_UPSERT_FILE, (
                cursor.source, path_key(cursor.path), cursor.device, cursor.inode, cursor.size, cursor.mtime_ns,
                cursor.offset, cursor.tail_hash,
                json.dumps(cursor.parser_state) if cursor.parser_state else None, cursor.lines_skipped, 0, now_ms))
        return result

    def start_import(self) -> bool:
        """At the start of a scan: True when the store holds no call yet (a first import). Until `end_import`, the
        keys this scan stores are then kept in memory, which answers "is this call new?" without a query.

        Only valid while this connection is the one writer of calls, as during a scan (the scan lock).
        """
        empty = self.conn.execute("SELECT EXISTS (SELECT 1 FROM api_call)").fetchone()[0] == 0
        self._stored = _ImportIndex() if empty else None
        if empty:
            # the import's indexes grow by random keys: a page cache that holds them (the whole store of a large
            # history is a few tens of MB) spares rereading their pages from the file (a fifth of the inserts'
            # time at 1.5 GB of logs); given back when the import ends
            self._cache_size = self.conn.execute("PRAGMA cache_size").fetchone()[0]
            self.conn.execute(f"PRAGMA cache_size = {IMPORT_CACHE_KIB}")
        return empty

    def end_import(self) -> None:
        if self._stored is not None and self._cache_size is not None:
            self.conn.execute(f"PRAGMA cache_size = {int(self._cache_size)}")
        self._stored = None
        self._cache_size = None
        self._deferred = []

    def defer_call_indexes(self) -> None:
        """Inside a first import's one transaction: drop the call indexes the import itself does not read, to build
        them once at the end (`build_deferred_indexes`), faster than row by row. Being in that transaction, a crash
        or an error rolls the drop back with everything else: a store never stays without them."""
        conn = self.conn
        assert conn.in_transaction, "indexes are deferred only inside the import's transaction"
        # the message-hash index serves the sidechain-replay rule, which a first import answers from memory
        names = _DEFERRED_INDEXES + (_MESSAGE_HASH_INDEX,) * (self._stored is not None)
        marks = ",".join("?" * len(names))
        self._deferred = [sql for (sql,) in conn.execute(
            f"SELECT sql FROM sqlite_master WHERE type = 'index' AND name IN ({marks}) ORDER BY name", names)]
        for name in names:
            conn.execute(f"DROP INDEX IF EXISTS {name}")

    def build_deferred_indexes(self) -> None:
        """The indexes `defer_call_indexes` dropped, created again from their own definitions (same transaction)."""
        assert not self._deferred or self.conn.in_transaction
        for sql in self._deferred:
            self.conn.execute(sql)
        self._deferred = []

    def write_group(self, seconds: float = GROUP_SECONDS,
                    before_commit: Callable[[], None] | None = None) -> WriteGroup:
        """Commit the files written inside it together, once per `seconds` (store.tx.WriteGroup); `before_commit`
        writes what was summed over a group's files in the group's transaction."""
        return WriteGroup(self.conn, seconds, before_commit)

    def mark_missing(self, paths: Iterable[str]) -> None:
        """Files the agent deleted: their cursors are kept (flagged) and their calls stay counted."""
        with write_tx(self.conn):
            self.conn.executemany("UPDATE source_file SET missing = 1 WHERE path = ?", [(path_key(p),) for p in paths])

    def cached_rates(self, model: str, day: str) -> tuple[bool, str | None]:
        row = self.conn.execute("SELECT rates FROM model_price WHERE model = ? AND day = ?", (model, day)).fetchone()
        return (row is not None, row[0] if row else None)

    def save_rates(self, model: str, day: str, rates: str | None) -> None:
        with write_tx(self.conn):
            self.conn.execute("INSERT OR REPLACE INTO model_price (model, day, rates) VALUES (?, ?, ?)",
                              (model, day, rates))

    def _existing_keys(self, keys: list[bytes]) -> set[bytes]:
        found: set[bytes] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self.conn.execute(
                f"SELECT dedupe_key FROM api_call WHERE dedupe_key IN ({marks})", chunk))
        return found

    def _upsert_sessions(self, batch: list[ApiCall]) -> dict[str, int]:
        spans: dict[str, list[Any]] = {}
        for c in batch:
            span = spans.get(c.session_key)
            if span is None:
                spans[c.session_key] = [c, c.ts_ms, c.ts_ms, [c.model]]
            else:
                span[1] = min(span[1], c.ts_ms)
                span[2] = max(span[2], c.ts_ms)
                if c.model not in span[3]:
                    span[3].append(c.model)
        ids: dict[str, int] = {}
        for key, (first, lo, hi, models) in spans.items():
            # a new chat takes its models at once; a known one keeps its list (not updated by the upsert) and
            # has the new ones appended below
            row = self.conn.execute(_UPSERT_SESSION, (first.source, store_text(key),
                                                      _opt_text(first.parent_session_key), _opt_text(first.project),
                                                      lo, hi, ",".join(sorted(models)))).fetchone()
            ids[key] = row[0]
            known = row[1].split(",") if row[1] else []
            added = [m for m in sorted(models) if m not in known]
            if added:
                self.conn.execute("UPDATE chat_session SET models = ? WHERE id = ?", (",".join(known + added), row[0]))
        return ids

    def _drop_sidechain_replays(self, batch: list[ApiCall], result: WriteResult) -> list[ApiCall]:
        """A sidechain copy of a main-chat message under another request id is a replay, not a call.

        Dropped: a sidechain call whose message is, under another key, a main-chat call of this batch or of the
        store. Deleted: stored sidechain calls whose message is a main-chat call of this batch under another key.
        The store is asked once per 500 messages, not once per call.
        """
        main = {c.message_hash: c.dedupe_key for c in batch if not c.is_sidechain and c.message_hash is not None}
        sidechain_hashes = {c.message_hash for c in batch if c.is_sidechain and c.message_hash is not None}
        stored_main = self._stored_by_hash(sidechain_hashes, 0) if sidechain_hashes else {}
        kept = []
        for c in batch:
            if c.is_sidechain and c.message_hash is not None:
                in_batch = main.get(c.message_hash)
                if (in_batch is not None and in_batch != c.dedupe_key) or any(
                        key != c.dedupe_key for key in stored_main.get(c.message_hash, ())):
                    result.replays_dropped += 1
                    continue
                self._has_sidechains = True
            kept.append(c)
        if main and self._sidechains_stored():
            replays = [key for h, keys in self._stored_by_hash(main, 1).items() for key in keys if key != main[h]]
            for start in range(0, len(replays), 500):
                chunk = replays[start:start + 500]
                self.conn.execute(f"DELETE FROM api_call WHERE dedupe_key IN ({','.join('?' * len(chunk))})", chunk)
            result.replays_dropped += len(replays)
            if self._stored is not None:
                self._stored.deleted(replays)
        return kept

    def _stored_by_hash(self, hashes: Iterable[int], sidechain: int) -> dict[int, list[bytes]]:
        """The dedupe keys of the stored calls with these message hashes (sidechain ones or main-chat ones)."""
        if self._stored is not None:
            return self._stored.by_hash(hashes, sidechain)
        found: dict[int, list[bytes]] = {}
        wanted = list(hashes)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for h, key in self.conn.execute(
                    f"SELECT message_hash, dedupe_key FROM api_call WHERE message_hash IN ({marks})"
                    f" AND is_sidechain = {sidechain}", chunk):
                found.setdefault(h, []).append(key)
        return found

    def _sidechains_stored(self) -> bool:
        if self._has_sidechains is None:
            self._has_sidechains = self.conn.execute(
                "SELECT EXISTS (SELECT 1 FROM api_call WHERE is_sidechain = 1)").fetchone()[0] == 1
        return self._has_sidechains


class _ImportIndex:
    """The calls a first import stored, as far as the write path asks about them: each dedupe key, and the keys of
    main-chat and of sidechain calls by message hash. Exact because it sees every write: an insert (`add`) and
    the only delete, of sidechain replays (`deleted`); an update never changes a key, a hash or the sidechain flag.
    """

    __slots__ = ("_keys", "_main", "_sidechain")

    def __init__(self) -> None:
        self._keys: dict[bytes, int | None] = {}  # dedupe key → message hash of a sidechain call, else None
        self._main: dict[int, list[bytes]] = {}
        self._sidechain: dict[int, list[bytes]] = {}

    def add(self, batch: list[ApiCall]) -> int:
        """Note a batch about to be upserted (distinct keys); how many of its keys were stored already."""
        keys = self._keys
        existing = 0
        for c in batch:
            key = c.dedupe_key
            if key in keys:
                existing += 1
                continue
            h = c.message_hash
            keys[key] = h if c.is_sidechain else None
            if h is not None:
                (self._sidechain if c.is_sidechain else self._main).setdefault(h, []).append(key)
        return existing

    def deleted(self, keys: list[bytes]) -> None:
        """Sidechain calls deleted as replays."""
        for key in keys:
            h = self._keys.pop(key)
            if h is not None:
                self._sidechain[h].remove(key)

    def by_hash(self, hashes: Iterable[int], sidechain: int) -> dict[int, list[bytes]]:
        table = self._sidechain if sidechain else self._main
        return {h: list(table[h]) for h in hashes if table.get(h)}
