"""The tally's result as plain frozen data: figures, outcomes and the steps of the walk, in numbers, not words."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from fractions import Fraction

from grants.tally.explanation import Step
from grants.tally.inputs import Method


class Outcome(enum.StrEnum):
    FUNDED = "funded"
    NOT_FUNDED_RANK = "not_funded_rank"
    NOT_FUNDED_DID_NOT_FIT = "not_funded_did_not_fit"


class FundedBy(enum.StrEnum):
    WALK = "walk"  # the selection walk of every method but equal shares
    EQUAL_SHARES = "equal_shares"  # bought by equal shares
    COMPLETION = "completion"  # the greedy walk that completes equal shares


class Flag(enum.StrEnum):
    """Something staff should look at before ratifying; a flag never changes the outcome by itself."""

    UNDER_QUORUM = "under_quorum"  # fewer non-recused scorers than the round's quorum
    NO_SUPPORT = "no_support"  # a ballot method, and no ballot counted for it


@dataclass(frozen=True)
class BidResult:
    """One bid's place in the ranked list, its figures, its outcome and why (`outcome`, `funded_by` and
    `left_before_pence` say it; `grants.decisions.wording` puts it in words).

    `in_favour` is, by method: scores, the scorers; approval and equal shares, the approvals; budget, the ballots
    including it; ranked, the ballots ranking it. `left_before_pence` is what was left of the budget when the walk
    (or equal shares) reached it.
    """

    bid_id: int
    rank: int
    amount_pence: int
    mean_score: Fraction | None
    scorers: int
    in_favour: int
    points: int | None
    outcome: Outcome
    funded_by: FundedBy | None
    left_before_pence: int
    flags: tuple[Flag, ...]
    # equal shares only: the most any supporter paid for it (some paid less: all they had left)
    equal_shares_payment: Fraction | None = None

    @property
    def funded(self) -> bool:
        return self.outcome is Outcome.FUNDED


@dataclass(frozen=True)
class TallyResult:
    """The ranked list (best first) with every bid's outcome, the budget used and left, and the walk's steps.

    `quorum` is the round's, which the under-quorum flags were raised against.
    """

    algorithm: str
    digest: str
    method: Method
    budget_pence: int
    used_pence: int
    left_pence: int
    quorum: int
    bids: tuple[BidResult, ...]
    steps: tuple[Step, ...]

    @property
    def funded_ids(self) -> tuple[int, ...]:
        return tuple(bid.bid_id for bid in self.bids if bid.funded)

    def bid(self, bid_id: int) -> BidResult:
        """The result for one bid."""
        for result in self.bids:
            if result.bid_id == bid_id:
                return result
        raise KeyError(bid_id)


def format_score(mean: Fraction | None) -> str:
    """A weighted mean score to two decimal places (half up), or 'not scored': for display only."""
    if mean is None:
        return "not scored"
    hundredths = int((mean * 100 + Fraction(1, 2)) // 1)
    return f"{hundredths // 100}.{hundredths % 100:02d}"
