"""The scan: find each source's log files, read what is new since each cursor, and commit it to the ledger."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tokenpulse.clock import Clock
from tokenpulse.ingest.summary import ScanSummary
from tokenpulse.ingest.tailer import LineReader, still_same_file, tail_hash_at
from tokenpulse.pricing.pricer import Pricer
from tokenpulse.sources.base import Source
from tokenpulse.sources.walk import WalkErrors
from tokenpulse.store.ledger import Cursor, Ledger

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class Root:
    source: Source
    path: Path


class Scanner:
    """Incremental and idempotent: a second scan of unchanged files reads nothing and changes nothing."""

    def __init__(self, ledger: Ledger, sources: Iterable[Source], pricer: Pricer, clock: Clock,
                 env: Mapping[str, str] | None = None, home: Path | None = None) -> None:
        self.ledger = ledger
        self.sources = list(sources)
        self.pricer = pricer
        self.clock = clock
        env = os.environ if env is None else env
        home = Path.home() if home is None else home
        self.roots = [Root(s, r) for s in self.sources for r in s.roots(env, home)]

    def discover(self, summary: ScanSummary | None = None) -> list[tuple[Source, Path]]:
        errors = WalkErrors()
        found: list[tuple[Source, Path]] = []
        seen: set[str] = set()
        for root in self.roots:
            for path in root.source.iter_files(root.path, errors):
                real = os.path.realpath(path)
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
        present = {str(p) for _, p in files}
        gone = [c.path for c in cursors.values() if c.source in names and not c.missing and c.path not in present]
        if gone:
            self.ledger.mark_missing(gone)
            summary.files_missing = len(gone)
        total = len(files)
        for done, (source, path) in enumerate(files, 1):
            self.scan_file(source, path, cursors.get(str(path)), summary)
            if progress is not None:
                progress(done, total, str(path))
        return summary

    def scan_paths(self, paths: Iterable[Path]) -> ScanSummary:
        """Read only the given files (the watcher's changed paths); unknown paths are ignored."""
        summary = ScanSummary()
        cursors = self.ledger.cursors()
        for path in paths:
            source = self.owner(path)
            if source is None:
                continue
            if not path.exists():
                known = cursors.get(str(path))
                if known is not None and not known.missing:
                    self.ledger.mark_missing([str(path)])
                    summary.files_missing += 1
                continue
            self.scan_file(source, path, cursors.get(str(path)), summary)
        return summary

    def owner(self, path: Path) -> Source | None:
        for root in self.roots:
            try:
                path.relative_to(root.path)
            except ValueError:
                continue
            if root.source.owns(path):
                return root.source
        return None

    def scan_file(self, source: Source, path: Path, cursor: Cursor | None, summary: ScanSummary) -> None:
        summary.files_seen += 1
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            summary.skipped["file vanished before it was read"] += 1
            return
        except OSError as exc:
            summary.skipped["unreadable file"] += 1
            summary.problem(f"cannot read {path}: {exc.strerror or exc}")
            return
        try:
            self._read(source, path, fd, cursor, summary)
        except OSError as exc:
            summary.skipped["read error"] += 1
            summary.problem(f"error reading {path}: {exc.strerror or exc}")
        finally:
            os.close(fd)

    def _read(self, source: Source, path: Path, fd: int, cursor: Cursor | None, summary: ScanSummary) -> None:
        st = os.fstat(fd)
        if (cursor is not None and not cursor.missing and cursor.device == st.st_dev and cursor.inode == st.st_ino
                and cursor.size == st.st_size and cursor.mtime_ns == st.st_mtime_ns):
            summary.files_unchanged += 1
            return
        resume = (cursor is not None and cursor.device == st.st_dev and cursor.inode == st.st_ino
                  and cursor.offset <= st.st_size and still_same_file(fd, cursor.offset, cursor.tail_hash))
        if cursor is not None and not resume:
            summary.files_reread += 1  # keys are stable, so re-reading from the start cannot double count
        start = cursor.offset if resume and cursor is not None else 0
        parser = source.parser(path, cursor.parser_state if resume and cursor is not None else None)
        reader = LineReader(fd, start)
        feed = parser.feed
        calls = [call for line in reader if (call := feed(line)) is not None]
        if reader.oversize_lines:
            parser.skipped["line longer than 64 MiB"] += reader.oversize_lines
        pricer = self.pricer
        for call in calls:
            call.cost_usd = pricer.cost(call)
        skipped = sum(parser.skipped.values())
        new_cursor = Cursor(source=source.name, path=str(path), device=st.st_dev, inode=st.st_ino,
                            size=st.st_size, mtime_ns=st.st_mtime_ns, offset=reader.offset,
                            tail_hash=tail_hash_at(fd, reader.offset), parser_state=parser.state() or None,
                            lines_skipped=(cursor.lines_skipped if resume and cursor else 0) + skipped)
        result = self.ledger.commit_file(new_cursor, calls, self.clock.now_ms())
        summary.files_read += 1
        summary.bytes_read += reader.offset - start
        summary.usage_records += parser.usage_records
        summary.calls_new += result.new
        summary.calls_updated += result.updated
        summary.replays_dropped += result.replays_dropped
        summary.duplicates += len(calls) - result.new - result.updated - result.replays_dropped
        summary.duplicates += getattr(parser, "duplicates", 0)
        summary.skipped.update(parser.skipped)
        summary.sessions_touched.update(result.sessions)
