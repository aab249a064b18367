"""The work figures for `projects` and `sessions`: brought up to date from git first (as the scan brings the
calls), or as the store holds them with --no-scan; problems said in one line each on stderr."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokenpulse.work.reader import WorkScan
    from tokenpulse.workspace import Workspace

MAX_PROBLEMS_SHOWN = 3


def work_figures(workspace: Workspace, *, refresh: bool, quiet: bool = False) -> WorkScan:
    """The figures to report: refreshed under the scan lock unless `refresh` is False or another tokenpulse
    holds the lock (then the store's own, as last read)."""
    from tokenpulse.store.git_work import load

    if refresh:
        from tokenpulse.cli.progress import ProgressBar

        bar = ProgressBar(label="Reading commits", unit="repositories")
        scan = workspace.refresh_work(progress=bar, wait=30.0)
        bar.finish()
        if scan is not None:
            _tell_problems(scan, quiet)
            return scan
        print("tokenpulse: another tokenpulse is scanning; work figures as last read", file=sys.stderr)
    return load(workspace.conn)


def _tell_problems(scan: WorkScan, quiet: bool) -> None:
    if quiet or not scan.problems:
        return
    from tokenpulse.untrusted_text import escape_controls

    for problem in scan.problems[:MAX_PROBLEMS_SHOWN]:  # they name folders: shown, never obeyed, by the terminal
        print(f"tokenpulse: no work figures: {escape_controls(problem)}", file=sys.stderr)
    if len(scan.problems) > MAX_PROBLEMS_SHOWN:
        print(f"tokenpulse: … and {len(scan.problems) - MAX_PROBLEMS_SHOWN} more repositories without work"
              " figures", file=sys.stderr)
