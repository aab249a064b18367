"""Coverage-guided fuzzing (atheris/libFuzzer) of every parser entry point, time-boxed."""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

USAGE = """\
Targets: each agent's line parser, the document readers (Gemini, OpenCode, Amp, Droid, Cline-family tasks), the
database readers (OpenCode, Goose, Hermes) and the line reader. A crash is an exception past a parser's boundary or a broken promise: a count that is not a
non-negative integer, a line counted twice, a state that does not survive JSON or resume, a valid neighbour
lost. The first input byte picks the target; the rest is its input.

    .venv/bin/python tests/fuzz/fuzz_parsers.py --seconds 600            # every target, ten minutes
    .venv/bin/python tests/fuzz/fuzz_parsers.py --seconds 60 --target codex -atheris_runs=100000
    .venv/bin/python tests/fuzz/fuzz_parsers.py crash-<sha1>            # replay a crash file

Any other argument goes to libFuzzer (corpus folders, -max_len=, -artifact_prefix=, -seed=). A crash prints
its traceback and the input, writes `crash-<sha1>` (into -artifact_prefix, by default the current folder) and
exits non-zero; otherwise the last line is the summary: inputs tried, seconds, inputs per second, crashes: 0.
"""

REPO = Path(__file__).resolve().parents[2]
for extra in (REPO / "app", REPO / "tests" / "properties"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

try:
    import atheris
except ImportError:  # the pytest wrapper turns this exit code into a clear failure
    print("atheris is not installed: install the test extra (`.venv/bin/pip install -e '.[test]'`)", file=sys.stderr)
    sys.exit(3)

with atheris.instrument_imports(include=["tokenpulse"]):
    from tokenpulse.ingest import tailer
    from tokenpulse.sources.amp.parser import read_thread
    from tokenpulse.sources.claude_code.source import ClaudeCodeSource
    from tokenpulse.sources.codex.source import CodexSource
    from tokenpulse.sources.copilot_cli.source import CopilotCliSource
    from tokenpulse.sources.droid.parser import read_settings
    from tokenpulse.sources.gemini.parser import read_document as read_gemini_document
    from tokenpulse.sources.gemini.source import GeminiSource
    from tokenpulse.sources.goose.database import read_sessions as read_goose
    from tokenpulse.sources.hermes.database import read_sessions as read_hermes
    from tokenpulse.sources.kimi.source import KimiSource
    from tokenpulse.sources.openclaw.source import OpenClawSource
    from tokenpulse.sources.opencode.database import read_database
    from tokenpulse.sources.opencode.source import OpenCodeSource
    from tokenpulse.sources.pi.source import PiSource
    from tokenpulse.sources.qwen.source import QwenSource
    from tokenpulse.sources.task_messages import read_task

from fuzz_seeds import DICTIONARY, SEEDS, SENTINELS
from prop_checks import as_stored, assert_honest_counter, assert_sane_call, calls_of, feed_all

LINE_SOURCES: dict[str, tuple[Any, str]] = {
    "claude-code": (ClaudeCodeSource(), "projects/-home-u-p/0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f.jsonl"),
    "codex": (CodexSource(), "sessions/2026/03/01/rollout-2026-03-01T10-00-00-0199aaaa-0000-7000-8000-000000000001.jsonl"),
    "gemini": (GeminiSource(), "tmp/0b7d/chats/session-2026-03-01T10-00-abcd.jsonl"),
    "qwen": (QwenSource(), "projects/-home-u-p/chats/69f0814a.jsonl"),
    "copilot-cli": (CopilotCliSource(), "copilot-otel-1.jsonl"),
    "pi-agent": (PiSource(), "sessions/--home-u-p--/2026-01-05T09-00-00-000Z_5f0c1a2b-0000-4000-8000-00000000a001.jsonl"),
    "openclaw": (OpenClawSource(), "agents/main/sessions/oc-main-1.jsonl"),
    "kimi": (KimiSource(), "kimi/sessions/0f1e2d3c/3b2a1c0d-0000-4000-8000-0000000000a1/wire.jsonl"),
}
DOCUMENT_READERS: dict[str, tuple[str, Any]] = {
    "amp-document": ("amp", lambda data: read_thread(Path("/nonexistent/amp/threads/T-1.json"), data)),
    "droid-document": ("droid", lambda data: read_settings(Path("/nonexistent/sessions/d1.settings.json"), data)),
    "task-document": ("cline", lambda data: read_task(Path("/nonexistent/tasks/1/ui_messages.json"), data, "cline")),
}
SESSION_DATABASES = ["goose-database", "hermes-database"]
TARGETS = [*LINE_SOURCES, "gemini-document", "opencode-document", *DOCUMENT_READERS, "opencode-database",
           *SESSION_DATABASES, "line-reader"]
_SCRATCH = Path("/nonexistent")  # main() makes it: temporary databases and files, in memory where it can


# ---------------------------------------------------------------------------------------------
# One input per target
# ---------------------------------------------------------------------------------------------

def fuzz_lines(name: str, payload: bytes) -> None:
    source, file_name = LINE_SOURCES[name]
    path = Path("/logs") / file_name
    lines = payload.split(b"\n")
    whole = source.parser(path, None)
    outcomes = feed_all(whole, [*lines, SENTINELS[name]], name)
    assert outcomes[-1].call is not None, "a valid record after the fuzzed lines was lost"
    cut = len(lines) // 2
    first = source.parser(path, None)
    before = calls_of(feed_all(first, lines[:cut], name))
    second = source.parser(path, json.loads(json.dumps(first.state())) or None)
    after = calls_of(feed_all(second, lines[cut:], name))
    assert as_stored(before + after) == as_stored(calls_of(outcomes[:-1])), "resuming from state changed the calls"


def _document_checked(parsed: Any, source: str) -> None:
    for call in parsed.calls:
        assert_sane_call(call, source)
    assert_honest_counter(parsed.skipped)


def fuzz_gemini_document(payload: bytes) -> None:
    _document_checked(read_gemini_document(Path("/logs/tmp/x/chats/session-1.json"), payload), "gemini")


def fuzz_opencode_document(payload: bytes) -> None:
    parsed = OpenCodeSource().read_document(Path("/nonexistent/storage/message/ses_1/msg_1.json"), payload)
    _document_checked(parsed, "opencode")
    assert len(parsed.calls) <= 1


def fuzz_opencode_database(payload: bytes) -> None:
    """Each line is one row's `data`, stored as TEXT byte for byte (UTF-8 or not), then one valid row."""
    folder = Path(tempfile.mkdtemp(dir=_SCRATCH))
    path = folder / "opencode.db"
    try:
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("CREATE TABLE message (id text, session_id text, time_created integer, time_updated integer,"
                     " data text)")
        rows = [(f"m{i}", line) for i, line in enumerate(payload.split(b"\n")[:64])]
        conn.executemany("INSERT INTO message VALUES (?, 'ses_1', 0, 0, CAST(? AS TEXT))", rows)
        conn.execute("INSERT INTO message VALUES ('sentinel', 'ses_1', 0, 0, ?)", (SENTINELS["opencode"].decode(),))
        conn.commit()
        conn.close()
        parsed, state = read_database(path, None)
        _document_checked(parsed, "opencode")
        assert json.loads(json.dumps(state)) == state
        assert any(c.input == 7 and c.output == 3 for c in parsed.calls), "the valid row beside fuzzed ones was lost"
    finally:
        for name in os.listdir(folder):
            os.unlink(folder / name)
        os.rmdir(folder)


def fuzz_document(name: str, payload: bytes) -> None:
    source, reader = DOCUMENT_READERS[name]
    _document_checked(reader(payload), source)


# A session row of each: (CREATE TABLE, INSERT of one row from 8 fuzzed cells, a valid row, the reader)
_SESSION_TABLES: dict[str, tuple[str, str, tuple[Any, ...], Any]] = {
    "goose-database": (
        "CREATE TABLE sessions (id TEXT, working_dir TEXT, created_at TIMESTAMP, model_config_json TEXT,"
        " input_tokens INTEGER, output_tokens INTEGER, accumulated_input_tokens INTEGER,"
        " accumulated_output_tokens INTEGER)", "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ("sentinel", "/p", "2026-01-11 08:00:00", '{"model_name": "m"}', None, None, 7, 3), read_goose),
    "hermes-database": (
        "CREATE TABLE sessions (id TEXT, model TEXT, parent_session_id TEXT, started_at REAL, input_tokens INTEGER,"
        " output_tokens INTEGER, cache_read_tokens INTEGER, cache_write_tokens INTEGER)",
        "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ("sentinel", "m", None, 1768294800.25, 7, 3, 0, 0), read_hermes),
}


def _cell(raw: bytes) -> Any:
    """An integer when the bytes read as one that SQLite can hold, else the bytes themselves (a BLOB)."""
    try:
        value = int(raw)
    except ValueError:
        return raw
    return value if -(2**63) <= value < 2**63 else raw


def fuzz_session_database(name: str, payload: bytes) -> None:
    """Each line is one row, its cells split on `|` (TEXT byte for byte, or an integer when it reads as one),
    then one valid row; the valid row must give its call whatever lies beside it."""
    create, insert, sentinel, reader = _SESSION_TABLES[name]
    folder = Path(tempfile.mkdtemp(dir=_SCRATCH))
    path = folder / "sessions.db"
    try:
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(create)
        for line in payload.split(b"\n")[:32]:
            cells = [_cell(c) for c in (line.split(b"|") + [b""] * 8)[:8]]
            conn.execute(insert, cells)
        conn.execute(insert, sentinel)
        conn.commit()
        conn.close()
        parsed, state = reader(path, None)
        assert json.loads(json.dumps(state)) == state
        again, _ = reader(path, state)
        assert sum(again.skipped.values()) == 0, "a bad row was reported twice"
        _document_checked(parsed, name.split("-")[0])
        assert any(c.session_key == "sentinel" and c.input == 7 for c in parsed.calls), "the valid row was lost"
    finally:
        for entry in os.listdir(folder):
            os.unlink(folder / entry)
        os.rmdir(folder)


def fuzz_line_reader(payload: bytes) -> None:
    """Append the payload in pieces, reading after each; whole reads or tiny chunks as the first byte says."""
    if not payload:
        return
    rng = random.Random(payload[0])
    chunked = payload[0] & 1
    content = payload[1:]
    lines: list[bytes] = []
    offset = 0
    saved = tailer.CHUNK, tailer.WHOLE_READ
    if chunked:
        tailer.CHUNK, tailer.WHOLE_READ = rng.randint(1, 64), 0
    try:
        with tempfile.TemporaryFile(dir=_SCRATCH) as fh:
            fd = fh.fileno()
            at = 0
            while at < len(content):
                step = rng.randint(1, 64)
                os.write(fd, content[at:at + step])
                at += step
                reader = tailer.LineReader(fd, offset)
                lines.extend(reader)
                assert reader.offset >= offset
                offset = reader.offset
    finally:
        tailer.CHUNK, tailer.WHOLE_READ = saved
    end = content.rfind(b"\n")
    assert lines == (content[:end].split(b"\n") if end >= 0 else []), "the reader yielded other lines than the file's"
    assert offset == end + 1


def run_one(target: str, payload: bytes) -> None:
    if target in LINE_SOURCES:
        fuzz_lines(target, payload)
    elif target == "gemini-document":
        fuzz_gemini_document(payload)
    elif target == "opencode-document":
        fuzz_opencode_document(payload)
    elif target == "opencode-database":
        fuzz_opencode_database(payload)
    elif target in DOCUMENT_READERS:
        fuzz_document(target, payload)
    elif target in _SESSION_TABLES:
        fuzz_session_database(target, payload)
    else:
        fuzz_line_reader(payload)


# ---------------------------------------------------------------------------------------------
# The harness
# ---------------------------------------------------------------------------------------------

class Run:
    def __init__(self, targets: list[str], seconds: float) -> None:
        self.targets = targets
        self.started = time.monotonic()
        self.deadline = self.started + seconds
        self.tried: Counter[str] = Counter()
        self.reported = False

    def one_input(self, data: bytes) -> None:
        if time.monotonic() >= self.deadline:
            self.report()
            os._exit(0)  # libFuzzer's own time limit exits without a word from us: end here, with the figures
        if not data:
            return
        target = self.targets[data[0] % len(self.targets)]
        self.tried[target] += 1
        try:
            run_one(target, data[1:])
        except BaseException:
            print(f"\nCRASH in target {target} after {sum(self.tried.values())} inputs; input: {data[:600]!r}",
                  file=sys.stderr, flush=True)
            self.reported = True  # libFuzzer prints the traceback and writes the crash file
            shutil.rmtree(_SCRATCH, ignore_errors=True)  # libFuzzer exits without running Python's atexit
            raise

    def report(self) -> None:
        shutil.rmtree(_SCRATCH, ignore_errors=True)
        if self.reported:
            return
        self.reported = True
        seconds = time.monotonic() - self.started
        total = sum(self.tried.values())
        per = ", ".join(f"{t} {n}" for t, n in sorted(self.tried.items()))
        print(f"\nfuzz_parsers: engine atheris {version('atheris')}; per target: {per}", flush=True)
        print(f"fuzz_parsers: {total} inputs in {seconds:.1f} s ({total / max(seconds, 1e-9):.0f} exec/s);"
              " crashes: 0", flush=True)


def _seed_corpus(folder: Path, targets: list[str]) -> None:
    for i, target in enumerate(targets):
        for j, seed in enumerate(SEEDS.get(target, [])):
            (folder / f"seed-{target}-{j}").write_bytes(bytes([i]) + seed)


def main(argv: list[str]) -> None:
    cli = argparse.ArgumentParser(description=__doc__, epilog=USAGE,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_argument("--seconds", type=float, default=60.0, help="stop after this long (default 60)")
    cli.add_argument("--target", choices=TARGETS, action="append",
                     help="fuzz only these targets (repeatable; default all)")
    args, rest = cli.parse_known_args(argv[1:])
    global _SCRATCH
    _SCRATCH = Path(tempfile.mkdtemp(prefix="tp-fuzz-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    targets = args.target or TARGETS
    run = Run(targets, args.seconds)
    atexit.register(run.report)  # reached when -atheris_runs or -runs ends the run
    corpus_given = any(not a.startswith("-") for a in rest)
    libfuzzer = [argv[0], f"-max_total_time={int(args.seconds) + 30}", "-max_len=8192", "-rss_limit_mb=4096"]
    dictionary = _SCRATCH / "json.dict"
    dictionary.write_text("".join(f"{json.dumps(token)}\n" for token in DICTIONARY))
    libfuzzer.append(f"-dict={dictionary}")
    if not corpus_given:
        corpus = _SCRATCH / "corpus"
        corpus.mkdir()
        _seed_corpus(corpus, targets)
        rest = [*rest, str(corpus)]
    atheris.Setup(libfuzzer + rest, run.one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
