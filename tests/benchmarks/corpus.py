"""Synthetic Claude Code + Codex log corpus generator with its own ground-truth token totals."""

from __future__ import annotations

import argparse
import base64
import bisect
import json
import math
import os
import random
import string
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------------------

MB = 1_000_000
DAY_MS = 86_400_000
EPOCH = datetime(1970, 1, 1)
CLAUDE_SHARE = 0.85  # fraction of bytes written as Claude Code logs; the rest is Codex
RESUME_RATE = 0.03
AVG_CLAUDE_CALL_BYTES = 22_000  # measured: bytes per Claude API call incl. tool results and sub-agents
AVG_CODEX_CALL_BYTES = 13_000  # measured: bytes per Codex model call

CLAUDE_MAIN_MODELS = (
    ("claude-sonnet-4-5-20250929", 0.58),
    ("claude-opus-4-5-20251101", 0.37),
    ("claude-haiku-4-5-20251001", 0.05),
)
CLAUDE_SUB_MODELS = (
    ("claude-haiku-4-5-20251001", 0.75),
    ("claude-sonnet-4-5-20250929", 0.25),
)
# (version, supports <session>/subagents/ layout, writes 2.1.1xx-style rich usage)
CLAUDE_VERSIONS = (("2.0.76", False, False), ("2.1.17", True, False),
                   ("2.1.59", True, False), ("2.1.114", True, True))
CODEX_MODELS = ("gpt-5.1-codex", "gpt-5-codex", "gpt-5.2-codex", "gpt-5.1-codex-max")
CODEX_VERSIONS = ("0.63.0", "0.66.0", "0.77.0")

ALNUM = string.ascii_letters + string.digits
TOKEN_KEYS = ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens",
              "reasoning_tokens")

# One shared encoder: compact separators and raw UTF-8 like the real writers.
_dumps: Callable[[Any], str] = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


# ---------------------------------------------------------------------------------------------
# Small helpers: ids and time
# ---------------------------------------------------------------------------------------------

