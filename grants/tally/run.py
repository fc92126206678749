"""The tally: a pure, deterministic function from the recorded inputs to the ranked list and the funded set."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from grants.money import format_pounds
from grants.tally.digest import ALGORITHM_VERSION, digest_prepared
from grants.tally.equal_shares import Purchase, method_of_equal_shares
from grants.tally.figures import BidFigures, compute_figures
from grants.tally.inputs import BallotInput, BidInput, Method, Prepared, Recusal, RoundSettings, ScoreInput, prepare
from grants.tally.methods import ranked_list, tie_key
from grants.tally.result import (
    NO_SUPPORT_NOTES,
    REASON_COMPLETION,
    REASON_EQUAL_SHARES,
    REASON_FUNDED,
    REASON_RANK,
    BidResult,
    Flag,
    FundedBy,
    Outcome,
    TallyResult,
    reason_did_not_fit,
    under_quorum_note,
)
from grants.tally.select import WalkStep, greedy_walk

RANKED_BY = {
    Method.SCORES: "weighted mean score",
    Method.APPROVAL: "approvals",
    Method.BUDGET: "the number of ballots including each bid",
    Method.RANKED: "Borda points",
    Method.EQUAL_SHARES: "approvals",
}


def run_tally(
    *,
    settings: RoundSettings,
    bids: Iterable[BidInput],
    scores: Iterable[ScoreInput] = (),
    recusals: Iterable[Recusal] = (),
    ballots: Iterable[BallotInput] = (),
) -> TallyResult:
    """Rank the bids by the round's method and select within the budget, with every bid's reason in plain words.

    Raises TallyInputError when the inputs break a rule (see `grants.tally.inputs`).
    """
    prepared = prepare(settings=settings, bids=bids, scores=scores, recusals=recusals, ballots=ballots)
    figures = compute_figures(prepared)
    budget = settings.budget_pence
    order = ranked_list(prepared.method, figures)
    if prepared.method is Method.EQUAL_SHARES:
        results, explanation, left = _equal_shares_phase(prepared, figures)
        explanation.append(f"Completion: the {format_pounds(left)} left goes down the remaining bids by approvals.")
        bought = {result.bid_id for result in results}
        walk = greedy_walk([b for b in order if b not in bought], _amounts(figures), left)
        _walk_results(prepared, figures, walk, FundedBy.COMPLETION, results, explanation)
    else:
        results, explanation = [], []
        explanation.append(
            f"The walk goes down the ranked list (by {RANKED_BY[prepared.method]}) with the budget of "
            f"{format_pounds(budget)}, funding each bid that fits what is left."
        )
        walk = greedy_walk(order, _amounts(figures), budget)
        _walk_results(prepared, figures, walk, FundedBy.WALK, results, explanation)

    used = sum(r.amount_pence for r in results if r.funded)
    explanation.append(
        f"{format_pounds(used)} of the {format_pounds(budget)} budget used, {format_pounds(budget - used)} left."
    )
    return TallyResult(
        algorithm=ALGORITHM_VERSION,
        digest=digest_prepared(prepared),
        method=prepared.method,
        budget_pence=budget,
        used_pence=used,
        left_pence=budget - used,
        bids=tuple(results),
        explanation=tuple(explanation),
    )


def _amounts(figures: dict[int, BidFigures]) -> dict[int, int]:
    return {bid_id: f.amount_pence for bid_id, f in figures.items()}


def _equal_shares_phase(prepared: Prepared, figures: dict[int, BidFigures]) -> tuple[list[BidResult], list[str], int]:
    """The bids bought by equal shares, the explanation so far, and the budget left for the completion."""
    explanation = [_equal_shares_opening(prepared)]
    results: list[BidResult] = []
    left = prepared.settings.budget_pence
    for purchase in _equal_shares(prepared, figures):
        amount = figures[purchase.bid_id].amount_pence
        results.append(
            _bid_result(
                prepared,
                figures[purchase.bid_id],
                rank=len(results) + 1,
                outcome=Outcome.FUNDED,
                funded_by=FundedBy.EQUAL_SHARES,
                left_before=left,
                reason=REASON_EQUAL_SHARES,
                payment=purchase,
            )
        )
        left -= amount
        explanation.append(
            f"Bid {purchase.bid_id} ({format_pounds(amount)}) funded by equal shares: the {purchase.supporters} "
            f"{_panellists(purchase.supporters)} who approved it paid up to "
            f"{format_pounds(purchase.max_payment)} each, {format_pounds(left)} left."
        )
    return results, explanation, left


def _walk_results(
    prepared: Prepared,
    figures: dict[int, BidFigures],
    walk: tuple[WalkStep, ...],
    funded_by: FundedBy,
    results: list[BidResult],
    explanation: list[str],
) -> None:
    """Append each walked bid's result and line, ranked after those already in `results`."""
    funded_reason, how = (
        (REASON_COMPLETION, " in the completion step") if funded_by is FundedBy.COMPLETION else (REASON_FUNDED, "")
    )
    funded_later = _funded_later(walk)
    for step in walk:
        amount = figures[step.bid_id].amount_pence
        if step.funded:
            outcome, reason = Outcome.FUNDED, funded_reason
            after = step.left_before_pence - amount
            explanation.append(f"Bid {step.bid_id} ({format_pounds(amount)}) funded{how}, {format_pounds(after)} left.")
        else:
            # Skipped while a bid further down was funded: it did not fit. Nothing below it was funded: its rank.
            if funded_later[step.bid_id]:
                outcome, reason = Outcome.NOT_FUNDED_DID_NOT_FIT, reason_did_not_fit(step.left_before_pence)
            else:
                outcome, reason = Outcome.NOT_FUNDED_RANK, REASON_RANK
            explanation.append(
                f"Bid {step.bid_id} ({format_pounds(amount)}) not funded: it did not fit the "
                f"{format_pounds(step.left_before_pence)} left."
            )
        results.append(
            _bid_result(
                prepared,
                figures[step.bid_id],
                rank=len(results) + 1,
                outcome=outcome,
                funded_by=funded_by if step.funded else None,
                left_before=step.left_before_pence,
                reason=reason,
            )
        )


