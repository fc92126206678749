"""The tally's result as plain frozen data, and the plain words a page shows for it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from fractions import Fraction

from grants.money import format_pounds
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
    """One bid's place in the ranked list, its figures, its outcome and the reason in plain words.

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
    reason: str
    flags: tuple[Flag, ...]
    flag_notes: tuple[str, ...]
    # equal shares only: the most any supporter paid for it (some paid less: all they had left)
    equal_shares_payment: Fraction | None = None

    @property
    def funded(self) -> bool:
        return self.outcome is Outcome.FUNDED


@dataclass(frozen=True)
class TallyResult:
    """The ranked list (best first) with every bid's outcome, the budget used and left, and the walk in words."""

    algorithm: str
    digest: str
    method: Method
    budget_pence: int
    used_pence: int
    left_pence: int
    bids: tuple[BidResult, ...]
    explanation: tuple[str, ...]

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


REASON_FUNDED = "Funded"
REASON_EQUAL_SHARES = "Funded by equal shares"
REASON_COMPLETION = "Funded in the completion step"
REASON_RANK = "Not funded: ranked below the bids that used the budget"


def reason_did_not_fit(left_pence: int) -> str:
    return f"Not funded: did not fit the remaining {format_pounds(left_pence)} when its turn came"


def under_quorum_note(quorum: int) -> str:
    if quorum <= 1:
        return "No panellist scored it"
    return f"Fewer than {quorum} panellists scored it"


NO_SUPPORT_NOTES = {
    Method.APPROVAL: "No panellist approved it",
    Method.EQUAL_SHARES: "No panellist approved it",
    Method.BUDGET: "No panellist's ballot included it",
    Method.RANKED: "No panellist ranked it",
}