def _uuid4(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def _uuid7(rng: random.Random, ms: int) -> str:
    # Codex thread ids are UUIDv7: the first 48 bits are the creation time in ms.
    h = f"{ms:012x}{rng.getrandbits(80):020x}"
    return f"{h[:8]}-{h[8:12]}-7{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


def _b62(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(ALNUM, k=n))


def _iso(ms: int) -> str:
    return (EPOCH + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds") + "Z"


def _day(ms: int) -> str:
    return (EPOCH + timedelta(milliseconds=ms)).date().isoformat()


def _ms_of(d: date) -> int:
    return int((datetime(d.year, d.month, d.day) - EPOCH).total_seconds() * 1000)


def _parse_iso(ts: str) -> int:
    dt = datetime.strptime(ts.rstrip("Z")[:23], "%Y-%m-%dT%H:%M:%S.%f")
    return int((dt - EPOCH).total_seconds() * 1000)


def _clear_midnight(rng: random.Random, ms: int, need_ms: int = 120_000) -> int:
    """Move a usage event group that would straddle UTC midnight to just after it.

    Keeps every line of one API call (and a Codex snapshot's re-emit) on the same UTC day,
    so "which line's timestamp dates the call" never changes the ground truth.
    """
    into_day = ms % DAY_MS
    if into_day > DAY_MS - need_ms:
        return ms - into_day + DAY_MS + rng.randint(300, 20_000)
    return ms


def _think_time(rng: random.Random) -> int:
    """Pause between user prompts; about a fifth outlast the 5-minute cache TTL (median 12 min)."""
    if rng.random() < 0.25:
        return int(rng.lognormvariate(13.5, 1.0))
    return rng.randint(5_000, 240_000)


def _slug(cwd: str) -> str:
    return "".join(c if c.isascii() and c.isalnum() else "-" for c in cwd)


def _weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _tokens(chars: int) -> int:
    return max(1, chars * 10 // 36)  # ~3.6 chars per token for code-ish text


# ---------------------------------------------------------------------------------------------
# Text pool: pre-generated code/prose/base64 that every big field is sliced from (fast)
# ---------------------------------------------------------------------------------------------

_IDENTS = ("user_id", "session", "parse_line", "TokenLedger", "fetch_rows", "self.cache",
           "config", "payload", "résumé_path", "naïve_total", "日志", "данные", "ctx", "buf",
           "offset", "handle_event", "model_id", "req", "resp", "tmp_dir", "watcher")
_WORDS = ("the", "parser", "counts", "tokens", "per", "request", "cache", "read", "write",
          "résumé", "naïve", "café", "über", "straße", "日本語", "テスト", "ошибка", "→", "—",
          "“quoted”", "file", "session", "model", "déjà vu", "emoji 🚀", "✓", "λ", "π≈3.14")
_CODE_TEMPLATES = (
    'def {a}({b}: str, {c}: int = {n}) -> dict[str, Any]:',
    '    """Return the {w} for {w2} — handles “{w3}” and \\"escaped\\" quotes."""',
    '    {a} = {b}.get("{c}", {{}}).get("{w}") or "{w2}"',
    '    if not {a}:\n        raise ValueError(f"missing {{{b}!r}} in {w}")',
    '    path = "C:\\\\Users\\\\dev\\\\{w}\\\\{a}.json"  # windows path with backslashes',
    '    pattern = re.compile(r"^(?P<ts>\\d{{4}}-\\d{{2}}-\\d{{2}})T[^\\s]+\\s+{w}")',
    '\tfor i, line in enumerate({b}):\t# tab-indented {w}',
    '        total += int(row["{c}"]) * {n}  # {w} {w2} {w3}',
    'const {a} = await fetch(`/api/{w}/${{{b}}}`, {{ method: "POST", body: JSON.stringify({c}) }});',
    'export function {a}({b}: string): Promise<void> {{ return {c}.then(() => {{}}); }}',
    'fn {a}(&self, {b}: &str) -> Result<u64, Error> {{ Ok({n}) }} // {w}',
    'func ({a} *Server) {b}(w http.ResponseWriter, r *http.Request) {{ log.Printf("%s {w}", r.URL) }}',
    '# {w} {w2}: {w3} ({n} ms) — TODO(dev): verify “{w}” edge case',
    'ERROR {a}.py:{n} {w2} failed: KeyError(\'{c}\') in {b}',
    '    assert {a}({b}) == {{"{c}": {n}, "{w}": [1, 2, 3]}}, "{w2} mismatch"',
    '    print("{w}\\t{w2}\\n", file=sys.stderr)',
    '  {{"id": {n}, "name": "{w}", "tags": ["{w2}", "{w3}"], "ok": true}},',
    '',
    '}}',
)
_PROSE_TEMPLATES = (
    "I'll look at `{a}` first, then update the {w} handling in `{b}.py`.",
    "The {w} path now counts each request once — {w2} lines are de-duplicated by `{c}`.",
    "- **{w}**: {w2} {w3} ({n} items)\n",
    "Let me run the tests to confirm the {w} change didn't break {w2}.",
    "## Summary\n\nUpdated `{a}` to handle “{w}” and {w3}; all {n} tests pass ✓.",
    "Could you also make the {w} view show {w2} per day? Thanks!",
    "Found it: `{b}` was reading the {w} twice, so totals were {n}% too high.",
)


_TODO_ACK = ("Todos have been modified successfully. Ensure that you continue to use the todo list "
             "to track your progress. Please proceed with the current tasks if applicable")


def _fill(rng: random.Random, template: str) -> str:
    ch = rng.choice
    return template.format(a=ch(_IDENTS), b=ch(_IDENTS), c=ch(_IDENTS), n=rng.randint(0, 9999),
                           w=ch(_WORDS), w2=ch(_WORDS), w3=ch(_WORDS))


class TextPool:
    """Pre-generated text; slices of it fill every large field so generation stays fast."""

    def __init__(self, rng: random.Random, code_lines: int = 40_000) -> None:
        lines = [_fill(rng, rng.choice(_CODE_TEMPLATES)) for _ in range(code_lines)]
        self.code = "".join(line + "\n" for line in lines)
        self.code_off = self._offsets(lines, lambda i, s: len(s) + 1)
        # Claude's Read tool prefixes each line with a right-aligned number and "→".
        numbered = [f"{i + 1:>6}→{s}\n" for i, s in enumerate(lines)]
        self.numbered = "".join(numbered)
        self.num_off = self._offsets(numbered, lambda i, s: len(s))
        sentences = [_fill(rng, rng.choice(_PROSE_TEMPLATES)) + " " for _ in range(8_000)]
        self.prose = "".join(sentences)
        self.prose_off = self._offsets(sentences, lambda i, s: len(s))
        self.b64 = base64.b64encode(rng.randbytes(96_000)).decode()
        self.n_lines = code_lines

    @staticmethod
    def _offsets(items: list[str], size: Callable[[int, str], int]) -> list[int]:
        off, pos = [0], 0
        for i, s in enumerate(items):
            pos += size(i, s)
            off.append(pos)
        return off

    def code_span(self, rng: random.Random, chars: int) -> tuple[int, int]:
        """Line range [a, b) holding about `chars` characters of code."""
        a = rng.randrange(self.n_lines // 2)
        b = bisect.bisect_left(self.code_off, self.code_off[a] + chars, lo=a + 1)
        return a, min(b, self.n_lines)

    def code_text(self, a: int, b: int) -> str:
        return self.code[self.code_off[a]:self.code_off[b]]

    def numbered_text(self, a: int, b: int) -> str:
        return self.numbered[self.num_off[a]:self.num_off[b]]

    def snippet(self, rng: random.Random, chars: int) -> str:
        return self.code_text(*self.code_span(rng, chars))

    def words(self, rng: random.Random, chars: int) -> str:
        """About `chars` characters of prose, starting at a sentence and ending at a word."""
        start = self.prose_off[rng.randrange(len(self.prose_off) // 2)]
        text = self.prose[start:start + chars]
        cut = text.rfind(" ")
        return text[:cut] if cut > 0 else text

    def blob(self, rng: random.Random, chars: int) -> str:
        start = rng.randrange(max(1, len(self.b64) - chars))
        return self.b64[start:start + chars]


# ---------------------------------------------------------------------------------------------
# Ground truth
# ---------------------------------------------------------------------------------------------

@dataclass
class Ledger:
    """Ground-truth token totals per (UTC day, source, model); each real API call added once."""

    rows: dict[tuple[str, str, str], dict[str, int]] = field(default_factory=dict)

    def add(self, day: str, source: str, model: str, inp: int, cache_write: int,
            cache_read: int, out: int, reasoning: int = 0) -> None:
        row = self.rows.setdefault((day, source, model), dict.fromkeys(("calls",) + TOKEN_KEYS, 0))
        row["calls"] += 1
        row["input_tokens"] += inp
        row["cache_write_tokens"] += cache_write
        row["cache_read_tokens"] += cache_read
        row["output_tokens"] += out
        row["reasoning_tokens"] += reasoning

    def report(self, total_bytes: int, files: int) -> dict[str, Any]:
        by_day: list[dict[str, Any]] = [{"date": d, "source": s, "model": m, **v}
                                        for (d, s, m), v in sorted(self.rows.items())]
        totals = {k: sum(v[k] for v in self.rows.values()) for k in ("calls",) + TOKEN_KEYS}
        return {"by_day": by_day, "totals": totals, "bytes": total_bytes, "files": files}

    @classmethod
    def from_report(cls, report: dict[str, Any]) -> Ledger:
        ledger = cls()
        for r in report["by_day"]:
            ledger.rows[(r["date"], r["source"], r["model"])] = {
                k: r[k] for k in ("calls",) + TOKEN_KEYS}
        return ledger


# ---------------------------------------------------------------------------------------------
# Shared generator state
# ---------------------------------------------------------------------------------------------

class Corpus:
    """State shared by all session writers: rng, text pool, ledger, byte/file counters."""

    def __init__(self, out_dir: Path, seed: int, start: date, days: int, size_bytes: int) -> None:
        self.out = out_dir
        self.claude_target = int(size_bytes * CLAUDE_SHARE)
        self.codex_target = size_bytes - self.claude_target
        self.rng = random.Random(seed)
        self.pool = TextPool(random.Random(seed ^ 0x5EED))
        self.ledger = Ledger()
        self.bytes = {"claude": 0, "codex": 0}
        self.files = 0
        self.t0 = _ms_of(start)
        self.t_end = self.t0 + days * DAY_MS
        self.days = days
        # the longest sessions drawn (calls; a log-uniform draw from 5): shorter ones make more, smaller files
        self.longest = {"claude": 200.0, "codex": 150.0}

    def open(self, path: Path, kind: str) -> LineFile:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.files += 1
        return LineFile(self, path, kind)

    def write_small(self, path: Path, text: str, kind: str) -> None:
        data = text.encode()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files += 1
        self.bytes[kind] += len(data)

    def session_start(self, i: int, salt: float) -> int:
        """Spread sessions evenly over the window (golden-ratio sequence) at daytime-ish hours."""
        rng = self.rng
        u = (salt + i * 0.6180339887498949) % 1.0
        day = min(self.days - 1, int(u * self.days))
        hour = rng.choices(range(24), weights=[1, 1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 10, 8, 9,
                                               10, 10, 9, 8, 6, 5, 5, 4, 4, 6])[0]
        start = self.t0 + day * DAY_MS + hour * 3_600_000 + rng.randrange(3_600_000)
        if start > self.t_end - 3 * 3_600_000:  # leave room to finish inside the window
            start = self.t_end - 3 * 3_600_000 - rng.randrange(6 * 3_600_000)
        return max(self.t0, start)

    def open_for(self, now_ms: int, calls_done: int, kind: str) -> bool:
        """May a session make another call? Always up to 5 calls; never past the window end."""
        if now_ms >= self.t_end - 600_000:
            return False
        return calls_done < 5 or self.bytes[kind] < (self.claude_target if kind == "claude"
                                                     else self.codex_target)


class LineFile:
    """A JSONL file being written; counts bytes into the corpus and can capture its lines."""

    def __init__(self, corpus: Corpus, path: Path, kind: str) -> None:
        self.corpus, self.path, self.kind = corpus, path, kind
        # Kept open across many emit() calls; closed by close() when the session ends.
        self.fh = open(path, "wb", buffering=1 << 20)  # noqa: SIM115
        self.capture: list[bytes] | None = None

    def emit(self, obj: dict[str, Any], replayable: bool = False) -> None:
        data = (_dumps(obj) + "\n").encode()
        self.fh.write(data)
        self.corpus.bytes[self.kind] += len(data)
        if replayable and self.capture is not None:
            self.capture.append(data)

    def raw(self, data: bytes) -> None:
        self.fh.write(data)
        self.corpus.bytes[self.kind] += len(data)

    def close(self) -> None:
        self.fh.close()


# ---------------------------------------------------------------------------------------------
# Claude Code
# ---------------------------------------------------------------------------------------------

@dataclass
class ClaudeCall:
    """Usage of one API call (one message.id + requestId)."""

    input_tokens: int
    cache_5m: int
    cache_1h: int
    cache_read: int
    output_tokens: int

    @property
    def cache_write(self) -> int:
        return self.cache_5m + self.cache_1h


def claude_usage(c: ClaudeCall, output: int, rich: bool) -> dict[str, Any]:
    """The `message.usage` object; never any null (ccusage drops lines with nulls)."""
    usage: dict[str, Any] = {
        "input_tokens": c.input_tokens,
        "cache_creation_input_tokens": c.cache_write,
        "cache_read_input_tokens": c.cache_read,
        "cache_creation": {"ephemeral_5m_input_tokens": c.cache_5m,
                           "ephemeral_1h_input_tokens": c.cache_1h},
        "output_tokens": output,
        "service_tier": "standard",
    }
    if rich:  # Claude Code 2.1.1xx adds these; iterations[] restates the same usage
        usage["server_tool_use"] = {"web_search_requests": 0, "web_fetch_requests": 0}
        usage["inference_geo"] = ""
        usage["iterations"] = [{
            "input_tokens": c.input_tokens, "output_tokens": output,
            "cache_read_input_tokens": c.cache_read,
            "cache_creation_input_tokens": c.cache_write,
            "cache_creation": {"ephemeral_5m_input_tokens": c.cache_5m,
                               "ephemeral_1h_input_tokens": c.cache_1h},
            "type": "message"}]
        usage["speed"] = "standard"
    return usage


@dataclass
class ClaudeProject:
    cwd: str
    branch: str


class ClaudeSession:
    """Writes one Claude Code transcript (main session or sub-agent) and books its calls."""

    TOOLS = (("Read", 30), ("Bash", 25), ("Edit", 15), ("Grep", 8), ("Glob", 5),
             ("Write", 6), ("TodoWrite", 5), ("Task", 6))

    def __init__(self, corpus: Corpus, path: Path, project: ClaudeProject, session_id: str,
                 version: tuple[str, bool, bool], model: str, now_ms: int, max_calls: int,
                 agent_id: str | None = None) -> None:
        self.c, self.rng, self.pool = corpus, corpus.rng, corpus.pool
        self.file = corpus.open(path, "claude")
        self.project, self.session_id, self.model = project, session_id, model
        self.version, self.subagent_layout, self.rich = version
        self.agent_id = agent_id
        self.now = now_ms
        self.calls_left = max_calls
        self.calls_done = 0
        self.subagents_left = self.rng.choice((0, 0, 1, 1, 2, 3)) if agent_id is None else 0
        self.parent_uuid: str | None = None
        self.ttl_1h = self.rng.random() < (0.6 if self.rich else 0.25)
        self.context = 0  # tokens of the cached prefix after the last call
        self.pending = 0  # tokens added to the conversation since the last call
        self.last_call_ms = 0
        self.last_call: ClaudeCall | None = None
        self.tool_uses = 0
        self.env: dict[str, Any] = {
            "isSidechain": agent_id is not None, "userType": "external", "cwd": project.cwd,
            "sessionId": session_id, "version": self.version, "gitBranch": project.branch}
        if agent_id is not None:
            self.env["agentId"] = agent_id
        self.extra: dict[str, Any] = {"entrypoint": "cli"} if self.rich and agent_id is None else {}

    # -- line builders ---------------------------------------------------------------------

    def _line(self, kind: str, body: dict[str, Any], replayable: bool = True,
              request_id: str | None = None, **after: Any) -> str:
        uid = _uuid4(self.rng)
        obj: dict[str, Any] = {"parentUuid": self.parent_uuid, **self.env}
        if request_id is None:
            obj.update(type=kind, **body)
        else:  # the real writer puts message and requestId before type on assistant lines
            obj.update(body, requestId=request_id, type=kind)
        obj.update(uuid=uid, timestamp=_iso(self.now), **after, **self.extra)
        self.file.emit(obj, replayable)
        self.parent_uuid = uid
        return uid

    def _tick(self, lo_ms: int, hi_ms: int) -> None:
        self.now += self.rng.randint(lo_ms, hi_ms)

    # -- conversation pieces ---------------------------------------------------------------

    def summary_lines(self) -> None:
        for _ in range(self.rng.randint(1, 2)):
            self.file.emit({"type": "summary", "summary": self.pool.words(self.rng, 60).strip(),
                            "leafUuid": _uuid4(self.rng)})

    def user_prompt(self) -> None:
        rng = self.rng
        if self.agent_id is None and self.version != "2.0.76":
            mid = _uuid4(rng)
            self.file.emit({"type": "file-history-snapshot", "messageId": mid, "snapshot": {
                "messageId": mid, "trackedFileBackups": {}, "timestamp": _iso(self.now)},
                "isSnapshotUpdate": False})
        text = self.pool.words(rng, rng.randint(40, 1200))
        if rng.random() < 0.15:  # pasted stack trace / code
            text += "\n\n```\n" + self.pool.snippet(rng, rng.randint(1000, 8000)) + "```"
        self._line("user", {"message": {"role": "user", "content": text}})
        self.pending += _tokens(len(text))

    def api_error(self) -> None:
        """Locally generated error reply: model <synthetic>, zero usage, no requestId; not a call."""
        rng = self.rng
        message = {"id": _uuid4(rng), "type": "message", "role": "assistant", "model": "<synthetic>",
                   "content": [{"type": "text", "text": "API Error: 529 {\"type\":\"error\",\"error\":"
                                "{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"}],
                   "stop_reason": "stop_sequence", "stop_sequence": "",
                   "usage": claude_usage(ClaudeCall(0, 0, 0, 0, 0), 0, False)}
        self._line("assistant", {"message": message}, replayable=False, isApiErrorMessage=True)
        self._tick(2000, 30_000)

    def system_line(self, subtype: str, **fields: Any) -> None:
        self._line("system", {"subtype": subtype, **fields, "isMeta": False}, replayable=False)

    def _new_call(self) -> ClaudeCall:
        """Usage of the next call: cache_read = previous context, cache_creation = new part."""
        rng = self.rng
        expired = self.now - self.last_call_ms > (3_600_000 if self.ttl_1h else 300_000)
        if self.context == 0 or expired:
            system_prompt = rng.randint(9_000, 26_000)
            cache_read = system_prompt if rng.random() < 0.6 else 0
            cache_write = max(0, self.context + self.pending + system_prompt * (self.context == 0)
                              - cache_read)
        else:
            cache_read = self.context
            cache_write = self.pending
        inp = rng.randint(1, 20) if rng.random() < 0.97 else rng.randint(50, 4000)
        c1h = cache_write if self.ttl_1h else 0
        if rng.random() < 0.05:  # occasional split between the two TTL buckets
            c1h = rng.randint(0, cache_write)
        out = min(16_000, max(8, int(rng.lognormvariate(5.3, 1.0))))
        call = ClaudeCall(inp, cache_write - c1h, c1h, cache_read, out)
        self.context = cache_read + cache_write + inp
        self.pending = out
        self.last_call_ms = self.now
        return call

    def _content_blocks(self, final: bool) -> list[dict[str, Any]]:
        rng, pool = self.rng, self.pool
        blocks: list[dict[str, Any]] = []
        if rng.random() < 0.35:
            thinking = "" if self.rich else pool.words(rng, rng.randint(200, 3000))
            blocks.append({"type": "thinking", "thinking": thinking,
                           "signature": pool.blob(rng, rng.randint(300, 2500))})
        if final or rng.random() < 0.5:
            blocks.append({"type": "text", "text": pool.words(rng, rng.randint(60, 2500))})
        if not final:
            n_tools = rng.choice((1, 1, 1, 2, 3))
            for _ in range(min(n_tools, 4 - len(blocks)) or 1):
                blocks.append(self._tool_use())
        return blocks[-4:]

    def _tool_use(self) -> dict[str, Any]:
        rng = self.rng
        tools = self.TOOLS if self.subagents_left > 0 and self.subagent_layout else self.TOOLS[:-1]
        name = rng.choices([t for t, _ in tools], weights=[w for _, w in tools])[0]
        return {"type": "tool_use", "id": "toolu_01" + _b62(rng, 22), "name": name,
                "input": self._tool_input(name)}

    def _tool_input(self, name: str) -> dict[str, Any]:
        rng, pool, cwd = self.rng, self.pool, self.project.cwd
        path = f"{cwd}/src/{rng.choice(_IDENTS)}_{rng.randint(1, 99)}.py"
        if name == "Read":
            return {"file_path": path}
        if name == "Bash":
            return {"command": f'pytest -q tests/{rng.choice(_IDENTS)} -k "{rng.choice(_WORDS)}"',
                    "description": "Run the affected tests"}
        if name == "Edit":
            return {"file_path": path, "old_string": pool.snippet(rng, rng.randint(80, 1500)),
                    "new_string": pool.snippet(rng, rng.randint(80, 1500))}
        if name == "Grep":
            return {"pattern": rf"def {rng.choice(_IDENTS)}\(", "path": cwd,
                    "output_mode": "files_with_matches"}
        if name == "Glob":
            return {"pattern": "**/*.py"}
        if name == "Write":
            return {"file_path": path, "content": pool.snippet(rng, rng.randint(1500, 9000))}
        if name == "TodoWrite":
            todos = [{"content": pool.words(rng, 50).strip(), "status": status, "activeForm": "Working"}
                     for status in ("completed", "in_progress", "pending")]
            return {"todos": todos}
        return {"description": "Explore the codebase", "prompt": pool.words(rng, rng.randint(200, 1500)),
                "subagent_type": rng.choice(("Explore", "general-purpose"))}

    def api_call(self, final: bool) -> list[dict[str, Any]]:
        """One API response: 1-4 streaming lines sharing message.id/requestId; returns tool_uses."""
        rng = self.rng
        self.now = _clear_midnight(rng, self.now)
        day = _day(self.now)  # every line of the call stays on this UTC day
        call = self._new_call()
        blocks = self._content_blocks(final)
        outs = sorted(rng.randint(1, call.output_tokens - 1) for _ in blocks[1:]) + [call.output_tokens]
        msg_id, req_id = "msg_01" + _b62(rng, 22), "req_011C" + _b62(rng, 20)
        stop = "tool_use" if blocks[-1]["type"] == "tool_use" else "end_turn"
        for i, (block, out) in enumerate(zip(blocks, outs, strict=True)):
            last = i == len(blocks) - 1
            message = {"id": msg_id, "type": "message", "role": "assistant", "model": self.model,
                       "content": [block], "stop_reason": stop if last and rng.random() < 0.5 else None,
                       "stop_sequence": None, "usage": claude_usage(call, out, self.rich)}
            self._line("assistant", {"message": message}, request_id=req_id)
            self._tick(150, 2500)
        self.c.ledger.add(day, "claude-code", self.model, call.input_tokens,
                          call.cache_write, call.cache_read, call.output_tokens)
        self.last_call = call
        self.calls_done += 1
        self.calls_left -= 1
        return [b for b in blocks if b["type"] == "tool_use"]

    def tool_result(self, tool_use: dict[str, Any]) -> None:
        self._tick(30, 4000)
        content, extra = self._tool_output(tool_use)
        result: dict[str, Any] = {"tool_use_id": tool_use["id"], "type": "tool_result", "content": content}
        if tool_use["name"] == "Bash":
            result["is_error"] = False
        size = len(content) if isinstance(content, str) else sum(len(c["text"]) for c in content)
        self.pending += _tokens(size)
        self._line("user", {"message": {"role": "user", "content": [result]}},
                   toolUseResult=extra, sourceToolAssistantUUID=self.parent_uuid)
        self.tool_uses += 1

    def _big_size(self) -> int:
        # Half the results are small, the rest 2-40 KB log-uniform: most bytes live here.
        rng = self.rng
        if rng.random() < 0.45:
            return rng.randint(150, 2000)
        return int(math.exp(rng.uniform(math.log(2000), math.log(40_000))))

    def _tool_output(self, tu: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        rng, pool, name, inp = self.rng, self.pool, tu["name"], tu["input"]
        if name == "Read":
            a, b = pool.code_span(rng, self._big_size())
            raw = pool.code_text(a, b)
            return pool.numbered_text(a, b), {"type": "text", "file": {
                "filePath": inp["file_path"], "content": raw, "numLines": b - a,
                "startLine": a + 1, "totalLines": b + rng.randint(0, 400)}}
        if name == "Bash":
            out = pool.snippet(rng, self._big_size())
            return out, {"stdout": out, "stderr": "", "interrupted": False, "isImage": False}
        if name == "Edit":
            original = pool.snippet(rng, self._big_size())
            return (f"The file {inp['file_path']} has been updated. Here's the result of running `cat -n` "
                    f"on a snippet of the edited file:\n" + pool.numbered_text(*pool.code_span(rng, 600)),
                    {"filePath": inp["file_path"], "oldString": inp["old_string"],
                     "newString": inp["new_string"], "originalFile": original,
                     "structuredPatch": [{
                         "oldStart": 10, "oldLines": 3, "newStart": 10, "newLines": 4,
                         "lines": ["-" + inp["old_string"][:80], "+" + inp["new_string"][:80]]}],
                     "userModified": False, "replaceAll": False})
        if name in ("Grep", "Glob"):
            files = [f"{self.project.cwd}/src/{rng.choice(_IDENTS)}_{i}.py"
                     for i in range(rng.randint(1, 60))]
            return "\n".join(files), {"mode": "files_with_matches", "filenames": files,
                                      "numFiles": len(files), "durationMs": rng.randint(5, 900)}
        if name == "Write":
            return (f"File created successfully at: {inp['file_path']}",
                    {"type": "create", "filePath": inp["file_path"], "content": inp["content"],
                     "structuredPatch": []})
        if name == "TodoWrite":
            return (_TODO_ACK, {"oldTodos": [], "newTodos": inp["todos"]})
        return self._run_subagent(inp)

    def _run_subagent(self, inp: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """Task tool: write a sub-agent transcript under <session>/subagents/ and return its report."""
        rng = self.rng
        self.subagents_left -= 1
        agent_id = f"a{rng.getrandbits(64):016x}"  # 17 hex chars like Claude Code 2.1.x
        folder = self.file.path.with_suffix("") / "subagents"
        self.c.write_small(folder / f"agent-{agent_id}.meta.json", _dumps(
            {"agentType": inp["subagent_type"], "description": inp["description"]}), "claude")
        sub = ClaudeSession(self.c, folder / f"agent-{agent_id}.jsonl", self.project, self.session_id,
                            (self.version, self.subagent_layout, self.rich),
                            _weighted(rng, CLAUDE_SUB_MODELS), self.now + rng.randint(200, 900),
                            rng.randint(3, 25), agent_id=agent_id)
        started = self.now
        sub.run_agent(inp["prompt"])
        self.now = sub.now + rng.randint(100, 900)
        report = sub.final_text
        usage = claude_usage(sub.last_call, sub.last_call.output_tokens, self.rich) if sub.last_call else {}
        text = [{"type": "text", "text": report},
                {"type": "text", "text": f"agentId: {agent_id} (use SendMessage with to: '{agent_id}' "
                                         "to continue this agent)"}]
        extra = {"status": "completed", "prompt": inp["prompt"], "agentId": agent_id,
                 "content": text[:1], "totalDurationMs": self.now - started,
                 "totalTokens": sum(usage.get(k, 0) for k in ("input_tokens", "cache_creation_input_tokens",
                                                              "cache_read_input_tokens", "output_tokens")),
                 "totalToolUseCount": sub.tool_uses, "usage": usage}
        return text, extra

    # -- drivers ---------------------------------------------------------------------------

    def _budget_left(self) -> bool:
        return self.calls_left > 0 and self.c.open_for(self.now, self.calls_done, "claude")

    def turn(self) -> None:
        """A user prompt followed by tool-using calls and a final text answer."""
        rng = self.rng
        if self.agent_id is None and rng.random() < 0.02:
            # /model switch: later calls bill the new model and its cache starts cold
            self.model, self.context = _weighted(rng, CLAUDE_MAIN_MODELS), 0
        self.user_prompt()
        self._tick(1500, 20_000)
        if rng.random() < 0.01:
            self.api_error()
        steps = rng.randint(1, 12)
        for step in range(steps):
            final = step == steps - 1 or self.calls_left <= 1
            tool_uses = self.api_call(final)
            for tu in tool_uses:
                self.tool_result(tu)
            if not self._budget_left() or final:
                break
            self._tick(800, 12_000)
        if self.context > 165_000 and self.agent_id is None:
            self._compact()
        if self.rich and self.agent_id is None:
            self.system_line("turn_duration", durationMs=rng.randint(5_000, 600_000),
                             messageCount=rng.randint(2, 80))

    def _compact(self) -> None:
        """Auto-compaction: boundary + summary lines (no usage), then a fresh, smaller context."""
        rng = self.rng
        self._tick(2000, 30_000)
        self.system_line("compact_boundary", content="Conversation compacted", level="info",
                         compactMetadata={"trigger": "auto", "preTokens": self.context})
        summary = self.pool.words(rng, rng.randint(4000, 15_000))
        self._line("user", {"message": {"role": "user", "content": summary}}, isCompactSummary=True)
        self.context, self.pending = 0, _tokens(len(summary))

    def run_main(self, with_summary: bool) -> None:
        rng = self.rng
        if with_summary:
            self.summary_lines()
        while self._budget_left():
            self.turn()
            self.now += _think_time(rng)
        self.file.close()

    def run_agent(self, prompt: str) -> None:
        self._line("user", {"message": {"role": "user", "content": prompt}})
        self.pending += _tokens(len(prompt))
        self._tick(1000, 5000)
        while self.calls_left > 0 and self.now < self.c.t_end - 600_000:
            final = self.calls_left == 1  # sub-agents finish their task even past the byte budget
            for tu in self.api_call(final):
                self.tool_result(tu)
            if final:
                break
            self._tick(500, 6000)
        self.final_text = self.pool.words(self.rng, self.rng.randint(300, 3000))
        self.file.close()


def _claude_projects(rng: random.Random, n: int) -> list[ClaudeProject]:
    homes = ("/home/dev/src", "/Users/alice/work", "/Users/José/Projets", "/home/dev/code/my_org")
    names = ("tokenpulse", "api.server", "web-app", "data_pipeline", "infra", "mobile app",
             "ml-exp", "café-pos", "docs.site", "cli_tool", "payments", "search")
    out = []
    for i in range(n):
        cwd = f"{rng.choice(homes)}/{names[i % len(names)]}{'' if i < len(names) else f'-{i}'}"
        out.append(ClaudeProject(cwd, rng.choice(("main", "master", "feature/ledger", "fix/cache-ttl", ""))))
    return out


def _generate_claude(c: Corpus, n_projects: int) -> None:
    rng = c.rng
    projects = _claude_projects(rng, n_projects)
    weights = [1 / (i + 1) for i in range(n_projects)]  # a few busy projects, a long tail
    cap = max(5, int(c.claude_target / 6 / AVG_CLAUDE_CALL_BYTES))  # small corpora: several files
    prev: tuple[ClaudeSession, list[bytes]] | None = None  # session the next one resumes
    i = 0
    while c.bytes["claude"] < c.claude_target:
        start = c.session_start(i, 0.11)
        project = rng.choices(projects, weights=weights)[0]
        version = rng.choices(CLAUDE_VERSIONS, weights=(2, 3, 3, 4))[0]
        model = _weighted(rng, CLAUDE_MAIN_MODELS)
        if prev is not None:  # claude --resume: same project/model, later, new file
            old = prev[0]
            project, model = old.project, old.model
            version = (old.version, old.subagent_layout, old.rich)
            start = max(old.now + 60_000, min(old.now + rng.randint(60_000, 36 * 3_600_000),
                                              c.t_end - 3 * 3_600_000))
        calls = min(cap, int(math.exp(rng.uniform(math.log(5), math.log(c.longest["claude"])))))
        sid = _uuid4(rng)
        path = c.out / "claude" / "projects" / _slug(project.cwd) / f"{sid}.jsonl"
        s = ClaudeSession(c, path, project, sid, version, model, start, calls)
        if prev is not None:
            _replay_into(s, *prev)
        # Decide now whether the next session resumes this one, so only its lines are kept.
        # A fixed cadence (sessions 2, 35, 68, ...) keeps the rate at 3 % even for small corpora.
        resumable = int((i + 32) * RESUME_RATE) > int((i + 31) * RESUME_RATE) and start < c.t_end - 3 * DAY_MS
        s.file.capture = [] if resumable else None
        s.run_main(with_summary=rng.random() < 0.15 and prev is None)
        prev = (s, s.file.capture) if resumable and s.file.capture else None
        i += 1


def _replay_into(s: ClaudeSession, old: ClaudeSession, replay: list[bytes]) -> None:
    """claude --resume: the new file starts with the old session's lines verbatim.

    Half the copies carry the new sessionId (so per-session dedupe is not enough); ids,
    usage and timestamps are always the original ones.
    """
    rewrite = s.rng.random() < 0.5
    old_sid, new_sid = f'"sessionId":"{old.session_id}"'.encode(), f'"sessionId":"{s.session_id}"'.encode()
    for data in replay:
        s.file.raw(data.replace(old_sid, new_sid) if rewrite else data)
    s.parent_uuid = old.parent_uuid
    s.context, s.pending, s.last_call_ms = old.context, old.pending, old.last_call_ms
    s.ttl_1h = old.ttl_1h


# ---------------------------------------------------------------------------------------------
# Codex
# ---------------------------------------------------------------------------------------------

def _codex_usage(inp: int, cached: int, out: int, reasoning: int) -> dict[str, int]:
    return {"input_tokens": inp, "cached_input_tokens": cached, "output_tokens": out,
            "reasoning_output_tokens": reasoning, "total_tokens": inp + out}


class CodexSession:
    """Writes one Codex rollout file with cumulative token_count snapshots (each re-emitted)."""

    def __init__(self, c: Corpus, start_ms: int, cwd: str, model: str, max_calls: int) -> None:
        self.c, self.rng, self.pool = c, c.rng, c.pool
        self.now = start_ms
        self.cwd, self.model = cwd, model
        self.calls_left, self.calls_done = max_calls, 0
        self.thread_id = _uuid7(self.rng, start_ms)
        stamp = (EPOCH + timedelta(milliseconds=start_ms)).strftime("%Y-%m-%dT%H-%M-%S")
        folder = c.out / "codex" / "sessions" / stamp[:4] / stamp[5:7] / stamp[8:10]
        self.file = c.open(folder / f"rollout-{stamp}-{self.thread_id}.jsonl", "codex")
        self.total = [0, 0, 0, 0]  # input, cached, output, reasoning
        self.pending: dict[str, Any] | None = None  # last snapshot's info, awaiting re-emit
        self.context = self.rng.randint(3_000, 9_000)
        self.rate = [self.rng.uniform(0, 30), self.rng.uniform(0, 60)]
        self.effort = self.rng.choice(("low", "medium", "medium", "high"))
        self.cached_base = 0  # prompt size of the previous request (what the cache can hold)

    def _emit(self, kind: str, payload: dict[str, Any]) -> None:
        self.file.emit({"timestamp": _iso(self.now), "type": kind, "payload": payload})

    def _tick(self, lo: int, hi: int) -> None:
        self.now += self.rng.randint(lo, hi)

    def _rate_limits(self) -> dict[str, Any]:
        reset = self.now // 1000
        return {"primary": {"used_percent": round(self.rate[0], 1), "window_minutes": 300,
                            "resets_at": reset + 9_000},
                "secondary": {"used_percent": round(self.rate[1], 1), "window_minutes": 10080,
                              "resets_at": reset + 400_000},
                "credits": {"has_credits": False, "unlimited": False, "balance": None}, "plan_type": None}

    def meta(self) -> None:
        rng = self.rng
        self._emit("session_meta", {
            "id": self.thread_id, "timestamp": _iso(self.now), "cwd": self.cwd,
            "originator": "codex_cli_rs", "cli_version": rng.choice(CODEX_VERSIONS),
            "instructions": None, "source": "cli", "model_provider": "openai",
            "git": {"commit_hash": f"{rng.getrandbits(160):040x}", "branch": "main"}})
        env = (f"<environment_context>\n  <cwd>{self.cwd}</cwd>\n"
               "  <approval_policy>on-request</approval_policy>\n"
               "  <sandbox_mode>workspace-write</sandbox_mode>\n"
               "  <network_access>restricted</network_access>\n"
               "  <shell>zsh</shell>\n</environment_context>")
        self._emit("response_item", {"type": "message", "role": "user",
                                     "content": [{"type": "input_text", "text": env}]})

    def turn_context(self) -> None:
        self._emit("turn_context", {
            "cwd": self.cwd, "approval_policy": "on-request",
            "sandbox_policy": {"type": "workspace-write", "network_access": False,
                               "exclude_tmpdir_env_var": False, "exclude_slash_tmp": False},
            "model": self.model, "effort": self.effort, "summary": "auto"})

    def _token_count(self, info: dict[str, Any] | None) -> None:
        self._emit("event_msg", {"type": "token_count", "info": info, "rate_limits": self._rate_limits()})

    def _reemit(self) -> None:
        """Codex writes every snapshot again (same total and last) about a second later."""
        if self.pending is not None:
            self.now += self.rng.randint(600, 1200)
            self._token_count(self.pending)
            self.pending = None

    def model_call(self, final: bool) -> None:
        """One model request; its snapshot is re-emitted after the next turn_context."""
        rng, pool = self.rng, self.pool
        # The snapshot and its re-emit (< 20 s later) must fall on the same UTC day.
        self.now = _clear_midnight(rng, self.now)
        self._tick(1500, 9000)
        if rng.random() < 0.7:
            summary = pool.words(rng, rng.randint(40, 600))
            self._emit("event_msg", {"type": "agent_reasoning", "text": summary})
            self._emit("response_item", {
                "type": "reasoning", "summary": [{"type": "summary_text", "text": summary}],
                "content": None, "encrypted_content": "gAAAAA" + pool.blob(rng, rng.randint(600, 4000))})
        if final:
            text = pool.words(rng, rng.randint(80, 2500))
            self._emit("event_msg", {"type": "agent_message", "message": text})
            self._emit("response_item", {"type": "message", "role": "assistant",
                                         "content": [{"type": "output_text", "text": text}]})
            self._snapshot()
            self._reemit()  # end of turn: the re-send comes without a new turn_context
        else:
            call_id = "call_" + _b62(rng, 24)
            args = _dumps({"command": f"rg -n \"{rng.choice(_IDENTS)}\" src", "workdir": self.cwd})
            self._emit("response_item", {"type": "function_call", "name": "shell_command",
                                         "arguments": args, "call_id": call_id})
            self._snapshot()
            self._tick(50, 3000)
            self._tool_output(call_id)
            self._tick(5, 200)
            self.turn_context()  # context for the next request of this turn
            self._reemit()
        self.calls_left -= 1
        self.calls_done += 1

    def _tool_output(self, call_id: str) -> None:
        rng = self.rng
        out = self.pool.snippet(rng, self._output_size())
        text = f"Exit code: 0\nWall time: {rng.uniform(0.05, 9):.1f} seconds\nOutput:\n{out}"
        if rng.random() < 0.3:  # newer builds wrap the output in JSON
            text = _dumps({"output": out, "metadata": {"exit_code": 0, "duration_seconds": 0.4}})
        self._emit("response_item", {"type": "function_call_output", "call_id": call_id, "output": text})
        self.context += _tokens(len(out))

    def _output_size(self) -> int:
        rng = self.rng
        if rng.random() < 0.4:
            return rng.randint(100, 2000)
        return int(math.exp(rng.uniform(math.log(2000), math.log(40_000))))

    def _snapshot(self) -> None:
        """A new token_count: last = this call, total = running sum; booked once in the ledger."""
        rng = self.rng
        inp = self.context
        # Cached = previous prompt rounded down to 128 tokens, unless the cache was missed.
        cached = 0 if rng.random() < 0.05 else min(inp, self.cached_base // 128 * 128)
        out = min(12_000, max(10, int(rng.lognormvariate(5.0, 1.1))))
        reasoning = min(out, rng.randrange(0, out + 1, 64) if rng.random() < 0.6 else 0)
        last = [inp, cached, out, reasoning]
        self.total = [t + x for t, x in zip(self.total, last, strict=True)]
        info = {"total_token_usage": _codex_usage(*self.total), "last_token_usage": _codex_usage(*last),
                "model_context_window": 258400}
        self.rate[0] = min(100.0, self.rate[0] + rng.uniform(0, 0.3))
        self._token_count(info)
        self.pending = info
        self.c.ledger.add(_day(self.now), "codex", self.model, inp - cached, 0, cached, out, reasoning)
        self.cached_base = inp
        self.context += out
        if self.context > 230_000:  # auto-compaction shrinks the next prompt
            self._emit("event_msg", {"type": "context_compacted"})
            self.context = rng.randint(15_000, 30_000)
            self.cached_base = 0

    def run(self) -> None:
        rng = self.rng
        self.meta()
        first = True
        while self.calls_left > 0 and self.c.open_for(self.now, self.calls_done, "codex"):
            prompt = self.pool.words(rng, rng.randint(30, 900))
            self._emit("response_item", {"type": "message", "role": "user",
                                         "content": [{"type": "input_text", "text": prompt}]})
            self._emit("event_msg", {"type": "user_message", "message": prompt, "images": []})
            self.context += _tokens(len(prompt))
            self.turn_context()
            if first:  # first event of a rollout carries rate limits only
                self._tick(500, 5000)
                self._token_count(None)
                first = False
            steps = rng.randint(1, 10)
            for step in range(steps):
                final = step == steps - 1 or self.calls_left <= 1
                self.model_call(final)
                if final:
                    break
            if rng.random() < 0.05:  # /model switch between turns (attribution is per turn)
                self.model = rng.choice(CODEX_MODELS)
            self.now += _think_time(rng)
        self.file.close()


def _generate_codex(c: Corpus, n_projects: int) -> None:
    rng = c.rng
    cwds = [f"/home/dev/src/{name}" for name in ("tokenpulse", "api.server", "web-app", "infra", "ml_exp",
                                                 "cli-tool", "docs", "payments")][:max(2, n_projects)]
    cap = max(5, int(c.codex_target / 4 / AVG_CODEX_CALL_BYTES))
    i = 0
    while c.bytes["codex"] < c.codex_target:
        calls = min(cap, int(math.exp(rng.uniform(math.log(5), math.log(c.longest["codex"])))))
        CodexSession(c, c.session_start(i, 0.37), rng.choice(cwds), rng.choice(CODEX_MODELS), calls).run()
        i += 1


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------

def generate(out_dir: Path, size_mb: float, seed: int = 42, start: date = date(2026, 1, 1),
             days: int = 60, session_scale: float = 1.0) -> dict[str, Any]:
    """Write a corpus of about `size_mb` MB (10^6 bytes) under out_dir; return expected totals.

    `session_scale` scales the longest sessions drawn (1.0: up to 200 Claude Code and 150 Codex calls); below 1
    the same bytes come in more, shorter logs (at 500 MB: 0.12 gives 2,130 logs, 1.0 gives 639).

    Layout: out_dir/claude/projects/... (CLAUDE_CONFIG_DIR) and out_dir/codex/sessions/...
    (CODEX_HOME); the totals are also written to out_dir/expected.json.
    """
    out_dir = Path(out_dir)
    for sub in ("claude", "codex"):
        if (out_dir / sub).exists() and any((out_dir / sub).iterdir()):
            raise FileExistsError(f"{out_dir / sub} is not empty; generate into a fresh directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    c = Corpus(out_dir, seed, start, days, int(size_mb * MB))
    c.longest = {k: max(6.0, v * session_scale) for k, v in c.longest.items()}
    n_projects = int(min(40, max(3, 2 + math.sqrt(size_mb))))
    _generate_claude(c, n_projects)
    _generate_codex(c, n_projects)
    report = c.ledger.report(c.bytes["claude"] + c.bytes["codex"], c.files)
    (out_dir / "expected.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def _tail_lines(path: Path, max_bytes: int = 1 << 20) -> list[dict[str, Any]]:
    with open(path, "rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        fh.seek(max(0, size - max_bytes))
        chunk = fh.read()
    lines = chunk.split(b"\n")[1:] if size > max_bytes else chunk.split(b"\n")
    out = []
    for raw in lines:
        try:
            out.append(json.loads(raw))
        except ValueError:
            continue
    return out


def append_turn(out_dir: Path, seed: int = 7) -> dict[str, Any]:
    """Append one complete API call (a user prompt + 2-4 streaming assistant lines of one
    message) to one existing main Claude session file; return that call's token counts.

    expected.json (if present) is updated so it stays the ground truth of out_dir.
    """
    out_dir = Path(out_dir)
    sessions = sorted(p for p in (out_dir / "claude" / "projects").glob("*/*.jsonl"))
    if not sessions:
        raise FileNotFoundError(f"no Claude session files under {out_dir}/claude/projects")
    path = random.Random(seed).choice(sessions)
    # Re-seed with the file size so repeated appends with one seed still get fresh ids.
    rng = random.Random(f"{seed}:{path.stat().st_size}")
    tail = [d for d in _tail_lines(path) if isinstance(d, dict) and "sessionId" in d and "timestamp" in d]
    last = tail[-1]
    usages = [d for d in tail if d.get("type") == "assistant" and isinstance(d.get("message"), dict)]
    prev = usages[-1] if usages else None
    now = _clear_midnight(rng, _parse_iso(last["timestamp"]) + rng.randint(30_000, 120_000), 300_000)
    env_keys = ("isSidechain", "userType", "cwd", "sessionId", "version", "gitBranch")
    env: dict[str, Any] = {k: last[k] for k in env_keys if k in last}
    env["isSidechain"] = False
    model = prev["message"]["model"] if prev else CLAUDE_MAIN_MODELS[0][0]
    pu = prev["message"]["usage"] if prev else {}
    context = sum(pu.get(k, 0) for k in
                  ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"))
    new_part = rng.randint(200, 6000) + pu.get("output_tokens", 0)
    c1h = new_part if pu.get("cache_creation", {}).get("ephemeral_1h_input_tokens", 0) else 0
    call = ClaudeCall(rng.randint(1, 20), new_part - c1h, c1h, context, rng.randint(40, 2500))
    rich = "iterations" in pu
    lines: list[dict[str, Any]] = []
    parent = last.get("uuid")
    prompt_uuid = _uuid4(rng)
    lines.append({"parentUuid": parent, **env, "type": "user",
                  "message": {"role": "user", "content": "Please also add a regression test — thanks!"},
                  "uuid": prompt_uuid, "timestamp": _iso(now)})
    parent = prompt_uuid
    msg_id, req_id = "msg_01" + _b62(rng, 22), "req_011C" + _b62(rng, 20)
    n = rng.randint(2, 4)
    outs = sorted(rng.randint(1, call.output_tokens - 1) for _ in range(n - 1)) + [call.output_tokens]
    now += rng.randint(2000, 9000)
    for i, out in enumerate(outs):
        block = ({"type": "text", "text": f"Adding the regression test now (step {i + 1})."}
                 if i < n - 1 else {"type": "tool_use", "id": "toolu_01" + _b62(rng, 22), "name": "Write",
                                    "input": {"file_path": f"{env.get('cwd', '')}/tests/test_regression.py",
                                              "content": "def test_regression():\n    assert True\n"}})
        uid = _uuid4(rng)
        lines.append({"parentUuid": parent, **env,
                      "message": {"id": msg_id, "type": "message", "role": "assistant", "model": model,
                                  "content": [block], "stop_reason": None, "stop_sequence": None,
                                  "usage": claude_usage(call, out, rich)},
                      "requestId": req_id, "type": "assistant", "uuid": uid, "timestamp": _iso(now)})
        parent = uid
        now += rng.randint(150, 2000)
    data = "".join(_dumps(d) + "\n" for d in lines).encode()
    with open(path, "ab") as fh:
        fh.write(data)
    day = lines[1]["timestamp"][:10]
    result = {"file": str(path), "date": day, "source": "claude-code", "model": model,
              "message_id": msg_id, "request_id": req_id, "calls": 1,
              "input_tokens": call.input_tokens, "cache_write_tokens": call.cache_write,
              "cache_read_tokens": call.cache_read, "output_tokens": call.output_tokens,
              "reasoning_tokens": 0, "bytes": len(data)}
    _update_expected(out_dir, result)
    return result


def _update_expected(out_dir: Path, call: dict[str, Any]) -> None:
    path = out_dir / "expected.json"
    if not path.exists():
        return
    report = json.loads(path.read_text())
    ledger = Ledger.from_report(report)
    ledger.add(call["date"], "claude-code", call["model"], call["input_tokens"], call["cache_write_tokens"],
               call["cache_read_tokens"], call["output_tokens"])
    new = ledger.report(report["bytes"] + call["bytes"], report["files"])
    path.write_text(json.dumps(new, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--size-mb", type=float, default=500.0, help="approximate size in MB (10^6 bytes)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--start", type=date.fromisoformat, default=date(2026, 1, 1), help="first UTC day")
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--session-scale", type=float, default=1.0,
                    help="scale the longest sessions (below 1: more, smaller log files for the same bytes)")
    ap.add_argument("--append-turn", action="store_true",
                    help="append one Claude API call to an existing corpus instead of generating")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    if args.append_turn:
        print(json.dumps(append_turn(args.out_dir, args.seed), indent=1))
        return 0
    try:
        report = generate(args.out_dir, args.size_mb, args.seed, args.start, args.days, args.session_scale)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    totals = report["totals"]
    print(f"wrote {report['files']} files, {report['bytes'] / MB:.1f} MB, {totals['calls']} calls "
          f"in {time.perf_counter() - t:.1f}s -> {args.out_dir / 'expected.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
