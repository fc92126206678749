"""Checking a whole kind of input at once, for rounds with hundreds of thousands of scores or ballot entries.

Each function here checks every rule `inputs.py` checks row by row, but over whole columns (C-level `map`, `set`
and `chain` passes), and returns the same prepared data. It returns None as soon as anything is not plainly
right, and then the row-by-row check in `inputs.py` runs and raises its error, with its message, exactly as
before: so the fast path only ever decides that the inputs are fine, never what is wrong with them. It is also
stricter than needed (an id must be an int, not a subclass of int), which only sends unusual inputs the slow way.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any

SCORE_FIELDS = attrgetter("panellist_id", "bid_id", "criterion_id", "value")
RECUSAL_FIELDS = attrgetter("panellist_id", "bid_id")

ScoresByBid = dict[int, dict[int, dict[int, int]]]


def only(values: Any, kind: type) -> bool:
    """Whether every value is exactly of `kind` (a bool is not an int here, nor is any other subclass)."""
    return set(map(type, values)) <= {kind}


def recusals(rows: Sequence[Any], bids: Collection[int]) -> frozenset[tuple[int, int]] | None:
    pairs = list(map(RECUSAL_FIELDS, rows))
    if not only(chain.from_iterable(pairs), int) or not set(map(itemgetter(1), pairs)).issubset(bids):
        return None
    seen = frozenset(pairs)
    return seen if len(seen) == len(pairs) else None


def scores(
    rows: Sequence[Any],
    bids: Collection[int],
    weights: Collection[int],
    allowed_values: Collection[int],
    recused: frozenset[tuple[int, int]],
) -> tuple[ScoresByBid, ScoresByBid] | None:
    """bid id -> panellist id -> criterion id -> value, in the order the scores came: the scores that count (the
    recused left out), and every score as recorded, for the digest (the two share what they have in common)."""
    fields = list(map(SCORE_FIELDS, rows))
    if not only(chain.from_iterable(fields), int):
        return None
    if not (
        set(map(itemgetter(1), fields)).issubset(bids)
        and set(map(itemgetter(2), fields)).issubset(weights)
        and set(map(itemgetter(3), fields)).issubset(allowed_values)
    ):
        return None
    recorded: ScoresByBid = {bid_id: {} for bid_id in bids}
    for panellist_id, bid_id, criterion_id, value in fields:
        scored = recorded[bid_id]
        if panellist_id in scored:
            scored[panellist_id][criterion_id] = value
        else:
            scored[panellist_id] = {criterion_id: value}
    if sum(len(values) for scored in recorded.values() for values in scored.values()) != len(fields):
        return None  # two scores for the same panellist, bid and criterion
    counted = dict(recorded)
    for panellist_id, bid_id in recused:  # what a recused panellist gave that bid never counts
        if panellist_id in counted[bid_id]:
            if counted[bid_id] is recorded[bid_id]:
                counted[bid_id] = dict(recorded[bid_id])
            del counted[bid_id][panellist_id]
    return counted, recorded


@dataclass(frozen=True)
class BallotColumns:
    """Ballots checked in bulk, in panellist order: each panellist, the choices that count (recused entries
    dropped, approvals sorted, a ranking closed up), and the ballot as recorded (approvals sorted), for the digest."""

    panellists: list[int]
    counted: list[tuple[int, ...]]
    approvals: list[tuple[int, ...]]
    rankings: list[tuple[int, ...]]


def ballot_choices(
    rows: Sequence[Any],
    *,
    ranked: bool,
    bids: Mapping[int, Any],
    recused: frozenset[tuple[int, int]],
) -> BallotColumns | None:
    """The ballots, checked; the caller checks the limits of the method."""
    who = list(map(attrgetter("panellist_id"), rows))
    if not only(who, int) or len(set(who)) != len(who):
        return None
    used = list(map(attrgetter("ranking" if ranked else "approvals"), rows))
    unused = map(attrgetter("approvals" if ranked else "ranking"), rows)
    if not only(used, tuple) or any(unused):
        return None
    entries = list(chain.from_iterable(used))
    if not only(entries, int) or not set(entries).issubset(bids):
        return None
    if sum(map(len, map(set, used))) != len(entries):
        return None  # a ballot names a bid twice
    order = sorted(range(len(who)), key=who.__getitem__)
    who, used = list(map(who.__getitem__, order)), list(map(used.__getitem__, order))
    if not ranked:
        used = list(map(tuple, map(sorted, used)))  # dropping entries below keeps them sorted
    counted = used
    barred: dict[int, set[int]] = {}
    for panellist_id, bid_id in recused:
        barred.setdefault(panellist_id, set()).add(bid_id)
    if barred:
        counted = [
            tuple(b for b in choices if b not in barred[p]) if p in barred else choices
            for p, choices in zip(who, used, strict=True)
        ]
    nothing: list[tuple[int, ...]] = [()] * len(who)
    return BallotColumns(who, counted, nothing if ranked else used, used if ranked else nothing)
