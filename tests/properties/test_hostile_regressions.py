"""The hostile inputs the properties and the fuzzer found, one plain test each, so each fix stays fixed."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from prop_checks import assert_sane_call

from helpers import make_workspace
from tokenpulse.sources.claude_code.parser import ClaudeLineParser
from tokenpulse.sources.codex.parser import CodexLineParser
from tokenpulse.sources.copilot_cli.parser import CopilotOtelParser
from tokenpulse.sources.gemini.parser import GeminiLineParser
from tokenpulse.sources.gemini.parser import read_document as read_gemini
from tokenpulse.sources.opencode.database import read_database
from tokenpulse.sources.opencode.source import OpenCodeSource
from tokenpulse.sources.qwen.parser import QwenLineParser

LOG = Path("/logs/s.jsonl")
TS = "2026-03-01T10:00:00Z"
DEEP = "[" * 50_000 + "]" * 50_000  # past any stack, whatever recursion limit the caller runs under


def _span(**fields: Any) -> bytes:
    attrs = {"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 5, "gen_ai.usage.output_tokens": 1}
    attrs.update(fields.pop("attributes", {}))
    return json.dumps({"type": "span", "traceId": "t", "spanId": "s", "name": "chat m", "endTime": [1772000000, 0],
                       "attributes": attrs, **fields}).encode()


# ---------------------------------------------------------------------------------------------
# Nesting deeper than the stack: msgspec raises RecursionError, which is not a DecodeError, and it escaped
# every parser (feed, read_document, read_database), failing the scan of the whole file.
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make_parser, line", [
    (lambda: ClaudeLineParser(LOG), f'{{"type":"assistant","message":{{"usage":{{}},"content":{DEEP}}}}}'),
    (lambda: CodexLineParser(LOG, None), f'{{"type":"event_msg","payload":{{"type":"token_count","info":{DEEP}}}}}'),
    (lambda: GeminiLineParser(LOG, None), f'{{"type":"gemini","tokens":{DEEP}}}'),
    (lambda: QwenLineParser(LOG), f'{{"type":"assistant","usageMetadata":{DEEP}}}'),
    (lambda: CopilotOtelParser(LOG), f'{{"gen_ai.usage.input_tokens":{DEEP}}}'),
], ids=["claude", "codex", "gemini", "qwen", "copilot"])
def test_a_line_nested_past_the_stack_is_counted_not_raised(make_parser: Callable[[], Any], line: str) -> None:
    parser = make_parser()
    assert parser.feed(line.encode()) is None
    assert parser.skipped == {"JSON nested too deep": 1}


def test_documents_nested_past_the_stack_are_counted_not_raised() -> None:
    gemini = read_gemini(Path("/logs/session-1.json"), f'{{"messages":[{{"content":{DEEP}}}]}}'.encode())
    opencode = OpenCodeSource().read_document(Path("/none/storage/message/s/m.json"), f'{{"tokens":{DEEP}}}'.encode())
    assert (gemini.calls, gemini.skipped) == ([], {"JSON nested too deep": 1})
    assert (opencode.calls, opencode.skipped) == ([], {"JSON nested too deep": 1})


def _opencode_db(path: Path, rows: list[tuple[str, str]], raw_rows: Sequence[tuple[str, str]] = ()) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE message (id text, session_id text, time_created integer, time_updated integer,"
                 " data text)")
    conn.executemany("INSERT INTO message VALUES (?, 's', 0, 0, ?)", rows)
    for mid, hex_text in raw_rows:  # TEXT that is not UTF-8: sqlite3 cannot bind it, SQL can store it
        conn.execute(f"INSERT INTO message VALUES (?, 's', 0, 0, CAST(x'{hex_text}' AS TEXT))", (mid,))
    conn.commit()
    conn.close()
    return path


GOOD_MESSAGE = json.dumps({"role": "assistant", "time": {"created": 1772000000000, "completed": 1772000001000},
                           "tokens": {"input": 5, "output": 3}})


def test_a_database_row_nested_past_the_stack_costs_only_itself(tmp_path: Path) -> None:
    path = _opencode_db(tmp_path / "opencode.db", [("deep", f'{{"tokens":{DEEP}}}'), ("good", GOOD_MESSAGE)])
    parsed, _ = read_database(path, None)
    assert [(c.input, c.output) for c in parsed.calls] == [(5, 3)]
    assert parsed.skipped == {"JSON nested too deep": 1}


# ---------------------------------------------------------------------------------------------
# One field of the wrong type
# ---------------------------------------------------------------------------------------------

def test_claude_request_id_of_any_type_is_not_a_crash() -> None:
    """`requestId: [1]` went into a dict key as it was: TypeError (unhashable list) out of feed()."""
    parser = ClaudeLineParser(LOG)
    line = {"type": "assistant", "timestamp": TS, "sessionId": "s", "requestId": [1],
            "message": {"id": "m", "model": "claude-x", "usage": {"input_tokens": 2, "output_tokens": 1}}}
    first = parser.feed(json.dumps(line).encode())
    again = parser.feed(json.dumps(dict(line, message=dict(line["message"], usage={"output_tokens": 9}))).encode())
    assert first is not None and again is None  # the second copy merged into the first, as for a string id
    assert_sane_call(first, "claude-code")
    assert (first.output, parser.duplicates) == (9, 1)


@pytest.mark.parametrize("text", ["²", "9" * 5000, "١٢", " 12", "-3"])
def test_copilot_counts_written_as_strings_must_be_ascii_digits(text: str) -> None:
    """`"²".isdigit()` and 5000 digits passed the old check, then int() raised ValueError out of feed()."""
    parser = CopilotOtelParser(LOG)
    assert parser.feed(_span(attributes={"gen_ai.usage.input_tokens": text})) is None
    assert parser.skipped == {"invalid token counts": 1}


def test_copilot_counts_written_as_ascii_digits_still_count() -> None:
    call = CopilotOtelParser(LOG).feed(_span(attributes={"gen_ai.usage.input_tokens": "12"}))
    assert call is not None and call.input == 12


@pytest.mark.parametrize("fields", [
    {"endTime": [10**17, 0]}, {"endTime": [-10, 0]}, {"endTime": None, "endTimeUnixNano": "9" * 40},
    {"endTime": None, "endTimeUnixNano": "²"}, {"endTime": None, "endTimeUnixNano": 10**40},
], ids=["seconds-too-large", "negative", "nanos-too-large", "nanos-superscript", "nanos-int-too-large"])
def test_copilot_stamps_outside_the_window_are_not_stored(fields: dict[str, Any]) -> None:
    """[10**17, 0] became a stamp no datetime can hold: the whole scan of the file raised (OSError)."""
    parser = CopilotOtelParser(LOG)
    assert parser.feed(_span(**fields)) is None
    assert parser.skipped == {"missing or invalid timestamp": 1}


def test_copilot_falls_back_to_the_start_when_the_end_is_out_of_the_window() -> None:
    call = CopilotOtelParser(LOG).feed(_span(endTime=[10**17, 0], startTime=[1772000000, 500_000_000]))
    assert call is not None and call.ts_ms == 1772000000500


@pytest.mark.parametrize("created", [10**30, -5, True, 1.5e12])
def test_opencode_stamps_outside_the_window_are_not_stored(created: Any) -> None:
    """`time.created: 10**30` reached the store as is, past SQLite's 64-bit integers."""
    data = json.dumps({"role": "assistant", "time": {"created": created}, "tokens": {"input": 1}}).encode()
    parsed = OpenCodeSource().read_document(Path("/none/storage/message/s/m.json"), data)
    assert parsed.calls == [] and parsed.skipped == {"missing or invalid timestamp": 1}


