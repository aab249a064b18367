"""Hostile-input properties of every line parser: no raise, counted skips, no lost neighbour, exact resume."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prop_agents import BY_ID, file_names
from prop_checks import CHEAP, SETTINGS, as_stored, calls_of, feed_all
from prop_hostile import EXTREME_DEPTHS, deep, mutate, paths_of, to_line

agents = pytest.mark.parametrize("name", list(BY_ID))
# Sessions of Copilot spans mix both attribute forms already: the OTLP-only agent is for single records.
session_agents = pytest.mark.parametrize("name", [n for n in BY_ID if not n.endswith("-otlp")])
encodings = st.booleans()  # ascii_only: \u escapes, or raw UTF-8 (and invalid bytes for lone surrogates)


def _line(record: Any, ascii_only: bool = True) -> bytes:
    return to_line(record, ascii_only=ascii_only)


@agents
@CHEAP
@given(lines=st.lists(st.binary(max_size=300), max_size=8))
def test_arbitrary_bytes_never_raise(name: str, lines: list[bytes]) -> None:
    agent = BY_ID[name]
    outcomes = feed_all(agent.parser(), lines, agent.name)
    assert calls_of(outcomes) == []


@agents
@SETTINGS
@given(data=st.data())
def test_hostile_records_never_raise_and_calls_stay_sane(name: str, data: st.DataObject) -> None:
    agent = BY_ID[name]
    lines = data.draw(st.lists(agent.hostile_line, min_size=1, max_size=6))
    feed_all(agent.parser(), lines, agent.name)  # every promise is checked line by line inside


@agents
@SETTINGS
@given(data=st.data(), file_name=file_names)
def test_a_record_counts_the_same_whatever_happens_to_fields_its_parser_never_reads(
        name: str, data: st.DataObject, file_name: str) -> None:
    agent = BY_ID[name]
    example = data.draw(agent.usage)
    changed = mutate(data.draw, example.record, allowed=lambda p: not agent.reads(p))
    line = _line(changed, data.draw(encodings))
    # any file name, too: sessions without an id of their own are named after it
    [outcome] = feed_all(agent.parser(Path("/logs/ü 😀") / file_name), [line], agent.name)
    assert outcome.call is not None, f"lost a valid record: {outcome.line[:300]!r}"
    assert outcome.call.total == example.total


@agents
@SETTINGS
@given(data=st.data())
def test_broken_usage_records_are_counted_and_skipped(name: str, data: st.DataObject) -> None:
    agent = BY_ID[name]
    invalid = agent.parser()
    [outcome] = feed_all(invalid, [_line(data.draw(agent.bad_count_record), data.draw(encodings))], agent.name)
    assert outcome.call is None
    assert invalid.skipped == {"invalid token counts": 1}

    torn = agent.parser()  # cut after its usage marker: unmistakably usage, unmistakably incomplete
    [outcome] = feed_all(torn, [data.draw(agent.torn_line)], agent.name)
    assert outcome.call is None and outcome.skipped == 1, torn.skipped


@agents
@SETTINGS
@given(data=st.data(), depth=st.sampled_from(EXTREME_DEPTHS), kind=st.sampled_from("[{"))
def test_nesting_past_the_stack_is_counted_and_skipped(name: str, data: st.DataObject, depth: int,
                                                        kind: str) -> None:
    agent = BY_ID[name]
    example = data.draw(agent.usage)
    record = example.record
    inner = [p for p in paths_of(record) if p]
    where = inner[data.draw(st.integers(0, 2**16)) % len(inner)]
    node = record
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = deep(depth, kind)
    line = _line(record)
    [outcome] = feed_all(agent.parser(), [line], agent.name)
    if outcome.call is not None:  # the decoder had the stack for it: nesting can hide a count, never add one
        assert outcome.call.total <= example.total
    if depth == EXTREME_DEPTHS[-1]:  # past any stack: refused, and counted while it still looks like usage
        assert outcome.call is None
        assert outcome.skipped == (1 if agent.marker in line else 0), outcome


@session_agents
@SETTINGS
@given(data=st.data())
def test_garbage_never_poisons_its_neighbours(name: str, data: st.DataObject) -> None:
    agent = BY_ID[name]
    clean = [_line(r) for r in data.draw(agent.session)]
    dirty = list(clean)
    inserted = data.draw(st.lists(st.tuples(st.integers(0, 2**16), agent.garbage), min_size=1, max_size=5))
    for at, junk in inserted:
        dirty.insert(at % (len(dirty) + 1), junk)
    expected = as_stored(calls_of(feed_all(agent.parser(), clean, agent.name)))
    outcomes = feed_all(agent.parser(), dirty, agent.name)
    junk_lines = {junk for _, junk in inserted}
    assert all(o.call is None for o in outcomes if o.line in junk_lines and o.line not in clean)
    assert as_stored(calls_of(outcomes)) == expected


@session_agents
@SETTINGS
@given(data=st.data())
def test_resuming_from_saved_state_matches_one_uninterrupted_read(name: str, data: st.DataObject) -> None:
    agent = BY_ID[name]
    lines = [_line(r) for r in data.draw(agent.session)]
    lines += data.draw(st.lists(agent.garbage, max_size=2))
    lines = data.draw(st.permutations(lines)) if data.draw(st.booleans()) else lines
    cut = data.draw(st.integers(0, 2**16)) % (len(lines) + 1)
    path = Path("/logs") / agent.file_name

    whole = agent.parser(path)
    expected = as_stored(calls_of(feed_all(whole, lines, agent.name)))

    first = agent.parser(path)
    before = calls_of(feed_all(first, lines[:cut], agent.name))
    saved = json.loads(json.dumps(first.state()))  # as the ledger stores it
    second = agent.parser(path, saved or None)
    after = calls_of(feed_all(second, lines[cut:], agent.name))

    assert as_stored(before + after) == expected
    assert first.usage_records + second.usage_records == whole.usage_records

