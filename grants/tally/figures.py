"""Each bid's figures: weighted mean score, scorers, panellists in favour and Borda points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

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
    """
    per_scorer = [
        Fraction(sum(weights[c] * v for c, v in values.items()), sum(weights[c] for c in values))
        for values in by_panellist.values()
        if values
    ]
    if not per_scorer:
        return None
    return sum(per_scorer, Fraction(0)) / len(per_scorer)


def compute_figures(prepared: Prepared) -> dict[int, BidFigures]:
    """The figures of every bid, keyed by bid id."""
    method = prepared.method
    in_favour = dict.fromkeys(prepared.bids, 0)
    points: dict[int, int] = dict.fromkeys(prepared.bids, 0)
    limit = prepared.settings.ranked_limit or 0
    for ballot in prepared.ballots:
        for position, bid_id in enumerate(ballot.choices):
            in_favour[bid_id] += 1
            if method is Method.RANKED:
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