# ---------------------------------------------------------------------------------------------
# A bad neighbour
# ---------------------------------------------------------------------------------------------

def test_a_gemini_message_that_is_not_an_object_costs_only_itself() -> None:
    """`messages: [3, <answer>]` failed validation of the whole document: the answer was lost with it."""
    answer = {"id": "g-1", "type": "gemini", "timestamp": TS, "tokens": {"input": 5, "output": 2}}
    parsed = read_gemini(Path("/logs/session-1.json"), json.dumps({"sessionId": "s", "messages": [3, answer]}).encode())
    assert [(c.input, c.output) for c in parsed.calls] == [(5, 2)]
    assert parsed.skipped == {"record of an unexpected shape": 1}


def test_a_skipped_gemini_line_does_not_name_the_model_of_the_next() -> None:
    """A line skipped for its counts still set the model hint, so the next answer without a model was
    attributed to the skipped line's model instead of "unknown" (as it is without the bad line)."""
    parser = GeminiLineParser(LOG, None)
    bad = {"id": "g-0", "type": "gemini", "timestamp": TS, "model": "gemini-x", "tokens": {"input": {"value": 5}}}
    good = {"id": "g-1", "type": "gemini", "timestamp": TS, "tokens": {"input": 5, "output": 2}}
    assert parser.feed(json.dumps(bad).encode()) is None
    call = parser.feed(json.dumps(good).encode())
    assert call is not None and call.model == "unknown"


