"""The tally: a pure, deterministic function from the recorded inputs to the ranked list and the funded set."""

from __future__ import annotations

from collections.abc import Iterable

from grants.tally.digest import ALGORITHM_VERSION, digest_prepared
from grants.tally.equal_shares import Purchase, method_of_equal_shares
from grants.tally.explanation import (
    BoughtByEqualShares,
    BudgetUsed,
    CompletionStarts,
    EqualSharesStarts,
    Funded,
    Skipped,
    Step,
    WalkStarts,
)
from grants.tally.figures import BidFigures, compute_figures
from grants.tally.inputs import BallotInput, BidInput, Method, Prepared, Recusal, RoundSettings, ScoreInput, prepare
from grants.tally.methods import ranked_list, tie_order
from grants.tally.result import BidResult, Flag, FundedBy, Outcome, TallyResult
from grants.tally.select import WalkStep, greedy_walk


def run_tally(
    *,
    settings: RoundSettings,
    bids: Iterable[BidInput],
    scores: Iterable[ScoreInput] = (),
    recusals: Iterable[Recusal] = (),
    ballots: Iterable[BallotInput] = (),
) -> TallyResult:
    """Rank the bids by the round's method and select within the budget, with every bid's outcome and the steps taken.

    Raises TallyInputError when the inputs break a rule (see `grants.tally.inputs`).
    """
    prepared = prepare(settings=settings, bids=bids, scores=scores, recusals=recusals, ballots=ballots)
    figures = compute_figures(prepared)
    budget = settings.budget_pence
    ties = tie_order(figures)
    order = ranked_list(prepared.method, figures, ties)
    steps: list[Step]
    if prepared.method is Method.EQUAL_SHARES:
        results, steps, left = _equal_shares_phase(prepared, figures, ties)
        steps.append(CompletionStarts(left_pence=left))
        bought = {result.bid_id for result in results}
        walk = greedy_walk([b for b in order if b not in bought], _amounts(figures), left)
        _walk_results(prepared, figures, walk, FundedBy.COMPLETION, results, steps)
    else:
        results, steps = [], [WalkStarts(method=prepared.method, budget_pence=budget)]
        walk = greedy_walk(order, _amounts(figures), budget)
        _walk_results(prepared, figures, walk, FundedBy.WALK, results, steps)

    used = sum(r.amount_pence for r in results if r.funded)
    steps.append(BudgetUsed(used_pence=used, budget_pence=budget, left_pence=budget - used))
    return TallyResult(
        algorithm=ALGORITHM_VERSION,
        digest=digest_prepared(prepared),
        method=prepared.method,
        budget_pence=budget,
        used_pence=used,
        left_pence=budget - used,
        quorum=settings.quorum,
        bids=tuple(results),
        steps=tuple(steps),
    )


def _amounts(figures: dict[int, BidFigures]) -> dict[int, int]:
    return {bid_id: f.amount_pence for bid_id, f in figures.items()}


def _equal_shares_phase(
    prepared: Prepared, figures: dict[int, BidFigures], ties: dict[int, int]
) -> tuple[list[BidResult], list[Step], int]:
    """The bids bought by equal shares, the steps so far, and the budget left for the completion."""
    budget = prepared.settings.budget_pence
    steps: list[Step] = [EqualSharesStarts(voters=len(prepared.ballots), budget_pence=budget)]
    results: list[BidResult] = []
    left = budget
    for purchase in _equal_shares(prepared, figures, ties):
        amount = figures[purchase.bid_id].amount_pence
        results.append(
            _bid_result(
                prepared,
                figures[purchase.bid_id],
                rank=len(results) + 1,
                outcome=Outcome.FUNDED,
                funded_by=FundedBy.EQUAL_SHARES,
                left_before=left,
                payment=purchase,
            )
        )
        left -= amount
        steps.append(
            BoughtByEqualShares(
                bid_id=purchase.bid_id,
                amount_pence=amount,
                supporters=purchase.supporters,
                max_payment_pence=purchase.max_payment,
                left_pence=left,
            )
        )
    return results, steps, left


def _walk_results(
    prepared: Prepared,
    figures: dict[int, BidFigures],
    walk: tuple[WalkStep, ...],
    funded_by: FundedBy,
    results: list[BidResult],
    steps: list[Step],
) -> None:
    """Append each walked bid's result and step, ranked after those already in `results`."""
    funded_later = _funded_later(walk)
    for step in walk:
        amount = figures[step.bid_id].amount_pence
        if step.funded:
            outcome = Outcome.FUNDED
            steps.append(
                Funded(
                    bid_id=step.bid_id,
                    amount_pence=amount,
                    left_pence=step.left_before_pence - amount,
                    in_completion=funded_by is FundedBy.COMPLETION,
                )
            )
        else:
            # Skipped while a bid further down was funded: it did not fit. Nothing below it was funded: its rank.
            outcome = Outcome.NOT_FUNDED_DID_NOT_FIT if funded_later[step.bid_id] else Outcome.NOT_FUNDED_RANK
            steps.append(Skipped(bid_id=step.bid_id, amount_pence=amount, left_pence=step.left_before_pence))
        results.append(
            _bid_result(
                prepared,
                figures[step.bid_id],
                rank=len(results) + 1,
                outcome=outcome,
                funded_by=funded_by if step.funded else None,
                left_before=step.left_before_pence,
            )
        )


def _equal_shares(prepared: Prepared, figures: dict[int, BidFigures], ties: dict[int, int]) -> tuple[Purchase, ...]:
    return method_of_equal_shares(
        budget_pence=prepared.settings.budget_pence,
        ballots=[ballot.choices for ballot in prepared.ballots],
        amounts={bid_id: f.amount_pence for bid_id, f in figures.items()},
        tie_key=ties.__getitem__,
    )


def _funded_later(walk: tuple[WalkStep, ...]) -> dict[int, bool]:
    """For each step, whether a bid further down the walk was funded."""
    later: dict[int, bool] = {}
    seen_funded = False
    for step in reversed(walk):
        later[step.bid_id] = seen_funded
        seen_funded = seen_funded or step.funded
    return later


def _bid_result(
    prepared: Prepared,
    figures: BidFigures,
    *,
    rank: int,
    outcome: Outcome,
    funded_by: FundedBy | None,
    left_before: int,
    payment: Purchase | None = None,
) -> BidResult:
    flags: list[Flag] = []
    if figures.scorers < prepared.settings.quorum:
        flags.append(Flag.UNDER_QUORUM)
    if prepared.method is not Method.SCORES and figures.in_favour == 0:
        flags.append(Flag.NO_SUPPORT)
    return BidResult(
        bid_id=figures.bid_id,
        rank=rank,
        amount_pence=figures.amount_pence,
        mean_score=figures.mean_score,
        scorers=figures.scorers,
        in_favour=figures.in_favour,
        points=figures.points,
        outcome=outcome,
        funded_by=funded_by,
        left_before_pence=left_before,
        flags=tuple(flags),
        equal_shares_payment=payment.max_payment if payment is not None else None,
    )
