"""Hostile-input properties of the readers of whole documents and session databases added from ccusage's list
and the editor extensions: Amp threads, Droid settings, Cline-family task files, Goose and Hermes databases."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from prop_checks import CHEAP, SETTINGS, as_stored, assert_honest_counter, assert_sane_call
from prop_hostile import EXTREME_DEPTHS, bad_counts, deep, hostile_values, mutate, to_line
from prop_records import counts, ids, iso, models, moments, small, texts

from tokenpulse.sources.amp.parser import read_thread
from tokenpulse.sources.base import Parsed
from tokenpulse.sources.droid.parser import read_settings
from tokenpulse.sources.goose.database import read_sessions as read_goose
from tokenpulse.sources.hermes.database import read_sessions as read_hermes
from tokenpulse.sources.task_messages import read_task

THREAD = Path("/nonexistent/amp/threads/T-0b1c2d3e-0000-4000-8000-000000000001.json")
SETTINGS_FILE = Path("/nonexistent/factory/sessions/-p/0c1d2e3f.settings.json")
TASK = Path("/nonexistent/globalStorage/saoudrizwan.claude-dev/tasks/1768640000000/ui_messages.json")


def _checked(parsed: Parsed, source: str) -> Parsed:
    for call in parsed.calls:
        assert_sane_call(call, source)
    assert_honest_counter(parsed.skipped)
    assert type(parsed.usage_records) is int and parsed.usage_records >= len(parsed.calls)
    return parsed


READERS = {
    "amp": lambda data: _checked(read_thread(THREAD, data), "amp"),
    "droid": lambda data: _checked(read_settings(SETTINGS_FILE, data), "droid"),
    "cline": lambda data: _checked(read_task(TASK, data, "cline"), "cline"),
}
readers = pytest.mark.parametrize("name", list(READERS))


@readers
@CHEAP
@given(data=st.binary(max_size=400))
@example(data=b'{"messages": [' * 20_000)
@example(data=b"[" * 20_000)
@example(data=b"\xef\xbb\xbf{}")
def test_a_document_of_arbitrary_bytes_never_raises(name: str, data: bytes) -> None:
    parsed = READERS[name](data)
    assert parsed.calls == []
    assert sum(parsed.skipped.values()) <= 1


# ---------------------------------------------------------------------------------------------
# Realistic documents (after the fixtures in tests/agent_fixtures) and their calls
# ---------------------------------------------------------------------------------------------

@st.composite
def amp_thread(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
    """A thread with a usage ledger whose events point at the messages holding their cache split."""
    messages: list[Any] = []
    events: list[Any] = []
    total = 0
    for i in range(draw(st.integers(0, 4))):
        inp, out, write, read = draw(counts), draw(counts) or 1, draw(small), draw(counts)
        at = iso(draw(moments))
        messages.append({"role": "user", "messageId": 2 * i, "content": [{"type": "text", "text": draw(texts)}]})
        messages.append({"role": "assistant", "messageId": 2 * i + 1, "content": [{"type": "text", "text": "ok"}],
                         "usage": {"model": draw(models), "inputTokens": inp, "outputTokens": out,
                                   "cacheCreationInputTokens": write, "cacheReadInputTokens": read, "timestamp": at}})
        events.append({"id": f"ev-{i}", "timestamp": at, "model": draw(models), "credits": 0.5,
                       "tokens": {"input": inp, "output": out, "total": inp + out}, "toMessageId": 2 * i + 1})
        total += inp + out + write + read
    return {"v": 3, "id": draw(ids), "messages": messages, "usageLedger": {"events": events}}, total


@st.composite
def cline_task(draw: st.DrawFn) -> tuple[list[Any], int]:
    messages: list[Any] = [{"ts": 1768640000000, "type": "say", "say": "task", "text": draw(texts)}]
    total = 0
    for i in range(draw(st.integers(0, 4))):
        tin, tout, writes, reads = draw(counts), draw(counts) or 1, draw(small), draw(counts)
        protocol = draw(st.sampled_from([None, "anthropic"]))
        text: dict[str, Any] = {"request": draw(texts), "tokensIn": tin, "tokensOut": tout, "cacheWrites": writes,
                                "cacheReads": reads, "cost": 0.01}
        if protocol:
            text["apiProtocol"] = protocol
        messages.append({"ts": 1768640001000 + i, "type": "say", "say": "api_req_started", "text": json.dumps(text),
                         "modelInfo": {"providerId": "anthropic", "modelId": draw(models), "mode": "act"}})
        messages.append({"ts": 1768640001500 + i, "type": "say", "say": "text", "text": draw(texts)})
        total += tin + tout + writes + reads
    return messages, total


def test_property_generators_make_calls() -> None:
    """The strategies above give documents with calls (a property over empty documents proves nothing)."""
    thread = {"id": "T", "messages": [{"role": "assistant", "messageId": 1, "usage": {"inputTokens": 1}}],
              "usageLedger": {"events": [{"id": "e", "timestamp": "2026-01-02T00:00:00Z", "model": "m",
                                          "tokens": {"input": 1, "output": 2}, "toMessageId": 1}]}}
    assert len(READERS["amp"](to_line(thread)).calls) == 1


@SETTINGS
@given(thread=amp_thread(), data=st.data())
def test_amp_broken_events_cost_the_others_nothing(thread: tuple[dict[str, Any], int], data: st.DataObject) -> None:
    document, total = thread
    clean = READERS["amp"](to_line(document))
    assert sum(c.total for c in clean.calls) == total
    events = list(document["usageLedger"]["events"])
    inserted = data.draw(st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=4),
                                            bad_counts.map(lambda v: {"id": "bad", "timestamp": "2026-01-02T00:00:00Z",
                                                                      "model": "m", "tokens": {"input": v}})),
                                  min_size=1, max_size=4))
    for bad in inserted:
        events.insert(data.draw(st.integers(0, 2**16)) % (len(events) + 1), bad)
    dirty = READERS["amp"](to_line(dict(document, usageLedger={"events": events})))
    assert as_stored(dirty.calls) == as_stored(clean.calls)
    assert sum(dirty.skipped.values()) - sum(clean.skipped.values()) == len(inserted)


@SETTINGS
@given(thread=amp_thread(), data=st.data())
def test_a_mutated_amp_thread_never_raises(thread: tuple[dict[str, Any], int], data: st.DataObject) -> None:
    READERS["amp"](to_line(mutate(data.draw, thread[0], max_mutations=6), ascii_only=data.draw(st.booleans())))


@SETTINGS
@given(task=cline_task(), data=st.data())
def test_cline_broken_messages_cost_the_others_nothing(task: tuple[list[Any], int], data: st.DataObject) -> None:
    messages, total = task
    clean = READERS["cline"](to_line(messages))
    assert sum(c.total for c in clean.calls) == total
    dirty_messages = list(messages)
    inserted = data.draw(st.lists(st.one_of(
        st.none(), st.integers(), st.lists(st.integers(), max_size=2),
        bad_counts.map(lambda v: {"ts": 1768640009999, "type": "say", "say": "api_req_started",
                                  "text": json.dumps({"tokensIn": 1, "tokensOut": v})}),
        st.just({"ts": 1768640009998, "say": "api_req_started", "text": '{"tokensIn": 1, "tok'})), min_size=1,
        max_size=4))
    for bad in inserted:
        dirty_messages.insert(data.draw(st.integers(0, 2**16)) % (len(dirty_messages) + 1), bad)
    dirty = READERS["cline"](to_line(dirty_messages))
    assert as_stored(dirty.calls) == as_stored(clean.calls)
    assert sum(dirty.skipped.values()) - sum(clean.skipped.values()) == len(inserted)


@SETTINGS
@given(task=cline_task(), data=st.data())
def test_a_mutated_task_never_raises(task: tuple[list[Any], int], data: st.DataObject) -> None:
    READERS["cline"](to_line(mutate(data.draw, task[0], max_mutations=6), ascii_only=data.draw(st.booleans())))


@SETTINGS
@given(data=st.data(), value=hostile_values)
def test_droid_settings_with_any_usage_never_raise(data: st.DataObject, value: Any) -> None:
    doc = {"model": data.draw(models), "providerLockTimestamp": iso(data.draw(moments)),
           "tokenUsage": {"inputTokens": data.draw(counts), "outputTokens": data.draw(counts)}}
    doc = mutate(data.draw, doc, max_mutations=4) if data.draw(st.booleans()) else dict(doc, tokenUsage=value)
    parsed = READERS["droid"](to_line(doc, ascii_only=data.draw(st.booleans())))
    assert len(parsed.calls) + sum(parsed.skipped.values()) <= 1


@readers
@SETTINGS
@given(depth=st.sampled_from(EXTREME_DEPTHS), kind=st.sampled_from("[{"))
def test_nesting_past_the_stack_is_counted(name: str, depth: int, kind: str) -> None:
    docs = {"amp": '{"id": "T", "messages": [%s]}', "droid": '{"model": "m", "tokenUsage": {"x": %s}}',
            "cline": '[{"ts": 1768640001000, "say": "api_req_started", "text": "x", "zz": %s}]'}
    parsed = READERS[name]((docs[name] % deep(depth, kind)).encode())
    assert parsed.calls == []
    if depth == EXTREME_DEPTHS[-1]:
        assert sum(parsed.skipped.values()) == 1


# ---------------------------------------------------------------------------------------------
# Session databases (Goose, Hermes): any value in any column never raises, and never costs a good row its call
# ---------------------------------------------------------------------------------------------

cell_values = st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1), st.floats(), st.text(max_size=8),
                        st.binary(max_size=8), st.sampled_from(["2026-01-11 08:00:00", "1768118400", "{}", "NaN"]))


def _database(folder: Path, name: str, script: str, rows: list[tuple[Any, ...]], insert: str) -> Path:
    db = folder / name
    db.unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    conn.executescript(script)
    conn.executemany(insert, rows)
    conn.commit()
    conn.close()
    return db


GOOSE = ("CREATE TABLE sessions (id TEXT, working_dir TEXT, created_at TIMESTAMP, model_config_json TEXT,"
         " input_tokens INTEGER, output_tokens INTEGER, accumulated_input_tokens INTEGER,"
         " accumulated_output_tokens INTEGER);")
GOOSE_INSERT = "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
HERMES = ("CREATE TABLE sessions (id TEXT, source TEXT, model TEXT, parent_session_id TEXT, started_at REAL,"
          " input_tokens INTEGER, output_tokens INTEGER, cache_read_tokens INTEGER, cache_write_tokens INTEGER,"
          " reasoning_tokens INTEGER);")
HERMES_INSERT = "INSERT INTO sessions VALUES (?, 'cli', ?, ?, ?, ?, ?, ?, ?, ?)"


@SETTINGS
@given(good=st.lists(st.tuples(counts, counts), max_size=3), bad=st.lists(st.tuples(*[cell_values] * 8), max_size=4))
def test_goose_hostile_rows_never_cost_a_good_row_its_call(tmp_path_factory: pytest.TempPathFactory,
                                                           good: list[tuple[int, int]],
                                                           bad: list[tuple[Any, ...]]) -> None:
    folder = tmp_path_factory.mktemp("goose", numbered=True)
    rows = [(f"good-{i}", "/p", "2026-01-11 08:00:00", '{"model_name": "gpt-5"}', None, None, inp, out or 1)
            for i, (inp, out) in enumerate(good)]
    parsed, _ = read_goose(_database(folder, "sessions.db", GOOSE, rows + bad, GOOSE_INSERT))
    for call in parsed.calls:
        assert_sane_call(call, "goose")
    assert_honest_counter(parsed.skipped)
    assert {f"good-{i}" for i in range(len(good))} <= {c.session_key for c in parsed.calls}


@SETTINGS
@given(good=st.lists(st.tuples(counts, counts, counts), max_size=3),
       bad=st.lists(st.tuples(*[cell_values] * 9), max_size=4))
def test_hermes_hostile_rows_never_cost_a_good_row_its_call(tmp_path_factory: pytest.TempPathFactory,
                                                            good: list[tuple[int, int, int]],
                                                            bad: list[tuple[Any, ...]]) -> None:
    folder = tmp_path_factory.mktemp("hermes", numbered=True)
    rows = [(f"good-{i}", "gpt-5", None, 1768294800.25, inp, out or 1, read, 0, 0)
            for i, (inp, out, read) in enumerate(good)]
    parsed, _ = read_hermes(_database(folder, "state.db", HERMES, rows + bad, HERMES_INSERT))
    for call in parsed.calls:
        assert_sane_call(call, "hermes")
    assert_honest_counter(parsed.skipped)
    assert {f"good-{i}" for i in range(len(good))} <= {c.session_key for c in parsed.calls}
