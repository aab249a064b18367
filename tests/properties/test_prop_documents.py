"""Hostile-input properties of the document readers (Gemini chats, OpenCode legacy message files)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import prop_records_more_agents as more
from hypothesis import example, given
from hypothesis import strategies as st
from prop_checks import CHEAP, SETTINGS, as_stored, assert_honest_counter, assert_sane_call
from prop_hostile import EXTREME_DEPTHS, bad_counts, deep, hostile_values, mutate, to_line
from prop_records import Example

from tokenpulse.sources.base import Parsed
from tokenpulse.sources.gemini.parser import read_document as read_gemini
from tokenpulse.sources.opencode.source import OpenCodeSource

GEMINI_PATH = Path("/logs/tmp/0b7d/chats/session-2026-03-01T10-00-abcd.json")
# under a folder that does not exist: no database beside it to supersede the legacy file
OPENCODE_PATH = Path("/nonexistent/opencode/storage/message/ses_ü/msg_😀.json")


def _checked(parsed: Parsed, source: str) -> Parsed:
    for call in parsed.calls:
        assert_sane_call(call, source)
    assert_honest_counter(parsed.skipped)
    assert type(parsed.usage_records) is int and parsed.usage_records >= len(parsed.calls)
    return parsed


def _opencode(data: bytes) -> Parsed:
    return _checked(OpenCodeSource().read_document(OPENCODE_PATH, data), "opencode")


# ---------------------------------------------------------------------------------------------
# Gemini CLI documents
# ---------------------------------------------------------------------------------------------

@CHEAP
@given(data=st.binary(max_size=400))
@example(data=b'{"messages": [' * 20_000)
@example(data=b"\xef\xbb\xbf{}")
def test_gemini_document_of_arbitrary_bytes_never_raises(data: bytes) -> None:
    parsed = _checked(read_gemini(GEMINI_PATH, data), "gemini")
    assert parsed.calls == []
    assert sum(parsed.skipped.values()) <= 1


# Messages that are not messages: no object, counts that are not counts, nesting past any stack.
broken_messages = st.one_of(
    st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2),
    st.builds(lambda e, v: dict(e.record, id="h-" + str(e.record["id"]), tokens=dict(e.record["tokens"], output=v)),
              more.gemini_usage, bad_counts),
)


@SETTINGS
@given(doc=more.gemini_document(), data=st.data())
def test_a_broken_message_never_costs_the_others_their_calls(doc: tuple[dict[str, Any], list[Example]],
                                                             data: st.DataObject) -> None:
    document, answers = doc
    clean = _checked(read_gemini(GEMINI_PATH, to_line(document)), "gemini")
    assert sorted(c.total for c in clean.calls) == sorted(a.total for a in answers)
    messages = list(document["messages"])
    inserted = data.draw(st.lists(broken_messages, min_size=1, max_size=4))
    for bad in inserted:
        messages.insert(data.draw(st.integers(0, 2**16)) % (len(messages) + 1), bad)
    dirty = _checked(read_gemini(GEMINI_PATH, to_line(dict(document, messages=messages))), "gemini")
    assert as_stored(dirty.calls) == as_stored(clean.calls)
    assert sum(dirty.skipped.values()) - sum(clean.skipped.values()) == len(inserted)


@SETTINGS
@given(doc=more.gemini_document(), data=st.data())
def test_a_mutated_gemini_document_never_raises(doc: tuple[dict[str, Any], list[Example]],
                                                data: st.DataObject) -> None:
    changed = mutate(data.draw, doc[0], max_mutations=6)
    _checked(read_gemini(GEMINI_PATH, to_line(changed, ascii_only=data.draw(st.booleans()))), "gemini")


@SETTINGS
@given(doc=more.gemini_document(), depth=st.sampled_from(EXTREME_DEPTHS), kind=st.sampled_from("[{"))
def test_gemini_nesting_past_the_stack_is_counted(doc: tuple[dict[str, Any], list[Example]], depth: int,
                                                  kind: str) -> None:
    document = dict(doc[0], messages=[*doc[0]["messages"], {"type": "user", "content": deep(depth, kind)}])
    parsed = _checked(read_gemini(GEMINI_PATH, to_line(document)), "gemini")
    if depth == EXTREME_DEPTHS[-1]:  # past any stack: the document is refused whole, and counted
        assert parsed.calls == [] and parsed.skipped == {"JSON nested too deep": 1}


# ---------------------------------------------------------------------------------------------
# OpenCode legacy message files
# ---------------------------------------------------------------------------------------------

@CHEAP
@given(data=st.binary(max_size=400))
def test_opencode_message_file_of_arbitrary_bytes_never_raises(data: bytes) -> None:
    parsed = _opencode(data)
    assert parsed.calls == []
    assert sum(parsed.skipped.values()) <= 1


@SETTINGS
@given(example_=more.opencode_usage, data=st.data())
def test_a_mutated_opencode_message_never_raises(example_: Example, data: st.DataObject) -> None:
    record = mutate(data.draw, example_.record, max_mutations=6)
    parsed = _opencode(to_line(record, ascii_only=data.draw(st.booleans())))
    assert len(parsed.calls) + sum(parsed.skipped.values()) <= 1


@SETTINGS
@given(example_=more.opencode_usage, data=st.data())
def test_an_opencode_message_counts_the_same_whatever_happens_to_fields_it_never_reads(
        example_: Example, data: st.DataObject) -> None:
    changed = mutate(data.draw, example_.record, allowed=lambda p: not more.opencode_reads(p))
    [call] = _opencode(to_line(changed)).calls
    assert call.total == example_.total


@SETTINGS
@given(example_=more.opencode_usage, name=st.sampled_from(["input", "output", "reasoning", "read", "write"]),
       bad=bad_counts)
def test_an_opencode_message_with_an_invalid_count_is_counted_and_skipped(example_: Example, name: str,
                                                                          bad: Any) -> None:
    record = json.loads(json.dumps(example_.record))
    holder = record["tokens"]["cache"] if name in ("read", "write") else record["tokens"]
    holder[name] = bad
    parsed = _opencode(to_line(record))
    assert parsed.calls == [] and parsed.skipped == {"invalid token counts": 1}


@SETTINGS
@given(example_=more.opencode_usage, value=hostile_values)
def test_any_value_in_place_of_the_tokens_never_raises(example_: Example, value: Any) -> None:
    parsed = _opencode(to_line(dict(example_.record, tokens=value)))
    assert len(parsed.calls) + sum(parsed.skipped.values()) <= 1
