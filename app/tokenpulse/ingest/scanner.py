"""The scan: find each source's log files, read what is new since each cursor, and commit it to the ledger."""

from __future__ import annotations

import errno
import math
import os
import sqlite3
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tokenpulse.clock import SKEW_MS, Clock
from tokenpulse.ingest.health import HealthCollector
from tokenpulse.ingest.linefile import LineRead, read_line_file, read_line_job
from tokenpulse.ingest.summary import ScanSummary
from tokenpulse.pricing.pricer import Pricer
from tokenpulse.sources.base import Parsed, Source, file_kind
from tokenpulse.sources.walk import NotRegularFile, WalkErrors, open_log, resolves_inside
from tokenpulse.store.ledger import Cursor, Ledger, path_key
from tokenpulse.store.tx import FIRST_IMPORT_SECONDS, GROUP_SECONDS
from tokenpulse.usage import ApiCall

if TYPE_CHECKING:
    from concurrent.futures import Executor  # the pool is imported only for a large first import

Progress = Callable[[int, int, str], None]

PARALLEL_MIN_BYTES = 64 * 1024 * 1024  # less new data than this is read faster in-process
MAX_DOCUMENT = 256 * 1024 * 1024  # a whole-document log larger than this is not a chat file: skipped
_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


@dataclass(frozen=True, slots=True)
class Root:
    source: Source
    path: Path