def _equal_shares(prepared: Prepared, figures: dict[int, BidFigures]) -> tuple[Purchase, ...]:
    supporters: dict[int, list[int]] = {bid_id: [] for bid_id in prepared.bids}
    for ballot in prepared.ballots:
        for bid_id in ballot.choices:
            supporters[bid_id].append(ballot.panellist_id)
    return method_of_equal_shares(
        budget_pence=prepared.settings.budget_pence,
        voters=[ballot.panellist_id for ballot in prepared.ballots],
        supporters=supporters,
        amounts={bid_id: f.amount_pence for bid_id, f in figures.items()},
        tie_key=lambda bid_id: tie_key(figures[bid_id]),
    )


def _equal_shares_opening(prepared: Prepared) -> str:
    voters = len(prepared.ballots)
    budget = prepared.settings.budget_pence
    if not voters:
        return "Equal shares: no ballots were cast, so equal shares buys nothing."
    share = format_pounds(Fraction(budget, voters))
    return (
        f"Equal shares: the {voters} {_panellists(voters)} who cast a ballot each hold an equal share of the "
        f"{format_pounds(budget)} budget, {share} each."
    )


def _panellists(count: int) -> str:
    return "panellist" if count == 1 else "panellists"


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
    reason: str,
    payment: Purchase | None = None,
) -> BidResult:
    flags: list[Flag] = []
    notes: list[str] = []
    quorum = prepared.settings.quorum
    if figures.scorers < quorum:
        flags.append(Flag.UNDER_QUORUM)
        notes.append(under_quorum_note(quorum))
    if prepared.method is not Method.SCORES and figures.in_favour == 0:
        flags.append(Flag.NO_SUPPORT)
        notes.append(NO_SUPPORT_NOTES[prepared.method])
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
        reason=reason,
        flags=tuple(flags),
        flag_notes=tuple(notes),
        equal_shares_payment=payment.max_payment if payment is not None else None,
    )
