"""The work read from git, kept between runs: each repository's reader state (git_repo), the user's commits in
it (git_commit) and which repository each project folder lies in (project_repo).

`load` gives back a `WorkScan` as the reader made it, so a report can show the figures without running git
and the next refresh reads only what changed. Writing is split so that the app's worker can write a large
first read in slices between recording calls: `save_repo` writes one repository (its state and the difference
in its commits, in one transaction), `save_folders` the folders' repositories and the removal of repositories
no folder lies in any more. `save` does both at once (the CLI). Nothing here holds text from a repository: a
commit is an id, a time and three counts; the tips are commit ids; the addresses are digests.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping

from tokenpulse.store.tx import write_tx
from tokenpulse.work.figures import CommitFigures, RepoState, WorkSum
from tokenpulse.work.reader import WorkScan

_INSERT_COMMIT = ("INSERT OR REPLACE INTO git_commit (repo_id, sha, author_ms, lines_added, lines_removed,"
                  " files_changed) VALUES (?, ?, ?, ?, ?, ?)")


def has_tables(conn: sqlite3.Connection) -> bool:
    """Whether the store has the work tables (a backup from before 0006 does not)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'git_repo'").fetchone() \
        is not None


class StoredCommits(Mapping[str, CommitFigures]):
    """A repository's commits as stored, read on first use: a refresh that finds the repository unchanged never
    reads them (most refreshes). Reads through the connection it was made with, so use it while that is open."""

    __slots__ = ("_conn", "_lock", "_repo_id", "_rows")

    def __init__(self, conn: sqlite3.Connection, repo_id: int, lock: threading.Lock) -> None:
        self._conn, self._repo_id = conn, repo_id
        self._rows: dict[str, CommitFigures] | None = None
        self._lock = lock  # shared by one load's mappings: the reader's threads use the one connection in turn

    def _all(self) -> dict[str, CommitFigures]:
        with self._lock:
            if self._rows is None:
                self._rows = _commits(self._conn, self._repo_id)
            return self._rows

    def __getitem__(self, sha: str) -> CommitFigures:
        return self._all()[sha]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def _commits(conn: sqlite3.Connection, repo_id: int) -> dict[str, CommitFigures]:
    out = {}
    for sha, when, added, removed, files in conn.execute(
            "SELECT sha, author_ms, lines_added, lines_removed, files_changed FROM git_commit WHERE repo_id = ?",
            (repo_id,)):
        hexsha = bytes(sha).hex()
        out[hexsha] = CommitFigures(hexsha, when, added, removed, files)
    return out


def load(conn: sqlite3.Connection, *, lazy: bool = True) -> WorkScan:
    """The figures and states as last saved: folders never checked are absent from `repo_of`. With `lazy`,
    each repository's commits are read when first used (see StoredCommits); else all of them now."""
    scan = WorkScan()
    key_of: dict[int, str] = {}
    lock = threading.Lock()
    for rid, git_dir, label, tips, ident, settings, stamp, horizon, version in conn.execute(
            "SELECT id, git_dir, label, tips, identities_digest, settings_digest, config_stamp, horizon_ms,"
            " reader_version FROM git_repo").fetchall():
        key_of[rid] = git_dir
        scan.labels[git_dir] = label
        commits: Mapping[str, CommitFigures] = StoredCommits(conn, rid, lock) if lazy else _commits(conn, rid)
        scan.repos[git_dir] = RepoState(
            key=git_dir, tips=tuple(json.loads(tips)), identities_digest=ident, settings_digest=settings,
            config_stamp=tuple((str(p), int(m), int(s)) for p, m, s in json.loads(stamp)),
            horizon_ms=None if horizon is None else int(horizon), commits=commits, version=int(version))
    for project, rid, problem in conn.execute("SELECT project, repo_id, problem FROM project_repo"):
        scan.repo_of[project] = key_of.get(rid) if rid is not None else None
        if problem:
            scan.problem_of[project] = problem
    scan.problems = sorted(set(scan.problem_of.values()))
    return scan


