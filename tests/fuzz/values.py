"""Hypothesis strategies for what anyone could post to a form: `posts(fields)` draws one submission.

A submission names the form's real fields, each missing, once or repeated, with a value of its own kind or of
any other: empty, huge (up to 100 KB), any Unicode (every plane, combining marks, right-to-left overrides, NUL,
control and format characters), wrong types, negative and enormous numbers (5,000 digits), HTML- and SQL-like
strings, dates like 31 February; plus fields the form does not have, rows of a list that were never drawn, files
of any bytes under any name, a query string (`next=` and the like), and now and then the body written out by hand
with bytes that are not UTF-8 at all (a lone surrogate cannot be sent as UTF-8, so its encoded bytes are).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote_from_bytes

from hypothesis import strategies as st

from tests.fuzz.fields import (
    BUTTON,
    CHOICE,
    DATE,
    EMAIL,
    FILE,
    FLAG,
    MULTI,
    NUMBER,
    TEXT,
    TIME,
    FieldSpec,
    row_names,
)
from tests.support.factories import PDF_BYTES
from tests.support.images import image_bytes, png_declaring

HUGE = 100 * 1024
DIGITS = 5000

MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7 * 7 }}{% raw %}",
    "' OR '1'='1",
    '\'; DROP TABLE "user"; --',
    "1; SELECT pg_sleep(0) --",
    "%s %d %n %x",
    "../../../../etc/passwd",
    '=HYPERLINK("http://x")',
    "${jndi:ldap://x}",
    "\\",
    "'",
    '"',
    "%",
    "_",
    "%00",
]
ODD_TEXT = [
    "",
    " ",
    "\t\n\r ",
    "\x00",
    "a\x00b",
    "\x1b[31mred",
    "\u202eevil\u202c",
    "\u200b",
    "\u200b\u200b\u200b",
    "\ufeff",
    "e\u0301",
    "\u0301\u0301\u0301",
    "Z\u0351\u0352\u0353\u0354\u0355",
    "\U0001f600\U0001f3f3\ufe0f\u200d\U0001f308",
    "\U00010000\U0010fffd",
    "\uffff\ufffe",
    "\U000e0041",
    "\u2028\u2029",
    "\r\n\r\n",
    "line one\nline two",
    "日本語のテキスト",
    "مرحبا",
    "José",
    "Jose\u0301",
    "null",
    "None",
    "true",
    "[]",
    "{}",
    "0",
]
NUMBERS = [
    "0",
    "-0",
    "-1",
    "1",
    "00001",
    "0.5",
    "-0.01",
    "1.005",
    "1e3",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "-Infinity",
    "0x1F",
    "1_000",
    "1,000,000",
    ",,,",
    "£1,000.50",
    "£-5",
    "£",
    "½",
    "²",
    "\u0663\u0660\u0660",
    "\uff13\uff10\uff10",
    "१२३",
    " 12 ",
    "12abc",
    "9" * DIGITS,
    "-" + "9" * DIGITS,
    "1" + "0" * (DIGITS - 1),
    "0." + "0" * DIGITS + "1",
    "9" * 19,
    str(2**63),
    str(-(2**63) - 1),
    str(2**31),
]
DATES = [
    ["31", "2", "2026"],
    ["29", "2", "2025"],
    ["29", "2", "2024"],
    ["30", "2", "2028"],
    ["31", "4", "2026"],
    ["0", "0", "0"],
    ["32", "13", "2026"],
    ["1", "1", "1"],
    ["1", "1", "0001"],
    ["31", "12", "9999"],
    ["1", "1", "99999"],
    ["-1", "-1", "-2026"],
    ["\uff11", "\uff11", "\uff12\uff10\uff12\uff16"],
    ["1", "1", "9" * DIGITS],
    ["", "", ""],
    ["1", "", ""],
    ["a", "b", "c"],
]
TIMES = ["25:00", "12:60", "midnight", "noon", "9", "9am", "13pm", "0:00", "23:59", "12:00:00", "-1:00", "1:30 a.m."]
EMAILS = [
    "a@b",
    "@",
    "a@",
    "@example.com",
    "x" * 300 + "@example.com",
    "josé@example.com",
    "jose\u0301@example.com",
    "a@example.com\r\nBcc: b@example.com",
    "<a@example.com>",
    "a@[127.0.0.1]",
    '"a b"@example.com',
    "a..b@example.com",
    "someone@example.com",
    "applicant.a@example.com",
    "APPLICANT.A@EXAMPLE.COM",
]
FILENAMES = ["", "a.png", "photo.PNG", "plan.pdf", "x.html", "a.png.html", "../../etc/passwd", "a\x00.png", "é.pdf"]
FILE_BYTES = [
    b"",
    PDF_BYTES,
    image_bytes(),
    image_bytes("GIF"),
    b"GIF89a" + b"\x00" * 20,
    b"<html><script>alert(1)</script>",
    b"\xff" * 64,
]
# Bytes that are not UTF-8 (a lone surrogate encoded, an overlong slash, a stray continuation byte, a cut-off
# character), sent in a body written by hand.
NOT_UTF8 = [b"\xed\xa0\x80", b"\xc0\xaf", b"\x80", b"\xe2\x82", b"\xff\xfe", b"caf\xe9"]
EXTRA_NAMES = [
    "id",
    "user_id",
    "actor",
    "funder_id",
    "round_id",
    "bid_id",
    "status",
    "role",
    "is_admin",
    "amount_pence",
    "next",
    "submit",
    "later",
    "bids",
    "rank_1",
    "rank_999999999999999999",
    "rank_99999999999999999999999",
    "choice",
    "",
    "a" * 300,
]
QUERY_NAMES = ["next", "page", "round_id", "theme", "status", "q"]


# Up to 100 KB of one piece repeated: one word, words, digits, a wide character, invisible ones, line breaks.
# One field of an example at most is this big (a page that shows it again is as big), to keep examples quick.
_PIECES = ["x", "word ", "9", "é", "\U0001f600", "\u200b", "a\u200bb", "\n", "<b>", "'"]
HUGE_TEXT = st.builds(
    lambda piece, size: (piece * (size // len(piece.encode()) + 1))[: size // len(piece.encode())],
    st.sampled_from(_PIECES),
    st.sampled_from([2_000, 20_000, HUGE]),
)
ANY_CHARACTER = st.characters(codec="utf-8")
ANY_TEXT = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.sampled_from(MARKUP),
    st.sampled_from(NUMBERS),
    st.text(ANY_CHARACTER, max_size=40),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Mn", "Zs", "Zl", "Zp", "Co"]), max_size=12),
)
# What broke numbers and ids before (issue 11): digits `int` takes that are not ASCII, or that `isdigit` takes and
# `int` does not, more digits than `int` reads, and more than a database column holds. Drawn often, for every field.
DIGIT_TRAPS = st.sampled_from(
    ["\u00b2", "\u0663", "\uff17", "\u2460", "9" * DIGITS, "9" * 20, str(2**63), str(2**31), "-1", "1e309", "NaN"]
)
# Sent before the drawn examples: the first two broke `int`, the next two a column (past 64 bits on SQLite, past
# 32 on PostgreSQL, whose INTEGER keys and amounts are 32-bit), the last is markup with a NUL.
TRAPS = ["\u00b2", "9" * DIGITS, "9" * 20, str(2**31), "<b>'\"\x00\u202e</b>"]
# The fields a trap goes into on a plausible form; the others (dates, times, choices, ticks) keep likely values, so
# the form gets past its own checks to where the trap may break something.
FREE = {TEXT, NUMBER, EMAIL}
NUMBER_TEXT = st.one_of(
    DIGIT_TRAPS,
    st.sampled_from(NUMBERS),
    st.integers(-(10**30), 10**30).map(str),
    st.integers(0, 10**6).map(lambda n: f"{n / 100:.2f}"),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
DATE_PARTS = st.sampled_from(DATES) | st.lists(st.one_of(st.sampled_from(NUMBERS), ANY_TEXT), max_size=4)


def _values(spec: FieldSpec) -> st.SearchStrategy[list[str]]:
    """What one field is sent as: a list of values (one mostly; none for missing; several for repeated)."""
    own: st.SearchStrategy[str]
    if spec.kind == DATE:
        return st.one_of(DATE_PARTS, st.just([]))
    if spec.kind == NUMBER:
        own = NUMBER_TEXT
    elif spec.kind == TIME:
        own = st.sampled_from(TIMES)
    elif spec.kind == EMAIL:
        own = st.sampled_from(EMAILS)
    elif spec.kind in {CHOICE, MULTI, FLAG, BUTTON} and spec.choices:
        own = st.sampled_from(spec.choices)
    else:
        own = ANY_TEXT
    value = st.one_of(own, own, ANY_TEXT, DIGIT_TRAPS)
    return st.one_of(
        st.lists(value, min_size=1, max_size=1),
        st.just([]),
        st.lists(value, min_size=2, max_size=4 if spec.kind == MULTI else 3),
    )


@dataclass
class Post:
    """One submission: form pairs in order, files, a query string, and whether the body is written by hand."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, bytes, str]] = field(default_factory=list)
    query: list[tuple[str, str]] = field(default_factory=list)
    raw: list[tuple[bytes, bytes]] | None = None  # a urlencoded body of these bytes, instead of `pairs`
    form_token: str | None = None  # None: a fresh, valid one; else this, however odd

    def describe(self) -> str:
        shown = [
            (name, value if len(value) <= 80 else f"{value[:40]!r}... ({len(value)} chars)")
            for name, value in self.pairs
        ]
        files = [(name, len(data), filename) for name, data, filename in self.files]
        return (
            f"pairs={shown} files={files} query={self.query} raw={self.raw is not None} form_token={self.form_token!r}"
        )


