"""The Method of Equal Shares with cost utilities (Peters and Skowron; equalshares.net), in exact arithmetic.

Every panellist who cast a ballot (empty ones included) starts with an equal share of the budget. A bid can be
bought when the panellists who approved it can pay its cost between them. With cost utilities each supporter's
utility for a bid is its cost, so buying a bid at "price per unit of utility" rho asks each supporter for
min(their money left, rho * cost). Each step buys the bid with the smallest rho (ties: the tally's tie-break order)
and takes the payments; it stops when no bid's supporters can afford it. What is left of the budget then goes to the
completion step (the greedy walk by approvals, in `grants.tally.select`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class Purchase:
    """A bid bought by equal shares: its supporters, the most any of them paid, and rho (that payment / cost)."""

    bid_id: int
    supporters: int
    max_payment: Fraction
    rho: Fraction


def _max_payment(cost: int, budgets: list[Fraction]) -> Fraction | None:
    """The smallest p with sum(min(b, p)) == cost over the supporters' budgets, or None if they cannot pay.

    The poorest supporters pay all they have while that is less than an equal split of what is still owed.
    """
    if sum(budgets, Fraction(0)) < cost:
        return None
    owed = Fraction(cost)
    payers = len(budgets)
    for budget in sorted(budgets):
        if budget * payers >= owed:
            return owed / payers
        owed -= budget
        payers -= 1
    return None  # not reached: the total covers the cost


def method_of_equal_shares(
    *,
    budget_pence: int,
    voters: Sequence[int],
    supporters: Mapping[int, Sequence[int]],
    amounts: Mapping[int, int],
    tie_key: Callable[[int], Any],
) -> tuple[Purchase, ...]:
    """The bids bought by equal shares, in the order bought.

    `voters` are the panellists who cast a ballot; `supporters` maps each bid to the voters who approved it
    (recusals already applied); `tie_key(bid_id)` sorts ascending into the tie-break order.
    """
    if not voters:
        return ()
    money: dict[int, Fraction] = dict.fromkeys(voters, Fraction(budget_pence, len(voters)))
    # rho only ever rises for a bid (its supporters' money only falls), so the last rho seen is a lower bound:
    # candidates are visited cheapest-bound first and the scan stops once the bound exceeds the best rho found.
    bound: dict[int, Fraction] = {
        bid_id: Fraction(1, len(who)) for bid_id, who in supporters.items() if who and amounts[bid_id] > 0
    }
    purchases: list[Purchase] = []
    while bound:
        best: tuple[Fraction, Any, int, Fraction] | None = None
        for bid_id in sorted(bound, key=lambda b: (bound[b], tie_key(b))):
            if best is not None and bound[bid_id] > best[0]:
                break
            cost = amounts[bid_id]
            payment = _max_payment(cost, [money[v] for v in supporters[bid_id]])
            if payment is None:
                del bound[bid_id]  # its supporters' money only falls: it can never be bought
                continue
            rho = payment / cost
            bound[bid_id] = rho
            candidate = (rho, tie_key(bid_id), bid_id, payment)
            if best is None or candidate[:2] < best[:2]:
                best = candidate
        if best is None:
            break
        rho, _, bid_id, payment = best
        for voter in supporters[bid_id]:
            money[voter] -= min(money[voter], payment)
        del bound[bid_id]
        purchases.append(Purchase(bid_id=bid_id, supporters=len(supporters[bid_id]), max_payment=payment, rho=rho))
    return tuple(purchases)