def load_states(conn: sqlite3.Connection, *, lazy: bool = True) -> dict[str, RepoState]:
    """What the reader needs to read only what changed: each repository's state, by key."""
    return load(conn, lazy=lazy).repos


def window_sums(conn: sqlite3.Connection, since_ms: int | None, until_ms: int | None) -> dict[str, WorkSum]:
    """Per repository (key): its commits authored in [since_ms, until_ms) (None: unbounded), summed in SQL."""
    rows = conn.execute(
        "SELECT r.git_dir, count(c.sha), coalesce(sum(c.lines_added), 0), coalesce(sum(c.lines_removed), 0),"
        " coalesce(sum(c.files_changed), 0) FROM git_repo r LEFT JOIN git_commit c ON c.repo_id = r.id"
        " AND c.author_ms >= ? AND c.author_ms < ? GROUP BY r.id",
        (-(2**62) if since_ms is None else since_ms, 2**62 if until_ms is None else until_ms))
    return {key: WorkSum(n, a, r, f) for key, n, a, r, f in rows}


def span_sums(conn: sqlite3.Connection, spans: Iterable[tuple[str, int, int]]) -> list[WorkSum | None]:
    """For each (repository key, first ms, last ms): its commits authored in [first, last], both ends included
    (a chat's window); None for a repository the store does not hold."""
    ids = dict(conn.execute("SELECT git_dir, id FROM git_repo"))
    out: list[WorkSum | None] = []
    for key, first, last in spans:
        rid = ids.get(key)
        if rid is None:
            out.append(None)
            continue
        n, a, r, f = conn.execute(
            "SELECT count(*), coalesce(sum(lines_added), 0), coalesce(sum(lines_removed), 0),"
            " coalesce(sum(files_changed), 0) FROM git_commit WHERE repo_id = ? AND author_ms BETWEEN ? AND ?",
            (rid, first, last)).fetchone()
        out.append(WorkSum(n, a, r, f))
    return out


def save_repo(conn: sqlite3.Connection, state: RepoState, label: str, now_ms: int, *,
              commits_changed: bool = True) -> int:
    """Write one repository's state, and its commits as the difference from what is stored (a rescan changes
    few rows); one transaction. `commits_changed=False` when only the state's stamps moved. Returns the
    commit rows inserted or deleted."""
    changed = 0
    with write_tx(conn):
        conn.execute(
            "INSERT INTO git_repo (git_dir, label, tips, identities_digest, settings_digest, config_stamp,"
            " horizon_ms, reader_version, scanned_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (git_dir) DO UPDATE SET label = excluded.label, tips = excluded.tips,"
            " identities_digest = excluded.identities_digest, settings_digest = excluded.settings_digest,"
            " config_stamp = excluded.config_stamp, horizon_ms = excluded.horizon_ms,"
            " reader_version = excluded.reader_version, scanned_ms = excluded.scanned_ms",
            (state.key, label, json.dumps(list(state.tips)), state.identities_digest, state.settings_digest,
             json.dumps([list(s) for s in state.config_stamp]), state.horizon_ms, state.version, now_ms))
        rid = int(conn.execute("SELECT id FROM git_repo WHERE git_dir = ?", (state.key,)).fetchone()[0])
        if not commits_changed:
            return 0
        stored = {bytes(r[0]) for r in conn.execute("SELECT sha FROM git_commit WHERE repo_id = ?", (rid,))}
        wanted = {bytes.fromhex(sha): c for sha, c in state.commits.items()}
        gone = [(rid, sha) for sha in stored if sha not in wanted]
        new = [(rid, sha, c.author_ms, c.lines_added, c.lines_removed, c.files_changed)
               for sha, c in wanted.items() if sha not in stored]
        if gone:
            conn.executemany("DELETE FROM git_commit WHERE repo_id = ? AND sha = ?", gone)
        if new:
            conn.executemany(_INSERT_COMMIT, new)
        changed = len(gone) + len(new)
    return changed


