"""The panel's score ranking by the tally's own figures and tie-breaks, for the score summary the panel reads.

The summary ranks every bid as the scores method would (weighted mean score, then the tie-breaks of
`grants.tally.methods`), over the same counted scores (recused panellists' left out by `prepare`), so the panel
never reads an order the tally would not give. Plain data in and out, like the rest of the tally.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from grants.tally.figures import BidFigures, compute_figures
from grants.tally.inputs import BidInput, Criterion, Method, Recusal, RoundSettings, ScoreInput, prepare
from grants.tally.methods import ranked_list


@dataclass(frozen=True)
class ScoreRanking:
    """The bids best first, each bid's figures, and the scores that count (bid -> panellist -> criterion -> value)."""

    order: tuple[int, ...]
    figures: Mapping[int, BidFigures]
    counted: Mapping[int, Mapping[int, Mapping[int, int]]]


def score_ranking(
    *,
    criteria: Iterable[Criterion],
    bids: Iterable[BidInput],
    scores: Iterable[ScoreInput] = (),
    recusals: Iterable[Recusal] = (),
) -> ScoreRanking:
    """Rank the bids by weighted mean score as the tally's scores method does; raises TallyInputError as it does."""
    settings = RoundSettings(budget_pence=0, method=Method.SCORES, criteria=tuple(criteria))
    prepared = prepare(settings=settings, bids=bids, scores=scores, recusals=recusals)
    figures = compute_figures(prepared)
    return ScoreRanking(
        order=tuple(ranked_list(Method.SCORES, figures)),
        figures=figures,
        counted=prepared.scores,
    )
