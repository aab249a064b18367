"""The Qt-free composition root: paths, settings, store, sources, pricer and scanner, built once."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from tokenpulse.clock import Clock, SystemClock
from tokenpulse.config import settings as settings_io
from tokenpulse.config.paths import AppPaths
from tokenpulse.config.settings import Settings
from tokenpulse.pricing.pricer import Pricer
from tokenpulse.pricing.rates import Rates
from tokenpulse.sources import registry
from tokenpulse.store.db import connect
from tokenpulse.store.ledger import Ledger
from tokenpulse.store.locks import ScanLock

if TYPE_CHECKING:  # types only: a command that only reads the store (`status --no-scan`) imports no scan code
    from tokenpulse.ingest.limit_inputs import LimitInputs
    from tokenpulse.ingest.scanner import Progress, Scanner
    from tokenpulse.ingest.summary import ScanSummary
    from tokenpulse.presenters.source_health import SourceReport
    from tokenpulse.work.reader import Progress as WorkProgress
    from tokenpulse.work.reader import WorkReader, WorkScan


def effective_env(settings: Settings, env: Mapping[str, str]) -> dict[str, str]:
    """The environment as the sources see it: roots chosen in settings replace the defaults."""
    merged = dict(env)
    by_name = {s.name: s for s in registry.all_sources()}
    for name, roots in settings.source_roots.items():
        if roots and name in by_name:
            merged[by_name[name].env_var] = ",".join(roots)
    return merged


def scan_workers(env: Mapping[str, str]) -> int:
    """Processes that parse a large first import: TOKENPULSE_SCAN_WORKERS, else by core count (ingest/pool.py)."""
    from tokenpulse.ingest.pool import scan_workers as workers_for

    return workers_for(env)


def price_overrides(settings: Settings) -> dict[str, Rates]:
    return {model: Rates.flat(o.input, o.output, o.cache_read, o.cache_write_5m, o.cache_write_1h)
            for model, o in settings.price_overrides.items()}


class Workspace:
    """Everything the CLI and the app share. Not thread-safe: the app gives it to its one ingest worker."""

    def __init__(self, paths: AppPaths, *, env: Mapping[str, str] | None = None, home: Path | None = None,
                 clock: Clock | None = None, sources: Sequence[str] | None = None,
                 settings: Settings | None = None) -> None:
        self.paths = paths
        self.clock = clock or SystemClock()
        self.settings = settings if settings is not None else settings_io.load(paths.settings_file)
        self.env = effective_env(self.settings, os.environ if env is None else env)
        self.home = home
        self.conn = connect(paths.database)
        self.ledger = Ledger(self.conn)
        self.pricer = Pricer(self.ledger, price_overrides(self.settings))
        self.sources = registry.select(sources)
        self.lock = ScanLock(paths.scan_lock)
        self._limit_inputs: LimitInputs | None = None  # plan limits (issue 11), made on first use

    @cached_property
    def scanner(self) -> Scanner:
        """Built on first use: a command that only reads the store (`status` while the app runs) never needs it."""
        from tokenpulse.ingest.scanner import Scanner

        return Scanner(self.ledger, self.sources, self.pricer, self.clock, env=self.env, home=self.home,
                       workers=scan_workers(self.env), forgotten_projects=self.settings.forgotten_projects)

    def scan(self, progress: Progress | None = None, wait: float = float("inf"), *,
             daily_backup: bool = False) -> ScanSummary | None:
        """An incremental scan under the cross-process lock; None if another scanner kept it past `wait`.

        With `daily_backup`, today's backup copy is made afterwards if there is none yet (a problem with it is
        reported in the summary; the scan itself stands).
        """
        if not self.lock.acquire(wait):
            return None
        try:
            self.bring_up_to_date()
            summary = self.scanner.scan(progress)
            self.after_ingest(summary)
            if daily_backup:
                _made, problem = self.backup_if_due()
                if problem:
                    summary.problem(problem)
            return summary
        finally:
            self.lock.release()

    @cached_property
    def work_reader(self) -> WorkReader:
        """The git reader of the user's commits (built on first use; git runs with this process's environment)."""
        from tokenpulse.insights.work_refresh import reader

        return reader(self.settings.git_emails)

    def refresh_work(self, progress: WorkProgress | None = None, wait: float = float("inf")) -> WorkScan | None:
        """Bring the work figures read from git up to date (only what changed is read) under the scan lock;
        the figures, or None if another tokenpulse kept the lock past `wait` (the store's figures then stand)."""
        from tokenpulse.insights.work_refresh import refresh

        if not self.lock.acquire(wait):
            return None
        try:
            return refresh(self.conn, self.work_reader, self.clock.now_ms(), progress)
        finally:
            self.lock.release()

    def scan_paths(self, paths: Iterable[Path]) -> ScanSummary:
        """Read only these changed files (the watcher's), then refresh what depends on them.

        The caller holds the scan lock.
        """
        summary = self.scanner.scan_paths(paths)
        self.after_ingest(summary)
        return summary

    def backup_if_due(self) -> tuple[Path | None, str | None]:
        """Make today's backup if there is none (keeping the newest 7): (the file made, or None; a plain-words
        problem, or None)."""
        from tokenpulse.store.backup import backup_if_due
        from tokenpulse.store.db import StoreError

        try:
            return backup_if_due(self.paths.database, self.paths.backups_dir, self.clock.now_ms()), None
        except StoreError as exc:
            return None, str(exc)

    def bring_up_to_date(self) -> None:
        """Derived tables left stale by an upgrade, a settings change or a writer that stopped half way are
        refreshed. The caller holds the scan lock: only the writer writes, reports only read."""
        from tokenpulse.insights.hooks import bring_up_to_date

        bring_up_to_date(self.conn, self.pricer, self.settings)
        from tokenpulse.ingest.limit_inputs import backfill  # plan limits (issue 11): once, after the upgrade

        backfill(self.conn, self.scanner.discover, self.ledger.cursors)

    def after_ingest(self, summary: ScanSummary) -> None:
        """Keep per-chat waste figures current for the chats a scan touched."""
        from tokenpulse.insights.hooks import after_scan

        after_scan(self.conn, summary.sessions_touched, self.pricer, self.settings, summary.rollups_pending)
        self.take_limit_readings()

    def take_limit_readings(self) -> int:
        """Plan-limit readings waiting outside the logs (the status line's journal, Claude Code's cached usage)."""
        if self._limit_inputs is None:
            from tokenpulse.ingest.limit_inputs import LimitInputs

            self._limit_inputs = LimitInputs(self.paths.data_dir, self.env, self.home or Path.home())
        return self._limit_inputs.take(self.conn, self.settings.limits)

    def source_reports(self, now_ms: int) -> list[SourceReport]:
        """Each chosen source's health (`tokenpulse sources`, Settings › Sources): its folders looked at now (a
        few stat calls each), what the store knows of its files and calls, and whether it went quiet."""
        from tokenpulse.insights.source_health import folder_state, source_facts
        from tokenpulse.presenters.first_run import looked_in
        from tokenpulse.presenters.source_health import build_reports

        home = self.home or Path.home()
        chosen = {s.name for s in self.sources}
        # self.env has the settings' folders merged in; looked_in asks the settings first, so it still tells
        # "chosen in Settings" from a variable
        looked = [item for item in looked_in(self.settings, self.env, home) if item.source in chosen]
        return build_reports(looked, source_facts(self.conn, now_ms), folder_state)

    def close(self) -> None:
        self.conn.close()
