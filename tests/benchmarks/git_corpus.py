"""Synthetic git repositories for the work-reader benchmark, built fast with `git fast-import`.

Each repository has `commits` commits on one main line with a side branch merged every 50 commits; about 80 %
are authored by the user (`me@example.org`), the rest by someone else. A commit edits 1–3 text files of a
~20-line working set of 200 files (replacing and adding lines), now and then adds a file, renames one or
adds a small binary blob. Deterministic for a seed, so two runs read the same history.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

USER = "me@example.org"
OTHER = "someone@example.net"
FILES = 200
START_S = 1_672_531_200  # 2023-01-01T00:00:00Z


def _blob(out: list[bytes], path: str, data: bytes) -> None:
    out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")


def build(path: Path, commits: int, seed: int = 1) -> None:
    """Create a repository at `path` (which must not exist yet) holding `commits` commits."""
    rnd = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    files = {f"src/m{i:03d}.txt": [f"line {j} of {i}" for j in range(20)] for i in range(FILES)}
    names = list(files)
    stream: list[bytes] = []
    t = START_S
    side_tip: int | None = None
    main_tip: int | None = None
    side_touched: set[str] = set()  # files edited on the side branch, written again by the merge
    for n in range(commits):
        mark = n + 1
        t += rnd.randint(600, 18_000)  # ~2.6 h apart: 10,000 commits span about three years
        email = USER if rnd.random() < 0.8 else OTHER
        on_side = n % 50 in range(40, 45) and n > 0  # five side-branch commits, then a merge
        merging = n % 50 == 45 and side_tip is not None
        ref = "refs/heads/side" if on_side else "refs/heads/main"
        stream.append(f"commit {ref}\nmark :{mark}\n".encode())
        stream.append(f"author Bench <{email}> {t} +0000\ncommitter Bench <{email}> {t} +0000\n".encode())
        stream.append(b"data 8\nbench %d\n" % (n % 10))
        parent = side_tip if on_side and side_tip is not None else main_tip
        if n == 0:
            pass
        elif on_side and side_tip is None:
            stream.append(f"from :{main_tip}\n".encode())
        elif parent is not None:
            stream.append(f"from :{parent}\n".encode())
        if merging:
            stream.append(f"merge :{side_tip}\n".encode())
        if n == 0:
            for name, lines in files.items():
                _blob(stream, name, ("\n".join(lines) + "\n").encode())
        elif merging:  # the merge's tree takes the side branch's files: its first-parent diff is theirs
            for name in sorted(side_touched):
                _blob(stream, name, ("\n".join(files[name]) + "\n").encode())
            side_touched.clear()
        else:
            for _ in range(rnd.randint(1, 3)):
                name = rnd.choice(names)
                lines = files[name]
                lines[rnd.randrange(len(lines))] = f"edit {n} {rnd.random():.6f}"
                lines.insert(rnd.randrange(len(lines) + 1), f"added {n}")
                if len(lines) > 40:
                    del lines[: rnd.randint(1, 10)]
                _blob(stream, name, ("\n".join(lines) + "\n").encode())
                if on_side:
                    side_touched.add(name)
            roll = 1.0 if on_side else rnd.random()  # files are added and renamed on the main line only
            if roll < 0.02:
                name = f"src/new{n}.txt"
                files[name] = [f"new {n} {j}" for j in range(10)]
                names.append(name)
                _blob(stream, name, ("\n".join(files[name]) + "\n").encode())
            elif roll < 0.03:
                old = rnd.choice(names)
                new = f"src/renamed{n}.txt"
                stream.append(f"R {old} {new}\n".encode())
                files[new] = files.pop(old)
                names[names.index(old)] = new
            elif roll < 0.04:
                stream.append(f"M 100644 inline bin/b{n}.bin\ndata 64\n".encode() + bytes(range(64)) + b"\n")
        stream.append(b"\n")
        if on_side:
            side_tip = mark
        else:
            main_tip = mark
            if merging:
                side_tip = None
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=path, check=True)
    subprocess.run(["git", "config", "user.email", USER], cwd=path, check=True)


def build_many(root: Path, repos: int, commits: int) -> list[Path]:
    """`repos` repositories under `root`, reused when a previous run built them with the same sizes."""
    stamp = root / f".built-{repos}x{commits}"
    paths = [root / f"repo{i:02d}" for i in range(repos)]
    if stamp.exists():
        return paths
    if root.exists():
        subprocess.run(["rm", "-rf", str(root)], check=True)
    root.mkdir(parents=True)
    for i, p in enumerate(paths):
        build(p, commits, seed=i + 1)
    stamp.write_text("ok\n")
    return paths
