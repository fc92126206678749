"""How a result came about, as structured steps in the order the tally took them.

The tally knows bids by id and money as pennies (and fractions of a penny), so it words nothing: a page names
each bid as people know it and writes the money in pounds (`grants.decisions.wording`). A walk's steps are one
`WalkStarts`, a `Funded` or `Skipped` for each bid it reached, and `BudgetUsed`; equal shares starts with
`EqualSharesStarts` and a `BoughtByEqualShares` for each bid it bought, then `CompletionStarts` and the walk's
steps for the completion.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from grants.tally.inputs import Method


@dataclass(frozen=True)
class WalkStarts:
    """The walk goes down the method's ranked list with the whole budget."""

    method: Method
    budget_pence: int


@dataclass(frozen=True)
class EqualSharesStarts:
    """Each panellist who cast a ballot (`voters` of them, perhaps none) holds an equal share of the budget."""

    voters: int
    budget_pence: int

    @property
    def share_pence(self) -> Fraction:
        return Fraction(self.budget_pence, self.voters) if self.voters else Fraction(0)


@dataclass(frozen=True)
class BoughtByEqualShares:
    """Equal shares bought a bid: its `supporters` paid up to `max_payment_pence` each (some all they had left)."""

    bid_id: int
    amount_pence: int
    supporters: int
    max_payment_pence: Fraction
    left_pence: int  # what was left of the budget after it


@dataclass(frozen=True)
class CompletionStarts:
    """What equal shares left goes down the remaining bids by approvals."""

    left_pence: int


@dataclass(frozen=True)
class Funded:
    """The walk (or the completion) reached a bid that fitted what was left, and funded it."""

    bid_id: int
    amount_pence: int
    left_pence: int  # what was left after it
    in_completion: bool = False


@dataclass(frozen=True)
class Skipped:
    """The walk reached a bid that did not fit what was left."""

    bid_id: int
    amount_pence: int
    left_pence: int  # what was left when its turn came


@dataclass(frozen=True)
class BudgetUsed:
    """The last step: how much of the budget the funded bids use, and what is left."""

    used_pence: int
    budget_pence: int
    left_pence: int


Step = WalkStarts | EqualSharesStarts | BoughtByEqualShares | CompletionStarts | Funded | Skipped | BudgetUsed

# Each kind of step by the name a stored result gives it.
STEP_KINDS: dict[str, type[Step]] = {
    "walk_starts": WalkStarts,
    "equal_shares_starts": EqualSharesStarts,
    "bought_by_equal_shares": BoughtByEqualShares,
    "completion_starts": CompletionStarts,
    "funded": Funded,
    "skipped": Skipped,
    "budget_used": BudgetUsed,
}