FILE_CONTENT = st.one_of(
    st.sampled_from(FILE_BYTES),
    st.binary(max_size=200),
    st.builds(png_declaring, st.sampled_from([0, 1, 50_000, 2**31 - 1]), st.sampled_from([0, 1, 50_000])),
)
FILES = st.lists(
    st.tuples(FILE_CONTENT, st.one_of(st.sampled_from(FILENAMES), ANY_TEXT.map(lambda t: t[:300] + ".png"))),
    max_size=2,
)
QUERY = st.lists(st.tuples(st.sampled_from(QUERY_NAMES), ANY_TEXT), max_size=2)
ODD_TOKEN = st.one_of(st.just(""), ANY_TEXT)
NOT_UTF8_BYTES = st.sampled_from(NOT_UTF8)


def plausible(spec: FieldSpec) -> list[str]:
    """What a person would likely send in this field: what the page shows if it shows anything, else a valid value
    of its kind (today, for a date: no later than today, as a payment's must be)."""
    if any(spec.shown):
        return spec.shown
    today = date.today()
    likely = {
        NUMBER: ["100"],
        DATE: [str(today.day), str(today.month), str(today.year)],
        TIME: ["10:00"],
        EMAIL: ["someone.new@example.com"],
        FLAG: ["y"],
    }
    if spec.kind in likely:
        return likely[spec.kind]
    if spec.kind in {CHOICE, MULTI}:
        return [next((choice for choice in spec.choices if choice), "")]
    return ["A few plain words"]


