"""The selection walk: go down a ranked list, fund each bid that fits what is left, skip one that does not."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class WalkStep:
    """One bid reached by the walk: what was left when its turn came, and whether it was funded."""

    bid_id: int
    left_before_pence: int
    funded: bool


def greedy_walk(order: Sequence[int], amounts: Mapping[int, int], budget_pence: int) -> tuple[WalkStep, ...]:
    """Fund, in `order`, each bid whose amount fits the budget still left; a bid that does not fit is skipped."""
    left = budget_pence
    steps: list[WalkStep] = []
    for bid_id in order:
        amount = amounts[bid_id]
        funded = amount <= left
        steps.append(WalkStep(bid_id=bid_id, left_before_pence=left, funded=funded))
        if funded:
            left -= amount
    return tuple(steps)
