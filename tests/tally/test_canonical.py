"""The canonical JSON written a row at a time is byte for byte what the rfc8785 library writes for the document.

So every digest stored before the fast writer is the digest of the same inputs now. Where the fast writer is not
sure (a number that is not a plain int or is too big for JSON, text that is not valid UTF-8) it hands the document
to the library, which gives its result or its error as it always did.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.tally import BallotInput, BidInput, Criterion, Method, RoundSettings, ScoreInput
from grants.tally.canonical import SAFE_MAX, SAFE_MIN, encode_basestring, fast_canonical_json, plain_ints
from grants.tally.digest import ALGORITHM_VERSION, TIME_FORMAT, canonical_document, canonical_json
from grants.tally.inputs import prepare
from tests.tally.strategies import PROPERTY, Round, rounds

FEWER = settings(PROPERTY, max_examples=100)

ids = st.one_of(st.integers(-5, 10_000), st.sampled_from([0, SAFE_MAX, SAFE_MIN, SAFE_MAX - 1]))


def library(kwargs: dict[str, Any]) -> bytes:
    return rfc8785.dumps(canonical_document(prepare(**kwargs)))


def fast(kwargs: dict[str, Any]) -> bytes | None:
    prepared = prepare(**kwargs)
    try:
        written = rfc8785.dumps(canonical_document(prepared)["settings"])
    except rfc8785.CanonicalizationError:
        return None  # canonical_json hands the whole document to the library then
    return fast_canonical_json(prepared, algorithm=ALGORITHM_VERSION, settings=written, time_format=TIME_FORMAT)


@FEWER
@given(round_=rounds(max_bids=12, max_panellists=10))
def test_the_fast_canonical_json_is_the_librarys_on_every_kind_of_round(round_: Round) -> None:
    kwargs = round_.kwargs()
    written = fast(kwargs)
    assert written is not None  # plain rounds never need the library
    assert written == library(kwargs) == canonical_json(prepare(**kwargs))


@st.composite
def renumbered(draw: st.DrawFn) -> dict[str, Any]:
    """A round whose ids are redrawn from a wide range, the safe-integer limits of JSON included."""
    round_ = draw(rounds(max_bids=6, max_panellists=5))
    bid_ids = {b.id: draw(ids) for b in round_.bids}
    who = {p: draw(ids) for p in round_.panellists}
    if len(set(bid_ids.values())) < len(bid_ids) or len(set(who.values())) < len(who):
        bid_ids = {b: b for b in bid_ids}
        who = {p: p for p in who}
    kwargs = round_.kwargs()
    amounts = [0, 1] if round_.method is Method.BUDGET else [0, 1, SAFE_MAX]  # 0: as it was
    kwargs["bids"] = [
        dataclasses.replace(b, id=bid_ids[b.id], amount_pence=draw(st.sampled_from(amounts)) or b.amount_pence)
        for b in round_.bids
    ]
    kwargs["scores"] = [
        dataclasses.replace(s, panellist_id=who[s.panellist_id], bid_id=bid_ids[s.bid_id]) for s in round_.scores
    ]
    kwargs["recusals"] = [
        dataclasses.replace(r, panellist_id=who[r.panellist_id], bid_id=bid_ids[r.bid_id]) for r in round_.recusals
    ]
    kwargs["ballots"] = [
        BallotInput(
            who[b.panellist_id],
            approvals=tuple(bid_ids[x] for x in b.approvals),
            ranking=tuple(bid_ids[x] for x in b.ranking),
        )
        for b in round_.ballots
    ]
    return kwargs


@FEWER
@given(kwargs=renumbered())
def test_the_fast_canonical_json_is_the_librarys_for_ids_up_to_the_limits_of_json(kwargs: dict[str, Any]) -> None:
    assert fast(kwargs) == library(kwargs)


@PROPERTY
@given(text=st.text())
def test_strings_are_escaped_as_the_library_escapes_them(text: str) -> None:
    try:
        expected = rfc8785.dumps(text)
    except rfc8785.CanonicalizationError:
        with pytest.raises(UnicodeEncodeError):  # a lone surrogate: the fast writer hands it to the library
            encode_basestring(text).encode("utf-8")
    else:
        assert encode_basestring(text).encode("utf-8") == expected


@pytest.mark.parametrize(
    ("values", "plain"),
    [
        ([], True),
        ([0, -1, SAFE_MAX, SAFE_MIN], True),
        ([SAFE_MAX + 1], False),
        ([SAFE_MIN - 1], False),
        ([1, True], False),
        ([1, 1.0], False),
        ([1, "1"], False),
    ],
)
def test_plain_ints_are_ints_in_the_safe_range_of_json(values: list[object], plain: bool) -> None:
    assert plain_ints(values) is plain


class Panellist(enum.IntEnum):
    ANNE = 7


BASE: dict[str, Any] = {
    "settings": RoundSettings(budget_pence=5_000, method="approval", criteria=(Criterion(1, 2),), quorum=0),
    "bids": (BidInput(1, 3_000, "2026-03-01T09:00:00Z"), BidInput(2, 2_000, "2026-03-01T09:05:00+01:00")),
    "scores": (ScoreInput(7, 1, 1, 4),),
    "ballots": (BallotInput(7, approvals=(2, 1)),),
}


@pytest.mark.parametrize(
    "changes",
    [
        {"bids": (BidInput(1, 3_000, "2026-03-01T09:00:00Z"), BidInput(2, SAFE_MAX + 1, "2026-03-01T09:05:00Z"))},
        {"scores": (ScoreInput(SAFE_MAX + 1, 1, 1, 4),)},
        {"ballots": (BallotInput(Panellist.ANNE, approvals=(2, 1)),)},
        {"scores": (ScoreInput(Panellist.ANNE, 1, 1, 4),)},
        {"settings": dataclasses.replace(BASE["settings"], budget_pence=SAFE_MAX + 1)},
        {
            "settings": dataclasses.replace(BASE["settings"], criteria=(Criterion(Panellist.ANNE, 2),)),
            "scores": (ScoreInput(7, 1, 7, 4),),
        },
    ],
)
def test_what_the_fast_writer_is_not_sure_of_goes_to_the_library_with_the_same_result(changes: dict[str, Any]) -> None:
    kwargs = {**BASE, **changes}
    prepared = prepare(**kwargs)
    try:
        expected: bytes | str = rfc8785.dumps(canonical_document(prepared))
    except rfc8785.CanonicalizationError as error:
        expected = repr(error)
    try:
        got: bytes | str = canonical_json(prepared)
    except rfc8785.CanonicalizationError as error:
        got = repr(error)
    assert got == expected
    assert fast(kwargs) is None  # it was the library that wrote (or refused) it


def test_ballots_the_bulk_checks_leave_to_the_row_by_row_checks_are_still_written_fast_and_the_same() -> None:
    # approvals given as a list, not a tuple: the row-by-row checks take them, and so does the fast writer
    for method, field in (("approval", "approvals"), ("ranked", "ranking")):
        settings = dataclasses.replace(BASE["settings"], method=method, ranked_limit=3)
        ballots = (BallotInput(7, **{field: [2, 1]}), BallotInput(3, **{field: [1]}), BallotInput(5))  # type: ignore[arg-type]
        kwargs = {**BASE, "settings": settings, "ballots": ballots}
        assert prepare(**kwargs).ballot_columns is None
        written = fast(kwargs)
        assert written is not None and written == library(kwargs)
