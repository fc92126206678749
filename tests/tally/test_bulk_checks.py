"""The bulk checks (whole columns at once, for large rounds) prepare exactly what the row-by-row checks prepare, and
never decide an error: broken inputs get the row-by-row check's error, message and all."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from grants.tally import BallotInput, TallyInputError, bulk
from grants.tally.inputs import Prepared, prepare
from tests.tally.strategies import PROPERTY, Round, rounds

FEWER = settings(PROPERTY, max_examples=150)
BAD_VALUES = [True, False, 2**60, -1, 0, 6, "1", 1.0, None, 10**6]


@contextmanager
def row_by_row() -> Iterator[None]:
    """Only the row-by-row checks: every bulk check declines."""
    with (
        mock.patch.object(bulk, "scores", return_value=None),
        mock.patch.object(bulk, "recusals", return_value=None),
        mock.patch.object(bulk, "ballot_choices", return_value=None),
    ):
        yield


def outcome(kwargs: dict[str, Any]) -> Prepared | str:
    try:
        return dataclasses.replace(prepare(**kwargs), recorded_scores=None, ballot_columns=None)
    except TallyInputError as error:
        return f"TallyInputError: {error}"


def both(kwargs: dict[str, Any]) -> tuple[Prepared | str, Prepared | str]:
    fast = outcome(kwargs)
    with row_by_row():
        slow = outcome(kwargs)
    return fast, slow


@FEWER
@given(round_=rounds(max_bids=10, max_panellists=8))
def test_the_bulk_checks_prepare_what_the_row_by_row_checks_prepare(round_: Round) -> None:
    fast, slow = both(round_.kwargs())
    assert isinstance(fast, Prepared)
    assert fast == slow
    # and in the same order: the panel's score summary lists panellists as the scores came
    assert [list(by_panellist) for by_panellist in fast.scores.values()] == [
        list(by_panellist)
        for by_panellist in slow.scores.values()  # type: ignore[union-attr]
    ]


@st.composite
def broken(draw: st.DrawFn) -> dict[str, Any]:
    """A round with one input broken in some way (a bad value, a bid or panellist named twice, a row repeated)."""
    kwargs = draw(rounds(max_bids=8, max_panellists=6)).kwargs()
    kind = draw(st.sampled_from(["bids", "scores", "recusals", "ballots"]))
    items = list(kwargs[kind])
    if not items:
        kind, items = "ballots", [BallotInput(draw(st.sampled_from(BAD_VALUES)))]
    else:
        index = draw(st.integers(0, len(items) - 1))
        field = draw(st.sampled_from([f.name for f in dataclasses.fields(items[index])]))
        value = getattr(items[index], field)
        if isinstance(value, tuple):
            bad = draw(st.sampled_from([(*value, *value[:1]), (*value, draw(st.sampled_from(BAD_VALUES))), [*value]]))
        else:
            bad = draw(st.sampled_from(BAD_VALUES))
        items[index] = dataclasses.replace(items[index], **{field: bad})
        if draw(st.booleans()):
            items.append(items[index])
    kwargs[kind] = tuple(items)
    return kwargs


@FEWER
@given(kwargs=broken())
def test_broken_inputs_get_the_row_by_row_checks_error(kwargs: dict[str, Any]) -> None:
    fast, slow = both(kwargs)
    assert fast == slow