def trap_posts(fields: list[FieldSpec]) -> list[Post]:
    """The first two traps in every field at once; then each trap in every free-text field of a plausible form."""
    sent = [spec for spec in fields if spec.kind not in {FILE, BUTTON}]
    every = [Post(pairs=[(spec.name, trap) for spec in sent]) for trap in TRAPS[:2]]
    button = [(spec.name, spec.choices[0]) for spec in fields if spec.kind == BUTTON and spec.choices][:1]
    free = [
        Post(
            pairs=[(spec.name, v) for spec in sent for v in ([trap] if spec.kind in FREE else plausible(spec))] + button
        )
        for trap in TRAPS
    ]
    return every + free


def posts(fields: list[FieldSpec]) -> st.SearchStrategy[Post]:
    """Submissions to a form with these fields (the strategies are built once, here, for all its examples)."""
    each = [(spec, FILES if spec.kind == FILE else _values(spec)) for spec in fields]
    rows = row_names(fields)
    names = [st.sampled_from(EXTRA_NAMES), st.text(ANY_CHARACTER, min_size=1, max_size=20)]
    if rows:
        names.append(st.builds(lambda row, i: f"{row[0]}-{i}-{row[1]}", st.sampled_from(rows), st.integers(0, 10**25)))
    extras = st.lists(st.tuples(st.one_of(names), ANY_TEXT), max_size=3)

    # Half the examples send a plausible form (what the page shows, else a likely value of the field's kind) with one
    # or two fields changed, so a value gets past the form's other checks to the service and the database.
    changeable = [spec.name for spec in fields if spec.kind not in {FILE, BUTTON}]
    likely = {spec.name: plausible(spec) for spec in fields}
    first_button = next((spec for spec in fields if spec.kind == BUTTON and spec.choices), None)

    @st.composite
    def post(draw: st.DrawFn) -> Post:
        drawn = Post()
        mutate = changeable and draw(st.booleans())
        changed = set(draw(st.lists(st.sampled_from(changeable), min_size=1, max_size=2))) if mutate else set()
        for spec, values in each:
            if spec.kind == FILE:
                drawn.files += [(spec.name, data, filename) for data, filename in draw(values)]
            elif not mutate or spec.name in changed:
                drawn.pairs += [(spec.name, value) for value in draw(values)]
            elif spec.kind == BUTTON:
                drawn.pairs += [(spec.name, spec.choices[0])] if spec is first_button else []
            else:
                drawn.pairs += [(spec.name, value) for value in likely[spec.name]]
        drawn.pairs += draw(extras)
        if drawn.pairs and draw(st.integers(0, 2)) == 0:
            at = draw(st.integers(0, len(drawn.pairs) - 1))
            drawn.pairs[at] = (drawn.pairs[at][0], draw(HUGE_TEXT))
        if draw(st.booleans()):
            drawn.pairs = draw(st.permutations(drawn.pairs))
        drawn.query = draw(QUERY)
        if draw(st.integers(0, 5)) == 0:
            drawn.form_token = draw(ODD_TOKEN)
        if not drawn.files and draw(st.integers(0, 4)) == 0:
            drawn.raw = [
                (name.encode(), value.encode() + (draw(NOT_UTF8_BYTES) if draw(st.booleans()) else b""))
                for name, value in drawn.pairs
            ] + [(draw(NOT_UTF8_BYTES), draw(NOT_UTF8_BYTES))]
        return drawn

    return post()


