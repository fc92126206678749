"""The order of the ranked list for each method, with the tie-breaks of DESIGN.md.

Ties, in order: higher weighted mean score (a bid nobody scored comes after every scored one); more panellists in
favour; smaller amount requested; earlier submission; finally the lower bid id, so the order is total and the same
inputs always give the same list.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from grants.tally.figures import BidFigures
from grants.tally.inputs import Method

TieKey = tuple[bool, Fraction, int, int, datetime, int]


def tie_key(figures: BidFigures) -> TieKey:
    """Sorts ascending into the tie-break order: the bid that wins a tie comes first."""
    mean = figures.mean_score
    return (
        mean is None,
        -mean if mean is not None else Fraction(0),
        -figures.in_favour,
        figures.amount_pence,
        figures.submitted_at,
        figures.bid_id,
    )


def ranking_key(method: Method, figures: BidFigures) -> tuple[int, TieKey]:
    """Sorts ascending into the method's ranked list.

    scores: weighted mean score (its first tie-break); approval, budget and the equal shares completion: panellists
    in favour (approvals, or ballots including the bid); ranked: Borda points.
    """
    if method is Method.SCORES:
        primary = 0
    elif method is Method.RANKED:
        primary = -(figures.points or 0)
    else:
        primary = -figures.in_favour
    return (primary, tie_key(figures))


def tie_order(figures: dict[int, BidFigures]) -> dict[int, int]:
    """Each bid's place in the tie-break order (0 wins every tie): the order of `tie_key`, computed with each mean
    score replaced by its place among the distinct means, so that sorting compares ints, not Fractions."""
    means = sorted({f.mean_score for f in figures.values() if f.mean_score is not None})
    place = {mean: index for index, mean in enumerate(means)}

    def key(bid_id: int) -> tuple[bool, int, int, int, datetime, int]:
        f = figures[bid_id]
        higher = -place[f.mean_score] if f.mean_score is not None else 0
        return (f.mean_score is None, higher, -f.in_favour, f.amount_pence, f.submitted_at, f.bid_id)

    return {bid_id: index for index, bid_id in enumerate(sorted(figures, key=key))}


def ranked_list(method: Method, figures: dict[int, BidFigures], order: dict[int, int] | None = None) -> list[int]:
    """Bid ids in the method's ranked order, best first: `ranking_key`, with the tie-breaks as `tie_order` places
    them (pass it in if it is known already)."""
    order = tie_order(figures) if order is None else order
    if method is Method.SCORES:
        return sorted(figures, key=order.__getitem__)
    if method is Method.RANKED:
        return sorted(figures, key=lambda bid_id: (-(figures[bid_id].points or 0), order[bid_id]))
    return sorted(figures, key=lambda bid_id: (-figures[bid_id].in_favour, order[bid_id]))
