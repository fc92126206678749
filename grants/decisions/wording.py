"""The tally's result in plain words: each bid's reason and flags, and how the result came about, step by step.

The tally gives numbers and structure only (`grants.tally.explanation`); here they become the sentences the
decision pages, the stored result and `flask tally show` use, with money in pounds. Every sentence about a bid
starts with its name, which the caller chooses: the stored words name bids by id ("Bid 20"), as the tally knows
them; the pages name them by reference ("RSS27-0004"), as people know them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from grants.money import format_pounds
from grants.tally import (
    BoughtByEqualShares,
    BudgetUsed,
    CompletionStarts,
    EqualSharesStarts,
    Flag,
    Funded,
    FundedBy,
    Method,
    Outcome,
    Skipped,
    Step,
    WalkStarts,
)

BidName = Callable[[int], str]

RANKED_BY = {
    Method.SCORES: "weighted mean score",
    Method.APPROVAL: "approvals",
    Method.BUDGET: "the number of ballots including each bid",
    Method.RANKED: "Borda points",
    Method.EQUAL_SHARES: "approvals",
}

REASON_FUNDED = "Funded"
REASON_EQUAL_SHARES = "Funded by equal shares"
REASON_COMPLETION = "Funded in the completion step"
REASON_RANK = "Not funded: ranked below the bids that used the budget"

NO_SUPPORT_NOTES = {
    Method.APPROVAL: "No panellist approved it",
    Method.EQUAL_SHARES: "No panellist approved it",
    Method.BUDGET: "No panellist's ballot included it",
    Method.RANKED: "No panellist ranked it",
}


def by_id(bid_id: int) -> str:
    """A bid as the tally knows it: "Bid 20"."""
    return f"Bid {bid_id}"


def reason(outcome: Outcome, funded_by: FundedBy | None, left_before_pence: int) -> str:
    """Why a bid was or was not funded, in a few words."""
    if outcome is Outcome.FUNDED:
        if funded_by is FundedBy.EQUAL_SHARES:
            return REASON_EQUAL_SHARES
        return REASON_COMPLETION if funded_by is FundedBy.COMPLETION else REASON_FUNDED
    if outcome is Outcome.NOT_FUNDED_DID_NOT_FIT:
        return f"Not funded: did not fit the remaining {format_pounds(left_before_pence)} when its turn came"
    return REASON_RANK


def flag_note(flag: Flag, *, method: Method, quorum: int) -> str:
    """What a flag asks staff to look at."""
    if flag is Flag.UNDER_QUORUM:
        return "No panellist scored it" if quorum <= 1 else f"Fewer than {quorum} panellists scored it"
    return NO_SUPPORT_NOTES[method]


def flag_notes(flags: Iterable[Flag], *, method: Method, quorum: int) -> list[str]:
    return [flag_note(flag, method=method, quorum=quorum) for flag in flags]


def _panellists(count: int) -> str:
    return "panellist" if count == 1 else "panellists"


def step_words(step: Step, name: BidName = by_id) -> str:
    """One step of how the result came about, as a sentence."""
    match step:
        case WalkStarts(method=method, budget_pence=budget):
            return (
                f"The walk goes down the ranked list (by {RANKED_BY[method]}) with the budget of "
                f"{format_pounds(budget)}, funding each bid that fits what is left."
            )
        case EqualSharesStarts(voters=0):
            return "Equal shares: no ballots were cast, so equal shares buys nothing."
        case EqualSharesStarts(voters=voters, budget_pence=budget):
            return (
                f"Equal shares: the {voters} {_panellists(voters)} who cast a ballot each hold an equal share of the "
                f"{format_pounds(budget)} budget, {format_pounds(step.share_pence)} each."
            )
        case BoughtByEqualShares():
            return (
                f"{name(step.bid_id)} ({format_pounds(step.amount_pence)}) funded by equal shares: the "
                f"{step.supporters} {_panellists(step.supporters)} who approved it paid up to "
                f"{format_pounds(step.max_payment_pence)} each, {format_pounds(step.left_pence)} left."
            )
        case CompletionStarts(left_pence=left):
            return f"Completion: the {format_pounds(left)} left goes down the remaining bids by approvals."
        case Funded():
            how = " in the completion step" if step.in_completion else ""
            return (
                f"{name(step.bid_id)} ({format_pounds(step.amount_pence)}) funded{how}, "
                f"{format_pounds(step.left_pence)} left."
            )
        case Skipped():
            return (
                f"{name(step.bid_id)} ({format_pounds(step.amount_pence)}) not funded: it did not fit the "
                f"{format_pounds(step.left_pence)} left."
            )
        case BudgetUsed(used_pence=used, budget_pence=budget, left_pence=left):
            return f"{format_pounds(used)} of the {format_pounds(budget)} budget used, {format_pounds(left)} left."
    raise TypeError(f"not a step of the tally: {step!r}")  # pragma: no cover - every kind is matched above


def explanation(steps: Iterable[Step], name: BidName = by_id) -> list[str]:
    """How the result came about, a sentence a step, naming each bid with `name`."""
    return [step_words(step, name) for step in steps]
