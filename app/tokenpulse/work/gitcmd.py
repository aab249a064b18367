"""Running the `git` command for the work reader: safely, offline, in the C locale, streaming its output.

Why the git command and not a library: it was measured fastest (BENCHMARKS.md: 3.7× pygit2, ~30× dulwich on
the same history), it reads every repository the user's own git reads (worktrees, partial clones, reftable,
SHA-256, includes in their config), and it honours `safe.directory` for repositories owned by someone else.

What is kept away from git: the app's GIT_* variables that point at another repository, network access (a
partial clone must not fetch missing blobs: no protocol is allowed), external diff and textconv programs,
pagers, signatures and colours. git's error text is never passed on (it can name branches or files): a
failure becomes a plain-words reason.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Variables the user may set to choose their configuration files; every other GIT_* is dropped.
_KEEP = ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM")
MIN_VERSION = (2, 31)  # --diff-merges=first-parent
FILTER_VERSION = (2, 38)  # --since-as-filter: a date limit that does not stop the walk at a skewed clock


class GitError(Exception):
    """git could not do what was asked; the message is plain words with no text from the repository."""


@dataclass(frozen=True, slots=True)
class Git:
    """One git executable and the environment it runs with."""

    executable: str
    version: tuple[int, int]
    env: Mapping[str, str]

    def command(self, git_dir: Path, args: Sequence[str]) -> list[str]:
        return [self.executable, "--no-pager", f"--git-dir={git_dir}", "-c", "core.fsmonitor=false",
                "-c", "log.showSignature=false", *args]

    def lines(self, git_dir: Path, args: Sequence[str], stdin: str = "", ok: tuple[int, ...] = (0,)) -> Iterator[str]:
        """git's standard output, line by line, as it comes; GitError at the end when git exits with a code
        not in `ok`."""
        proc = subprocess.Popen(self.command(git_dir, args), env=dict(self.env), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                                errors="replace", bufsize=1 << 16)
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        try:
            try:
                proc.stdin.write(stdin)
                proc.stdin.close()
            except BrokenPipeError:
                pass
            yield from proc.stdout
            err = proc.stderr.read()
            code = proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        if code not in ok:
            raise GitError(reason(err, code))

    def output(self, git_dir: Path, args: Sequence[str], stdin: str = "", ok: tuple[int, ...] = (0,)) -> list[str]:
        return [line.rstrip("\n") for line in self.lines(git_dir, args, stdin, ok)]


def reason(stderr: str, code: int) -> str:
    """git's failure in plain words; its own text is dropped (it may name a branch, a file or a remote)."""
    low = stderr.lower()
    if "dubious ownership" in low or "safe.directory" in low:
        return "the repository belongs to another user, and git refuses to read it (safe.directory)"
    if "not allowed" in low or "promisor" in low or "lazy fetch" in low:
        return "a partial clone: some file contents are not on this computer (nothing is downloaded)"
    if "bad object" in low or "missing" in low or "unable to read" in low or "corrupt" in low:
        return "objects are missing or damaged (a shallow, partial or broken clone?)"
    if "not a git repository" in low:
        return "not a git repository any more"
    return f"git failed (exit {code})"


def clean_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment git runs with: no repository overrides, no prompts, no network, C locale."""
    out = {k: v for k, v in env.items() if not k.startswith("GIT_") or k in _KEEP}
    out.update({
        "LC_ALL": "C", "LANG": "C", "LANGUAGE": "",
        "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0",
        "GIT_ALLOW_PROTOCOL": "none",  # a partial clone's lazy fetch fails instead of reaching the network
        "GIT_NO_LAZY_FETCH": "1",  # the same, said directly (git 2.44+)
        "GIT_NO_REPLACE_OBJECTS": "1",
    })
    return out


def find_git(env: Mapping[str, str]) -> Git:
    """The git on PATH, checked to be new enough; GitError in plain words otherwise."""
    exe = shutil.which("git", path=env.get("PATH"))
    if exe is None:
        raise GitError("git is not installed (or not on PATH): no work figures")
    cleaned = clean_env(env)
    try:
        out = subprocess.run([exe, "--version"], env=cleaned, capture_output=True, text=True, timeout=30,
                             check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(f"git could not be run: {type(exc).__name__}") from exc
    version = parse_version(out)
    if version < MIN_VERSION:
        raise GitError(f"git {'.'.join(map(str, MIN_VERSION))} or newer is needed for work figures"
                       f" (found {'.'.join(map(str, version))})")
    return Git(exe, version, cleaned)


def parse_version(text: str) -> tuple[int, int]:
    """(major, minor) from 'git version 2.39.5' (vendor suffixes allowed); (0, 0) when unreadable."""
    parts = text.strip().split()
    if len(parts) < 3:
        return (0, 0)
    numbers = parts[2].split(".")
    try:
        return (int(numbers[0]), int(numbers[1]))
    except (ValueError, IndexError):
        return (0, 0)
