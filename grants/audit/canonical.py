"""The canonical JSON (RFC 8785) of what the audit chain hashes, fast.

The chain hashes events whose fields and facts are only strings, integers, booleans, None, lists and objects with
string keys (`record_event` refuses anything else). For those values the standard library's C encoder, with keys
sorted, no spaces and UTF-8 text, writes exactly the bytes of RFC 8785, except in two cases:

- RFC 8785 sorts an object's keys by their UTF-16 code units, Python by code points. The two orders differ only
  for characters beyond U+FFFF (written as surrogate pairs in UTF-16), so an object with such a character in a
  key goes to the `rfc8785` library.
- RFC 8785 writes numbers as IEEE 754 doubles. An integer within +-(2**53 - 1) is written by both as its
  digits; a larger one, or any float, goes to the library (which refuses the integer, and formats the float its
  own way).

Strings are escaped alike: both write `"` and `\\` with a backslash, U+0008, U+0009, U+000A, U+000C and U+000D
as \\b \\t \\n \\f \\r, the other control characters below U+0020 as \\u00xx in lower case, and everything else as
itself. A lone surrogate cannot be written as UTF-8, so that value goes to the library too (which refuses it).
tests/audit/test_canonical.py checks the equality byte for byte against the library with generated values.

Anything else, or any doubt, goes to the library, so the bytes (and so every hash already in a chain) are the
same as before; the fast path only makes them sooner.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import rfc8785

MAX_SAFE_INTEGER = 2**53 - 1  # RFC 8785 numbers are doubles: integers beyond this are not exact
_BMP_END = "\uffff"


def _has_lone_surrogate(text: str) -> bool:
    """A half of a UTF-16 pair on its own, which UTF-8 cannot hold (the library refuses it, so must we)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _plain(value: Any) -> bool:
    """Whether `value` is made only of the kinds the fast encoder writes exactly as RFC 8785 does."""
    kind = type(value)
    if kind is str:
        return value.isascii() or not _has_lone_surrogate(value)
    if kind is bool or value is None:
        return True
    if kind is int:
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not (key.isascii() or max(key) <= _BMP_END) or not _plain(item):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:  # noqa: SIM110  (a loop: all() over a generator is slower, and this runs per event)
            if not _plain(item):
                return False
        return True
    return False


def make_encoder(
    *, item_separator: str = ",", key_separator: str = ":", allow_nan: bool = False
) -> Callable[[Any], str]:
    """json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(item_separator, key_separator),
    allow_nan=allow_nan) as one function, its C encoder made once when the interpreter has it (json.dumps builds
    a new one on every call). Without the check for circular values: every value here was read from JSON."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is not None:
        # (markers, default, encoder, indent, key separator, item separator, sort_keys, skipkeys, allow_nan)
        encode = make(
            None, None, json.encoder.encode_basestring, None, key_separator, item_separator, True, False, allow_nan
        )

        def c_encode(value: Any) -> str:
            return "".join(encode(value, 0))

        return c_encode
    encoder = json.JSONEncoder(
        sort_keys=True, separators=(item_separator, key_separator), ensure_ascii=False, allow_nan=allow_nan
    )
    return encoder.encode


_encode = make_encoder()
# A JSON string, quoted and escaped, text kept as it is (the C function when there is one).
quoted: Callable[[str], str] = json.encoder.encode_basestring


def plain_json(value: Any) -> str | None:
    """The RFC 8785 text of `value` by the fast encoder, or None when it must go to the library."""
    if not _plain(value):
        return None
    return _encode(value)


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical JSON of `value`, as UTF-8 bytes: the same bytes as `rfc8785.dumps(value)`."""
    text = plain_json(value)
    if text is not None:
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: the library says what is wrong with it
    return rfc8785.dumps(value)


class _NotPlain(ValueError):
    """A float, NaN or an infinity in a JSON text: its value goes to the library."""


def _refuse(_: str) -> Any:
    raise _NotPlain


def _safe_int(digits: str) -> int:
    value = int(digits)
    if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value
    raise _NotPlain


# The standard library's own scanner (json.loads uses the same), except that a float, a constant (NaN, Infinity)
# or an integer beyond 2**53 stops it: parsing a stored text and checking its numbers are plain, in one pass.
_scan_plain: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder(  # type: ignore[attr-defined]
    parse_float=_refuse, parse_constant=_refuse, parse_int=_safe_int
).scan_once


def parse_plain(text: str) -> tuple[Any, str | None]:
    """A stored JSON text parsed as json.loads parses it, and the RFC 8785 text of its value when the fast
    encoder writes it exactly (None when it must go to the library). Raises ValueError if it is not JSON.

    Without parsing it twice: a text that is ASCII with no \\u escape holds only characters of the Basic
    Multilingual Plane and no lone surrogate; the scanner above refuses floats, constants and integers beyond
    2**53. Anything else is parsed by json.loads and checked value by value."""
    if text.isascii() and "\\u" not in text:
        try:
            value, end = _scan_plain(text, 0)
        except (_NotPlain, StopIteration):
            pass
        else:
            if end == len(text):
                return value, _encode(value)
    value = json.loads(text)
    return value, plain_json(value)


_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def parse_json(text: str) -> Any:
    """json.loads(text), without its checks for whitespace around the value when there is none."""
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        end = -1
    return value if end == len(text) else json.loads(text)
