"""Paths in a ledger about to be published, as the project-path setting says: "full" leaves them as they are,
"folder" keeps a folder's last part, "hashed" a stable digest. Applied on the private copy, in its transaction.

Every column that can hold a path of this machine follows the setting, not only the chats' projects: the work
read from git names project folders (project_repo), repositories' main folders and git directories (git_repo)
and git's configuration files, the user's `~/.gitconfig` among them (git_repo.config_stamp). Chats' projects
and the project folders' rows are shortened by the same function, and repositories keep their ids, so the
copy's joins (a chat's project → its folder's repository → its commits) match as they do at home.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3


def project_label(path: str, mode: str) -> str:
    """A project path as published: "full" as it is, "folder" its last part, "hashed" a stable digest."""
    if mode == "full":
        return path
    if mode == "hashed":
        return "project-" + hashlib.sha256(f"tokenpulse project:{path}".encode()).hexdigest()[:16]
    parts = [p for p in re.split(r"[\\/]", path) if p]
    return parts[-1] if parts else path


def shorten(conn: sqlite3.Connection, mode: str) -> None:
    """Rewrite every path column of the copy on `conn` for `mode` (nothing for "full"); inside a transaction."""
    if mode == "full":
        return
    conn.create_function("tp_project", 1, lambda p: None if p is None else project_label(p, mode),
                         deterministic=True)
    conn.execute("UPDATE chat_session SET project = tp_project(project) WHERE project IS NOT NULL")
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'git_repo'").fetchone() is None:
        return  # a store from before the work tables
    # project_repo is keyed by folder, and two folders may share a last part (/a/app, /b/app): one row per
    # published name, a folder in a repository first, then by path, so the choice is the same at every publish
    rows = conn.execute("SELECT project, repo_id, problem, checked_ms FROM project_repo"
                        " ORDER BY repo_id IS NULL, project").fetchall()
    conn.execute("DELETE FROM project_repo")
    conn.executemany("INSERT OR IGNORE INTO project_repo (project, repo_id, problem, checked_ms)"
                     " VALUES (tp_project(?), ?, ?, ?)", rows)
    # the git directory is only a key here (rows refer to repositories by id): an opaque one per repository.
    # The configuration files' stamps only tell this machine's reader when to re-read: none is published.
    conn.execute("UPDATE git_repo SET git_dir = 'repo-' || id, label = tp_project(label), config_stamp = '[]'")
