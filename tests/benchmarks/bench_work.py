"""The work reader: first read of many repositories, the no-change check, one new commit; and git vs libraries.

Usage: python tests/benchmarks/bench_work.py [--repos 50] [--commits 10000] [--runs 21] [--work /tmp/tp-bench-work]
                                            [--compare-libraries] [--workers 2] [--skip-whole]
Builds `repos` synthetic repositories of `commits` commits each (tests/benchmarks/git_corpus.py; kept between
runs) and times, in this process, as the app's background worker would run it:
  first read, whole history       WorkReader.refresh with no horizon (2 git processes at a time)
  first read, last 90 days        the same with the agents' first call 90 days before the newest commit
  nothing changed                 a rescan given the previous state (median of --runs; target 50 ms)
  one new commit in one repo      a rescan after one commit was added to one repository (median)
Each read also prints the CPU seconds git spent (children of this process): unlike wall time, that does not
depend on how busy the shared machine is, and CPU / cores is what the read takes on an idle machine.
The store side (a scratch store under --work): the first read's write in one transaction (the CLI), one
repository's write (the app writes one per turn of its queue: the longest a new call can wait), loading
every state back (what a CLI refresh starts with), and a CLI-style refresh with nothing changed (load + check).
With --compare-libraries (pygit2 and dulwich installed in this interpreter), one repository's history is also
read with pygit2 (diff + stats per commit, in C) and dulwich (tree changes + difflib, pure Python; the first
1,000 commits, scaled), beside `git log --shortstat`, each checked to give the same totals.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "app"))
import git_corpus

from tokenpulse.work.figures import WorkSum, add_up
from tokenpulse.work.reader import WorkReader

TARGET_CHECK_MS = 50.0


def _env(root: Path) -> dict[str, str]:
    import os

    cfg = root / "gitconfig"
    cfg.write_text(f"[user]\n\temail = {git_corpus.USER}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_GLOBAL": str(cfg), "GIT_CONFIG_NOSYSTEM": "1"})
    return env


def _timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _git_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed_cpu(fn):  # type: ignore[no-untyped-def]
    """(wall seconds, git CPU seconds, result)."""
    cpu = _git_cpu()
    wall, out = _timed(fn)
    return wall, _git_cpu() - cpu, out


def bench_store(root: Path, scan, reader, folders: list[str], first_call: dict[str, int],  # type: ignore[no-untyped-def]
                runs: int) -> None:
    """The first read written to a scratch store, loaded back, and a no-change refresh from the store."""
    from tokenpulse.store import git_work
    from tokenpulse.store.db import connect

    db = root / "store" / "bench.sqlite3"
    subprocess.run(["rm", "-rf", str(db.parent)], check=True)
    conn = connect(db)
    try:
        t_save, _ = _timed(lambda: git_work.save(conn, scan, 1))
        rows = conn.execute("SELECT count(*) FROM git_commit").fetchone()[0]
        print(f"store: first read written in one transaction: {t_save:.2f} s for {rows} commits")
    finally:
        conn.close()
    subprocess.run(["rm", "-rf", str(db.parent)], check=True)
    conn = connect(db)  # again empty: the app's way, one repository per write
    try:
        slices = []
        for state in scan.repos.values():
            t, _ = _timed(lambda st=state: git_work.save_repo(conn, st, st.key, 1))
            slices.append(t * 1000)
        print(f"store: one repository's write (the app's slice): median {statistics.median(slices):.1f} ms,"
              f" longest {max(slices):.1f} ms ({len(slices)} repositories)")
        git_work.save_folders(conn, scan, 1)
        loads, checks = [], []
        for _ in range(max(3, runs // 3)):
            t_load, states = _timed(lambda: git_work.load_states(conn))
            t_check, again = _timed(lambda: reader.refresh(folders, states, first_call))
            assert again.repos_unchanged == len(states)
            loads.append(t_load * 1000)
            checks.append((t_load + t_check) * 1000)
        print(f"store: loading every state back: median {statistics.median(loads):.0f} ms; a CLI refresh with"
              f" nothing changed (load + check): median {statistics.median(checks):.0f} ms")
    finally:
        conn.close()


def _newest_ms(path: Path) -> int:
    out = subprocess.run(["git", "log", "-1", "--format=%at", "main"], cwd=path, capture_output=True, text=True,
                         check=True).stdout
    return int(out.strip()) * 1000


def _total(scan, folders: list[str]) -> WorkSum:  # type: ignore[no-untyped-def]
    sums = [add_up(c.values()) for f in folders if (c := scan.commits(f)) is not None]
    return WorkSum(*(sum(getattr(s, k) for s in sums) for k in ("commits", "lines_added", "lines_removed",
                                                                "files_changed")))


def compare_libraries(path: Path, user: str) -> None:
    """git log vs pygit2 vs dulwich on one repository: seconds per 10,000 commits, same totals."""
    import difflib

    import pygit2
    from dulwich.diff_tree import tree_changes
    from dulwich.repo import Repo as DRepo

    def with_git() -> tuple[int, int, int, int]:
        reader = WorkReader(env=_env(path.parent), workers=1)
        s = add_up(reader.refresh([str(path)], {}).commits(str(path)).values())  # type: ignore[union-attr]
        return (s.commits, s.lines_added, s.lines_removed, s.files_changed)

    def with_pygit2(limit: int | None = None) -> tuple[int, int, int, int]:
        repo = pygit2.Repository(str(path))
        n = a = r = f = 0
        tips = [repo.references[name].peel().id for name in repo.references if name.startswith("refs/heads/")]
        walker = repo.walk(tips[0], pygit2.enums.SortMode.NONE)
        for t in tips[1:]:
            walker.push(t)
        for c in walker:
            if c.author.email.lower() != user:
                continue
            d = repo.diff(c.parents[0], c) if c.parents else c.tree.diff_to_tree(swap=True)
            d.find_similar()
            st = d.stats
            n, a, r, f = n + 1, a + st.insertions, r + st.deletions, f + st.files_changed
            if limit and n >= limit:
                break
        return (n, a, r, f)

    def with_dulwich(limit: int) -> int:
        repo = DRepo(str(path))
        store = repo.object_store
        n = 0
        for entry in repo.get_walker():
            c = entry.commit
            if b"<" + user.encode() + b">" not in c.author.lower():
                continue
            parent = store[c.parents[0]].tree if c.parents else None
            for ch in tree_changes(store, parent, c.tree):
                old = store[ch.old.sha].data.splitlines() if ch.old and ch.old.sha else []
                new = store[ch.new.sha].data.splitlines() if ch.new and ch.new.sha else []
                difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
            n += 1
            if n >= limit:
                break
        repo.close()
        return n

    t_git, got_git = _timed(with_git)
    t_pygit2, got_pygit2 = _timed(with_pygit2)
    t_dul, n_dul = _timed(lambda: with_dulwich(1000))
    t_dul_scaled = t_dul * got_git[0] / max(1, n_dul)
    print(f"\none repository, {got_git[0]} commits by the user (commits, +lines, -lines, files):")
    print(f"  git log --shortstat   {t_git:7.2f} s   {got_git}")
    print(f"  pygit2 {pygit2.__version__:<14} {t_pygit2:7.2f} s   {got_pygit2}   x{t_pygit2 / t_git:.1f} of git")
    print(f"  dulwich (difflib)     {t_dul_scaled:7.2f} s   (scaled from {n_dul} commits)"
          f"   x{t_dul_scaled / t_git:.1f} of git")
    if got_pygit2 != got_git:
        print("  NOTE: pygit2's totals differ from git's")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=int, default=50)
    ap.add_argument("--commits", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--work", default="/tmp/tp-bench-work")
    ap.add_argument("--compare-libraries", action="store_true")
    ap.add_argument("--workers", type=int, default=2, help="git processes at a time (the app uses 2)")
    ap.add_argument("--skip-whole", action="store_true", help="leave out the first read of the whole history")
    args = ap.parse_args()
    root = Path(args.work)
    t_build, paths = _timed(lambda: git_corpus.build_many(root / "repos", args.repos, args.commits))
    print(f"{args.repos} repositories x {args.commits} commits ready in {t_build:.1f} s")
    env = _env(root)
    folders = [str(p) for p in paths]

    workers = args.workers
    t_full = None
    if not args.skip_whole:
        t_full, cpu_full, full = _timed_cpu(lambda: WorkReader(env=env, workers=workers).refresh(folders, {}))
        assert not full.problems, full.problems
        total = _total(full, folders)
        print(f"first read, whole history: {t_full:.2f} s for {total.commits} commits by the user"
              f" ({total.commits / t_full:,.0f}/s); {full.repos_read} repositories; git CPU {cpu_full:.1f} s")

    first_call = {f: _newest_ms(Path(f)) - 90 * 86_400_000 for f in folders}
    t_recent, cpu_recent, recent = _timed_cpu(
        lambda: WorkReader(env=env, workers=workers).refresh(folders, {}, first_call))
    print(f"first read, last 90 days: {t_recent:.2f} s for {_total(recent, folders).commits} commits"
          + (f" ({t_recent / t_full:.2f} of the whole history)" if t_full else "")
          + f"; git CPU {cpu_recent:.2f} s, {cpu_recent / 2:.2f} s on two idle cores"
          f" (wall / ideal {t_recent / (cpu_recent / 2):.1f})")

    reader = WorkReader(env=env)
    bench_store(root, recent, reader, folders, first_call, args.runs)
    state = reader.refresh(folders, {}, first_call).repos
    checks = []
    for _ in range(args.runs):
        t, again = _timed(lambda: reader.refresh(folders, state, first_call))
        assert again.repos_unchanged == len(paths), "a rescan with nothing changed read something"
        checks.append(t * 1000)
    check_ms = statistics.median(checks)
    print(f"nothing changed: median {check_ms:.1f} ms for {len(paths)} repositories"
          f" ({check_ms / TARGET_CHECK_MS:.2f} of the {TARGET_CHECK_MS:.0f} ms target)")

    scratch = root / "scratch"
    subprocess.run(["rm", "-rf", str(scratch)], check=True)
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(paths[0]), str(scratch)], check=True)
    one = [*folders[1:], str(scratch)]
    state = reader.refresh(one, {}, {**first_call, str(scratch): first_call[folders[0]]}).repos
    bumps = []
    for k in range(min(args.runs, 11)):
        (scratch / "bench-new.txt").write_text(f"{k}\n")
        for cmd in (["add", "bench-new.txt"], ["commit", "-qm", "bench"]):
            subprocess.run(["git", "-c", f"user.email={git_corpus.USER}", "-c", "user.name=B", *cmd], cwd=scratch,
                           check=True)
        t, after = _timed(lambda: reader.refresh(one, state, {**first_call, str(scratch): first_call[folders[0]]}))
        assert after.repos_read == 1 and after.commits_read == 1, (after.repos_read, after.commits_read)
        state = after.repos
        bumps.append(t * 1000)
    print(f"one new commit in one of {len(one)} repositories: median {statistics.median(bumps):.1f} ms"
          f" ({statistics.median(bumps) / check_ms:.1f}x the no-change check)")
    if args.compare_libraries:
        compare_libraries(paths[0], git_corpus.USER)


if __name__ == "__main__":
    main()
