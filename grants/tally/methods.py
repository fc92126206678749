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


def ranked_list(method: Method, figures: dict[int, BidFigures]) -> list[int]:
    """Bid ids in the method's ranked order, best first."""
    return sorted(figures, key=lambda bid_id: ranking_key(method, figures[bid_id]))
