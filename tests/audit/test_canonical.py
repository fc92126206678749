"""The fast canonical JSON writes exactly the bytes of the rfc8785 library, so no hash in a chain changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.audit.canonical import MAX_SAFE_INTEGER, canonical_json, make_encoder, parse_plain, plain_json
from grants.audit.walk import row_payload_json

# Every character, lone surrogates included (hypothesis leaves them out unless asked).
ANY_CHARACTER = st.characters(codec=None, categories=None)
TEXT = st.text(ANY_CHARACTER, max_size=12)
# Keys often alike, so objects sort on later characters too; characters near U+FFFF and beyond it, where UTF-16
# and code-point order part.
KEY_CHARACTERS = st.one_of(
    st.sampled_from("ab_\x00\x7f\u00e9\ud7ff\ue000\uff61\uffff\U00010000\U0001f600\U0010ffff"), ANY_CHARACTER
)
KEYS = st.text(KEY_CHARACTERS, max_size=4)
SAFE_INTEGERS = st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    SAFE_INTEGERS,
    st.integers(),  # beyond the safe range too: both must refuse it
    st.sampled_from([0, -1, 2**53 - 1, -(2**53) + 1, 2**53, -(2**53)]),
    TEXT,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=30,
)
FLOATS = st.floats(allow_nan=True, allow_infinity=True)


def _outcome(encode: Any, value: Any) -> tuple[str, Any]:
    try:
        return "bytes", encode(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as exc:
        return "refused", type(exc)


@settings(max_examples=3000, deadline=None)
@given(VALUES)
def test_the_same_bytes_as_rfc8785_for_every_value_the_chain_may_hold(value: Any) -> None:
    assert _outcome(canonical_json, value) == _outcome(rfc8785.dumps, value)


@settings(max_examples=1000, deadline=None)
@given(st.dictionaries(KEYS, SCALARS, min_size=2, max_size=8))
def test_keys_sort_by_utf16_code_units_as_rfc8785_sorts_them(value: dict[str, Any]) -> None:
    assert _outcome(canonical_json, value) == _outcome(rfc8785.dumps, value)


@settings(max_examples=500, deadline=None)
@given(st.recursive(st.one_of(SCALARS, FLOATS), lambda inner: st.lists(inner, max_size=4), max_leaves=10))
def test_floats_go_to_the_library(value: Any) -> None:
    assert _outcome(canonical_json, value) == _outcome(rfc8785.dumps, value)


def test_the_fast_path_is_taken_for_plain_values_and_not_otherwise() -> None:
    event = {"facts": {"bids": [1, 2], "kind": "none", "by_system": False}, "seq": 3, "actor_id": None}
    assert plain_json(event) == '{"actor_id":null,"facts":{"bids":[1,2],"by_system":false,"kind":"none"},"seq":3}'
    assert plain_json({"a": 1.5}) is None  # floats: the library
    assert plain_json({"a": 2**53}) is None  # beyond a double's integers: the library refuses it
    assert plain_json({"\U0001f600": 1, "\uffff": 2}) is None  # a key beyond U+FFFF: UTF-16 order
    assert plain_json({1: "a"}) is None  # not a string key
    assert canonical_json({"\U0001f600": 1, "\uffff": 2}) == '{"\U0001f600":1,"\uffff":2}'.encode()


@pytest.mark.parametrize("text", ["\x00\x08\t\n\x0b\x0c\r\x1f", '"\\/', "\x7f\u2028\u2029", "caf\u00e9 \U0001f600"])
def test_strings_are_escaped_as_rfc8785_escapes_them(text: str) -> None:
    assert canonical_json({"s": text}) == rfc8785.dumps({"s": text})


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=1500, deadline=None)
@given(JSON_VALUES, st.booleans())
def test_a_stored_text_parses_as_json_loads_parses_it_and_its_fast_text_is_rfc8785(value: Any, ascii: bool) -> None:
    try:
        text = json.dumps(value, ensure_ascii=ascii)  # as SQLAlchemy stores facts (ascii), or otherwise
    except UnicodeEncodeError:
        return
    parsed, fast = parse_plain(text)
    expected = json.loads(text)
    assert json.dumps(parsed) == json.dumps(expected)  # the same value (NaN != NaN, so compared as text)
    if fast is not None:
        assert fast.encode("utf-8") == rfc8785.dumps(expected)


def test_a_stored_text_that_is_not_json_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_plain('{"a": 1} trailing')
    assert parse_plain(' {"a": 1} ')[0] == {"a": 1}  # what json.loads accepts, parse_plain accepts


@settings(max_examples=1000, deadline=None)
@given(JSON_VALUES, st.sampled_from([(",", ":"), (", ", ": ")]))
def test_the_made_encoder_writes_what_json_dumps_writes(value: Any, separators: tuple[str, str]) -> None:
    encode = make_encoder(item_separator=separators[0], key_separator=separators[1], allow_nan=True)
    try:
        expected = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=separators)
    except TypeError:
        return
    assert encode(value) == expected


OPTIONAL_INTS = st.one_of(st.none(), SAFE_INTEGERS, st.integers())
OPTIONAL_TEXT = st.one_of(st.none(), TEXT)
EVENT_FIELDS = st.tuples(
    st.integers(0, 2**31), st.integers(1, 2**31), OPTIONAL_INTS, OPTIONAL_TEXT, TEXT, OPTIONAL_TEXT, OPTIONAL_INTS,
    st.dictionaries(KEYS, VALUES, max_size=5),
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(EVENT_FIELDS, st.booleans())
def test_a_row_is_hashed_as_compute_hash_hashes_its_payload(fields: tuple[Any, ...], stored: bool) -> None:
    chain, seq, actor_id, actor_role, action, object_type, object_id, facts = fields
    when = "2026-12-08T10:00:00.123456Z"
    payload = {
        "chain": chain, "seq": seq, "occurred_at": when, "actor_id": actor_id, "actor_role": actor_role,
        "action": action, "object_type": object_type, "object_id": object_id, "facts": facts,
    }  # fmt: skip
    row_facts: Any = facts
    if stored:  # as the database gives it back: the stored JSON text
        try:
            row_facts = json.dumps(facts)
        except (TypeError, ValueError):
            return
    row = (seq, None, actor_id, actor_role, action, object_type, object_id, row_facts)
    expected = _outcome(rfc8785.dumps, payload)
    try:
        got: tuple[str, Any] = ("bytes", row_payload_json(chain, row, when))
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as exc:
        got = ("refused", type(exc))
    assert got == expected
