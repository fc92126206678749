"""Each export line written straight from a plain row is the text the exports wrote before, from the event."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from grants.audit.canonical import parse_json
from grants.audit.exports import json_line, row_json_line, row_line

TEXT = st.text(st.characters(codec="utf-8"), max_size=10)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=15,
)
ROWS = st.tuples(
    st.integers(1, 2**40),
    st.one_of(st.none(), st.integers(1, 2**40)),
    st.one_of(st.none(), TEXT),
    TEXT,
    st.one_of(st.none(), TEXT),
    st.one_of(st.none(), st.integers(-(2**60), 2**60)),
    st.dictionaries(TEXT, JSON_VALUES, max_size=4),
)


@settings(max_examples=1000, deadline=None)
@given(ROWS, st.sampled_from([None, "event"]), st.booleans())
def test_a_line_written_from_a_row_is_the_line_written_from_its_event(row: Any, kind: Any, ascii: bool) -> None:
    seq, actor_id, actor_role, action, object_type, object_id, facts = row
    stored = json.dumps(facts, ensure_ascii=ascii)
    plain = (seq, "2026-12-08 10:00:00.123456", actor_id, actor_role, action, object_type, object_id, stored,
             "a" * 64, "b" * 64)  # fmt: skip
    expected_line = row_line(None, 7, plain)  # type: ignore[arg-type]  (no session: the time needs none)
    expected = json_line({"type": kind, **expected_line} if kind else expected_line)
    assert row_json_line(None, 7, plain, kind=kind) == expected  # type: ignore[arg-type]
    assert json.loads(expected)["occurred_at"] == "2026-12-08T10:00:00.123456Z"


@settings(max_examples=500, deadline=None)
@given(JSON_VALUES, st.booleans(), st.sampled_from(["", " ", "\n"]))
def test_stored_json_is_read_as_json_loads_reads_it(value: Any, ascii: bool, space: str) -> None:
    text = space + json.dumps(value, ensure_ascii=ascii) + space
    assert json.dumps(parse_json(text)) == json.dumps(json.loads(text))