def urlencoded(pairs: list[tuple[bytes, bytes]]) -> bytes:
    return b"&".join(quote_from_bytes(name).encode() + b"=" + quote_from_bytes(value).encode() for name, value in pairs)


# What routes read from the address besides their GET forms' fields (a list's page, where to go after signing in,
# whose paper ballot, a round to start a group for).
QUERY_READ = ["next", "page", "round_id", "panellist", "theme", "status", "q", "min_amount", "max_amount", "area"]


def queries(fields: list[FieldSpec]) -> st.SearchStrategy[str]:
    """Query strings for a page: its GET form's fields and the names routes read, each missing, once or repeated,
    with any value; now and then with percent-encoded bytes that are not UTF-8."""
    names = list(dict.fromkeys([spec.name for spec in fields] + QUERY_READ))
    by_name = {spec.name: _values(spec) for spec in fields}
    anything = _values(FieldSpec("anything"))

    @st.composite
    def query(draw: st.DrawFn) -> str:
        chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
        pairs = [(name.encode(), value.encode()) for name in chosen for value in draw(by_name.get(name, anything))]
        if pairs and draw(st.integers(0, 3)) == 0:
            at = draw(st.integers(0, len(pairs) - 1))
            pairs[at] = (pairs[at][0], pairs[at][1] + draw(NOT_UTF8_BYTES))
        return urlencoded(pairs).decode("ascii")

    return query()
