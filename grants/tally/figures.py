"""Each bid's figures: weighted mean score, scorers, panellists in favour and Borda points."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from itertools import chain
from operator import mul

from grants.tally.inputs import Method, Prepared


@dataclass(frozen=True)
class BidFigures:
    """What the ranking and the tie-breaks look at for one bid (recused panellists already left out)."""

    bid_id: int
    amount_pence: int
    submitted_at: datetime
    mean_score: Fraction | None  # None: nobody (not recused) scored it
    scorers: int
    in_favour: int
    points: int | None  # Borda points, ranked vote only


def weighted_mean_score(by_panellist: dict[int, dict[int, int]], weights: dict[int, int]) -> Fraction | None:
    """The mean over scorers of each scorer's weighted average over the criteria they scored.

    A scorer's weighted average is sum(weight * value) / sum(weight) over the criteria they scored, so a scorer
    who left a criterion out is neither counted as 0 nor dropped; every scorer then counts equally.

    Exactly that, added up without a Fraction per scorer: the scorers whose weights add up to the same total
    share a denominator, so their weighted sums are added as integers first (usually every scorer scored every
    criterion, and there is a single denominator).
    """
    every = sum(weights.values())
    scored = list(by_panellist.values())
    if set(map(len, scored)) == {len(weights)}:  # the usual case: every scorer scored every criterion
        criteria, values = chain.from_iterable(scored), chain.from_iterable(map(dict.values, scored))
        return Fraction(sum(map(mul, map(weights.__getitem__, criteria), values)), every * len(scored))
    by_total: dict[int, int] = {}  # sum of the weights scored -> sum of the weighted values over those scorers
    scorers = 0
    for given in scored:
        if not given:
            continue
        scorers += 1
        total = every if len(given) == len(weights) else sum(map(weights.__getitem__, given))
        by_total[total] = by_total.get(total, 0) + sum(map(mul, map(weights.__getitem__, given), given.values()))
    if not scorers:
        return None
    if len(by_total) == 1:
        ((total, weighted),) = by_total.items()
        return Fraction(weighted, total * scorers)
    return sum((Fraction(weighted, total) for total, weighted in by_total.items()), Fraction(0)) / scorers


def compute_figures(prepared: Prepared) -> dict[int, BidFigures]:
    """The figures of every bid, keyed by bid id."""
    method = prepared.method
    choices = [ballot.choices for ballot in prepared.ballots]
    in_favour = Counter(chain.from_iterable(choices))
    points = Counter[int]()
    if method is Method.RANKED:
        limit = prepared.settings.ranked_limit or 0
        for ranking in choices:
            for position, bid_id in enumerate(ranking):
                points[bid_id] += limit - position
    figures: dict[int, BidFigures] = {}
    for bid_id, bid in prepared.bids.items():
        scored = prepared.scores[bid_id]
        scorers = sum(1 for values in scored.values() if values)
        figures[bid_id] = BidFigures(
            bid_id=bid_id,
            amount_pence=bid.amount_pence,
            submitted_at=bid.submitted_at,
            mean_score=weighted_mean_score(scored, prepared.weights),
            scorers=scorers,
            in_favour=scorers if method is Method.SCORES else in_favour[bid_id],
            points=points[bid_id] if method is Method.RANKED else None,
        )
    return figures