class Scanner:
    """Incremental and idempotent: a second scan of unchanged files reads nothing and changes nothing."""

    def __init__(self, ledger: Ledger, sources: Iterable[Source], pricer: Pricer, clock: Clock,
                 env: Mapping[str, str] | None = None, home: Path | None = None, workers: int = 1,
                 forgotten_projects: Iterable[str] = ()) -> None:
        self.ledger = ledger
        self.forgotten = _Forgotten(forgotten_projects)
        self.workers = workers
        self.parallel_min_bytes = PARALLEL_MIN_BYTES
        self.sources = list(sources)
        self.pricer = pricer
        self.clock = clock
        env = os.environ if env is None else env
        home = Path.home() if home is None else home
        self.roots = [Root(s, r) for s in self.sources for r in s.roots(env, home)]
        self.health = HealthCollector(ledger.conn, clock)  # source health: one call per file, one write per group

    def discover(self, summary: ScanSummary | None = None) -> list[tuple[Source, Path]]:
        errors = WalkErrors()
        found: list[tuple[Source, Path]] = []
        seen: set[str] = set()
        for root in self.roots:
            folder = str(root.path).rstrip(os.sep) + os.sep
            real_folder = os.path.realpath(folder).rstrip(os.sep) + os.sep  # once per root, not once per file
            for path in root.source.iter_files(root.path, errors):
                text = str(path)
                if text in errors.links or not text.startswith(folder):
                    real = os.path.realpath(text)
                else:  # walks never enter a linked folder: below the root, only the root itself may be a link
                    real = real_folder + text[len(folder):]
                if real in seen:  # the same file reached through two roots (a symlinked config dir)
                    continue
                seen.add(real)
                found.append((root.source, path))
        if summary is not None:
            for message in errors.unreadable:
                summary.skipped["unreadable folder"] += 1
                summary.problem(f"cannot list folder {message}")
        return found

    def scan(self, progress: Progress | None = None) -> ScanSummary:
        """Read every source root once; files that disappeared keep their calls."""
        summary = ScanSummary()
        files = self.discover(summary)
        cursors = self.ledger.cursors()
        names = {s.name for s in self.sources}
        present = {path_key(p) for _, p in files}
        gone = [c.path for c in cursors.values() if c.source in names and not c.missing and c.path not in present]
        if gone:
            self.ledger.mark_missing(gone)
            summary.files_missing = len(gone)
        if progress is not None:
            progress(0, len(files), "")  # the count is known before the first file is read
        line_files = [(s, p) for s, p in files if file_kind(s, p) == "lines"]
        pool = self._pool_for(line_files, cursors)
        self.health.start(summary)
        first_import = self.ledger.start_import()
        try:
            self._read_all(files, line_files, cursors, pool, first_import, summary, progress)
        finally:
            self.ledger.end_import()
        return summary

    def _read_all(self, files: list[tuple[Source, Path]], line_files: list[tuple[Source, Path]],
                  cursors: dict[str, Cursor], pool: Executor | None, first_import: bool, summary: ScanSummary,
                  progress: Progress | None) -> None:
        """Read and commit every file: in groups of a moment (store.tx.WriteGroup), or a first import as one
        transaction whose deferred call indexes are built at its end."""
        total = len(files)
        done = 0
        seconds = FIRST_IMPORT_SECONDS if first_import else GROUP_SECONDS
        with self.ledger.write_group(seconds, before_commit=self.health.flush) as group:  # files commit together
            one_transaction = seconds == math.inf
            if one_transaction:
                group.step()  # opens it
                self.ledger.defer_call_indexes()
            if pool is not None:
                # Parsing runs in worker processes; this process stays the one writer and commits in order.
                with pool:
                    jobs = [(s, p, cursors.get(path_key(p))) for s, p in line_files]
                    for (source, path, _), read in zip(jobs, pool.map(read_line_job, jobs)):
                        group.step()
                        self._commit_lines(read, summary)
                        self.health.file_done(source.name, path, summary)
                        done += 1
                        if progress is not None:
                            progress(done, total, read.path)
                taken = {path_key(p) for _, p in line_files}
                files = [(s, p) for s, p in files if path_key(p) not in taken]
            for source, path in files:
                group.step()
                self.scan_file(source, path, cursors.get(path_key(path)), summary)
                self.health.file_done(source.name, path, summary)
                done += 1
                if progress is not None:
                    progress(done, total, str(path))
            if one_transaction:
                self.ledger.build_deferred_indexes()

    def _pool_for(self, line_files: list[tuple[Source, Path]], cursors: dict[str, Cursor]) -> Executor | None:
        """A process pool when there is enough new data to repay starting one (a first import)."""
        if self.workers < 2:
            return None
        pending = 0
        for _, path in line_files:
            cursor = cursors.get(path_key(path))
            try:
                size = os.stat(path).st_size
            except OSError:
                continue
            pending += size - (cursor.offset if cursor is not None and cursor.offset <= size else 0)
            if pending >= self.parallel_min_bytes:
                from tokenpulse.ingest.pool import start_pool

                return start_pool(self.workers)
        return None

    def scan_paths(self, paths: Iterable[Path]) -> ScanSummary:
        """Read only the given files (the watcher's changed paths); unknown paths are ignored."""
        summary = ScanSummary()
        cursors = self.ledger.cursors()
        self.health.start(summary)
        with self.ledger.write_group(before_commit=self.health.flush) as group:
            for path in paths:
                source = self.owner(path)
                if source is None:
                    continue
                group.step()
                if not path.exists():
                    known = cursors.get(path_key(path))
                    if known is not None and not known.missing:
                        self.ledger.mark_missing([path_key(path)])
                        summary.files_missing += 1
                    continue
                self.scan_file(source, path, cursors.get(path_key(path)), summary)
                self.health.file_done(source.name, path, summary)
        return summary

    def owner(self, path: Path) -> Source | None:
        """The source whose root holds `path` and that reads such files; None for anything else.

        Paths from the watcher did not come through `walk_files`: one that lies inside a root by name but is (or
        passes through) a symlink leading out of it is refused, as the walk refuses it.
        """
        for root in self.roots:
            try:
                path.relative_to(root.path)
            except ValueError:
                continue
            if root.source.owns(path) and resolves_inside(path, root.path):
                return root.source
        return None

    def scan_file(self, source: Source, path: Path, cursor: Cursor | None, summary: ScanSummary) -> None:
        kind = file_kind(source, path)
        if kind == "database":
            self._scan_database(source, path, cursor, summary)
            return
        if kind == "lines":
            self._commit_lines(read_line_file(source, path, cursor), summary)
            return
        summary.files_seen += 1
        try:
            fd = open_log(path)
        except FileNotFoundError:
            summary.skipped["file vanished before it was read"] += 1
            return
        except NotRegularFile:
            summary.skipped[NotRegularFile.reason] += 1
            summary.problem(f"skipped {path}: {NotRegularFile.reason}")
            return
        except OSError as exc:
            summary.skipped["unreadable file"] += 1
            summary.problem(f"cannot read {path}: {exc.strerror or exc}")
            return
        try:
            self._read_document(source, path, fd, cursor, summary)
        except OSError as exc:
            summary.skipped["read error"] += 1
            summary.problem(f"error reading {path}: {exc.strerror or exc}")
        finally:
            os.close(fd)

    def _commit_lines(self, read: LineRead, summary: ScanSummary) -> None:
        summary.files_seen += 1
        summary.skipped.update(read.skipped)
        if read.problem:
            summary.problem(read.problem)
        if read.cursor is None:
            if not read.skipped:
                summary.files_unchanged += 1
            return
        if read.reread:
            summary.files_reread += 1
        calls = self.forgotten.drop(read.calls, summary)
        self.pricer.price(calls)
        now_ms = self.clock.now_ms()
        summary.calls_future += sum(1 for c in calls if c.ts_ms > now_ms + SKEW_MS)
        result = self.ledger.commit_file(read.cursor, calls, now_ms, limits=read.limits)
        summary.files_read += 1
        summary.bytes_read += read.bytes_read
        summary.usage_records += read.usage_records
        summary.calls_new += result.new
        summary.calls_updated += result.updated
        summary.replays_dropped += result.replays_dropped
        summary.duplicates += len(calls) - result.new - result.updated - result.replays_dropped
        summary.duplicates += read.duplicates
        summary.sessions_touched.update(result.sessions)
        summary.rollups_pending += result.pending

    # -----------------------------------------------------------------------------------------
    # Whole documents and databases (sources with `file_kind`); the line reader above is untouched.
    # -----------------------------------------------------------------------------------------

    def _read_document(self, source: Source, path: Path, fd: int, cursor: Cursor | None,
                       summary: ScanSummary) -> None:
        """Re-parse a whole document whenever it changed: its keys are stable, so unchanged calls stay put."""
        st = os.fstat(fd)
        if _unchanged(cursor, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns):
            summary.files_unchanged += 1
            return
        if st.st_size > MAX_DOCUMENT:
            summary.skipped["document larger than 256 MiB"] += 1
            summary.problem(f"skipped {path}: {st.st_size / 2**20:,.0f} MiB is too large for a chat document")
            return
        chunks = []
        offset = 0
        while offset < st.st_size:  # the agent may be rewriting it: a torn read parses as malformed, retried
            chunk = os.pread(fd, st.st_size - offset, offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
        parsed = source.read_document(path, b"".join(chunks))  # type: ignore[attr-defined]
        new_cursor = Cursor(source=source.name, path=path_key(path), device=st.st_dev, inode=st.st_ino,
                            size=st.st_size, mtime_ns=st.st_mtime_ns, offset=offset,
                            lines_skipped=sum(parsed.skipped.values()))
        self._commit_parsed(new_cursor, parsed, offset, summary)

    def _scan_database(self, source: Source, path: Path, cursor: Cursor | None, summary: ScanSummary) -> None:
        """Query an agent's SQLite database for what changed since its saved state (read-only, never locking)."""
        summary.files_seen += 1
        main = _sqlite_main(path)
        if main != path:  # the watcher saw the write-ahead log change: the cursor belongs to the database
            cursor = self.ledger.cursors().get(path_key(main))
        try:
            dev, ino, size, mtime_ns = _database_signature(main)
        except FileNotFoundError:
            summary.skipped["file vanished before it was read"] += 1
            return
        except NotRegularFile:  # SQLite would block opening a FIFO
            summary.skipped[NotRegularFile.reason] += 1
            summary.problem(f"skipped {main}: {NotRegularFile.reason}")
            return
        except OSError as exc:
            summary.skipped["unreadable file"] += 1
            summary.problem(f"cannot read {main}: {exc.strerror or exc}")
            return
        if _unchanged(cursor, dev, ino, size, mtime_ns):
            summary.files_unchanged += 1
            return
        same_file = cursor is not None and cursor.device == dev and cursor.inode == ino
        state = cursor.parser_state if same_file and cursor is not None else None
        try:
            parsed, new_state = source.read_database(main, state)  # type: ignore[attr-defined]
        except (sqlite3.Error, OSError) as exc:  # busy, locked or not the agent's schema: try again next scan
            summary.skipped["unreadable database"] += 1
            summary.problem(f"cannot read database {main}: {exc}")
            return
        new_cursor = Cursor(source=source.name, path=path_key(main), device=dev, inode=ino, size=size,
                            mtime_ns=mtime_ns, parser_state=new_state or None,
                            lines_skipped=(cursor.lines_skipped if same_file and cursor else 0)
                            + sum(parsed.skipped.values()))
        self._commit_parsed(new_cursor, parsed, 0, summary)

    def _commit_parsed(self, cursor: Cursor, parsed: Parsed, bytes_read: int, summary: ScanSummary) -> None:
        calls = self.forgotten.drop(parsed.calls, summary)
        self.pricer.price(calls)
        now_ms = self.clock.now_ms()
        summary.calls_future += sum(1 for c in calls if c.ts_ms > now_ms + SKEW_MS)
        result = self.ledger.commit_file(cursor, calls, now_ms)
        summary.files_read += 1
        summary.bytes_read += bytes_read
        summary.usage_records += parsed.usage_records
        summary.calls_new += result.new
        summary.calls_updated += result.updated
        summary.replays_dropped += result.replays_dropped
        # a re-parsed document repeats its old calls: those are not duplicates, so they are not counted as such
        summary.skipped.update(parsed.skipped)
        summary.sessions_touched.update(result.sessions)
        summary.rollups_pending += result.pending


class _Forgotten:
    """Project folders the user asked to forget: their calls (sub-folders included) are never stored again."""

    def __init__(self, folders: Iterable[str]) -> None:
        self._exact = {f.rstrip("/") or "/" for f in folders}
        self._prefixes = tuple(f if f.endswith("/") else f + "/" for f in self._exact)

    def drop(self, calls: list[ApiCall], summary: ScanSummary) -> list[ApiCall]:
        if not self._exact:
            return calls
        kept = [c for c in calls
                if not (c.project and (c.project in self._exact or c.project.startswith(self._prefixes)))]
        summary.calls_forgotten += len(calls) - len(kept)
        return kept


def _unchanged(cursor: Cursor | None, dev: int, ino: int, size: int, mtime_ns: int) -> bool:
    return (cursor is not None and not cursor.missing and cursor.device == dev and cursor.inode == ino
            and cursor.size == size and cursor.mtime_ns == mtime_ns)


def _sqlite_main(path: Path) -> Path:
    """The database a write-ahead log, shared-memory or journal file belongs to."""
    for suffix in _SQLITE_SIDECARS:
        if path.name.endswith(suffix):
            return path.with_name(path.name[: -len(suffix)])
    return path


def _database_signature(main: Path) -> tuple[int, int, int, int]:
    """(device, inode, size, mtime) covering the database and its write-ahead log.

    In WAL mode new rows land in `<db>-wal` and the database file itself changes only at a checkpoint.
    """
    st = os.stat(main)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularFile(errno.EINVAL, NotRegularFile.reason, str(main))
    size, mtime_ns = st.st_size, st.st_mtime_ns
    for sidecar in ("-wal", "-shm"):  # SQLite opens them too
        try:
            side = os.stat(f"{main}{sidecar}")
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(side.st_mode):
            raise NotRegularFile(errno.EINVAL, NotRegularFile.reason, f"{main}{sidecar}")
        if sidecar == "-wal":
            size += side.st_size
            mtime_ns = max(mtime_ns, side.st_mtime_ns)
    return st.st_dev, st.st_ino, size, mtime_ns