def save_folders(conn: sqlite3.Connection, scan: WorkScan, now_ms: int) -> int:
    """Which repository each folder lies in (or why it has none), and the removal of the repositories the scan
    no longer holds (deleted, unreadable, or no folder in them any more) with their commits. Call after the
    repositories themselves were saved. Only rows that change are written (`checked_ms`: when the folder's
    row last changed); returns how many rows changed."""
    with write_tx(conn):
        ids = dict(conn.execute("SELECT git_dir, id FROM git_repo"))
        gone = [rid for key, rid in ids.items() if key not in scan.repos]
        _drop_repos(conn, gone)
        stored = {p: (rid, problem) for p, rid, problem in conn.execute(
            "SELECT project, repo_id, problem FROM project_repo")}
        rows = []
        for folder, key in scan.repo_of.items():
            row = (ids.get(key) if key is not None and key in scan.repos else None, scan.problem_of.get(folder))
            if stored.get(folder) != row:
                rows.append((folder, *row, now_ms))
        conn.executemany(
            "INSERT INTO project_repo (project, repo_id, problem, checked_ms) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (project) DO UPDATE SET repo_id = excluded.repo_id, problem = excluded.problem,"
            " checked_ms = excluded.checked_ms", rows)
        stale = [(p,) for p in stored if p not in scan.repo_of]
        conn.executemany("DELETE FROM project_repo WHERE project = ?", stale)
    return len(gone) + len(rows) + len(stale)


def changed_repos(scan: WorkScan, previous: Mapping[str, RepoState]) -> list[tuple[RepoState, bool]]:
    """The repositories a refresh must write: (state, whether its commits changed); unchanged ones (the
    reader hands back the very state it was given) are left out."""
    out = []
    for key, state in scan.repos.items():
        before = previous.get(key)
        if state is before:
            continue
        out.append((state, before is None or state.commits is not before.commits))
    return out


def save(conn: sqlite3.Connection, scan: WorkScan, now_ms: int,
         previous: Mapping[str, RepoState] | None = None) -> int:
    """A whole refresh in one transaction: the repositories that changed, then the folders. Returns the commit
    rows inserted or deleted."""
    changed = 0
    with write_tx(conn):
        for state, commits_changed in changed_repos(scan, previous or {}):
            changed += save_repo(conn, state, scan.labels.get(state.key, state.key), now_ms,
                                 commits_changed=commits_changed)
        save_folders(conn, scan, now_ms)
    return changed


def forget_folders(conn: sqlite3.Connection, folder: str, prefix: str) -> None:
    """Inside `forget_project`'s transaction: the folder's (and its sub-folders') rows, and every repository no
    remaining folder lies in, or whose main work tree is the forgotten folder (re-read for the folders left,
    if any, at the next refresh)."""
    if not has_tables(conn):
        return
    conn.execute("DELETE FROM project_repo WHERE project = ? OR substr(project, 1, ?) = ?",
                 (folder, len(prefix), prefix))
    unused = [rid for (rid,) in conn.execute(
        "SELECT id FROM git_repo WHERE label = ? OR substr(label, 1, ?) = ?"
        " OR id NOT IN (SELECT repo_id FROM project_repo WHERE repo_id IS NOT NULL)",
        (folder, len(prefix), prefix))]
    _drop_repos(conn, unused)


def _drop_repos(conn: sqlite3.Connection, ids: Iterable[int]) -> None:
    """Repositories and their commits (explicitly: a backup's connection may not enforce foreign keys)."""
    rows = [(rid,) for rid in ids]
    if not rows:
        return
    conn.executemany("UPDATE project_repo SET repo_id = NULL WHERE repo_id = ?", rows)
    conn.executemany("DELETE FROM git_commit WHERE repo_id = ?", rows)
    conn.executemany("DELETE FROM git_repo WHERE id = ?", rows)