def test_a_database_row_that_is_not_utf8_costs_only_itself(tmp_path: Path) -> None:
    """sqlite3 raised OperationalError on fetching the row, so every read of the database failed and none of
    its other rows' calls were ever stored."""
    path = _opencode_db(tmp_path / "opencode.db", [("good", GOOD_MESSAGE)], [("bad", "7bff7d"), ("c328", "c328")])
    parsed, _ = read_database(path, None)
    assert [(c.input, c.output) for c in parsed.calls] == [(5, 3)]
    assert parsed.skipped == {"torn or malformed JSON document": 2}


def test_a_torn_copilot_line_is_counted_like_every_source_counts_one() -> None:
    parser = CopilotOtelParser(LOG)
    assert parser.feed(b'{"type":"span","traceId":"t","attributes":{"gen_ai.operation') is None
    assert parser.feed(b'{"type":"metric","name":"x"}') is None  # a whole line without usage: not counted
    assert parser.skipped == {"torn or malformed JSON line": 1}


def test_a_scan_of_an_out_of_window_stamp_keeps_the_good_call_of_the_same_file(tmp_path: Path) -> None:
    """End to end: the stamp of [10**17, 0] made the scan raise, every time, and the good call was never stored."""
    otel = tmp_path / "nohome" / ".copilot" / "otel"
    otel.mkdir(parents=True)
    (otel / "a.jsonl").write_bytes(_span(spanId="good") + b"\n" + _span(spanId="bad", endTime=[10**17, 0]) + b"\n")
    ws = make_workspace(tmp_path, sources=["copilot-cli"])
    try:
        summary = ws.scan()
        stored = ws.conn.execute("SELECT count(*), sum(input) FROM api_call").fetchone()
    finally:
        ws.close()
    assert summary is not None and summary.skipped == {"missing or invalid timestamp": 1}
    assert stored == (1, 5)


def test_a_later_copy_without_a_model_merges_as_the_ledger_would_store_it() -> None:
    """Found by the fuzzer: in one read the merge kept the first copy's model, while the same copies read in
    two scans stored the winner's ("unknown"), so a resumed read gave another model than an uninterrupted one."""
    first = {"type": "assistant", "timestamp": TS, "sessionId": "s", "requestId": "r",
             "message": {"id": "m", "model": "claude-x", "usage": {"input_tokens": 4}}}
    later = dict(first, message={"id": "m", "usage": {"input_tokens": 1214}})
    parser = ClaudeLineParser(LOG)
    call = parser.feed(json.dumps(first).encode())
    assert parser.feed(json.dumps(later).encode()) is None
    alone = ClaudeLineParser(LOG).feed(json.dumps(later).encode())
    assert call is not None and alone is not None
    assert (call.model, call.input) == (alone.model, alone.input) == ("unknown", 1214)
