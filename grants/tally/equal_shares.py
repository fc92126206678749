"""The Method of Equal Shares with cost utilities (Peters and Skowron; equalshares.net), in exact arithmetic.

Every panellist who cast a ballot (empty ones included) starts with an equal share of the budget. A bid can be
bought when the panellists who approved it can pay its cost between them. With cost utilities each supporter's
utility for a bid is its cost, so buying a bid at "price per unit of utility" rho asks each supporter for
min(their money left, rho * cost). Each step buys the bid with the smallest rho (ties: the tally's tie-break order)
and takes the payments; it stops when no bid's supporters can afford it. What is left of the budget then goes to the
completion step (the greedy walk by approvals, in `grants.tally.select`).

How it stays exact and fast on tens of thousands of ballots:
- Panellists who approved the same bids are interchangeable (they start equal and pay the same at every step), so
  each distinct ballot is one class with a weight, the number of panellists who cast it.
- Money is whole numbers of a common unit, 1/`unit` of a penny (at first unit = the number of voters, so a share is
  the budget itself). A payment that does not divide evenly makes the unit finer: every amount is multiplied by the
  same whole number, so nothing is ever rounded. The amounts held are few (everyone starts with the same and the
  amounts only change when a bid is bought), so each class holds a `purse`: an index into the list of amounts.
- Finding what a bid's supporters must pay counts them by purse (a C-level Counter over the classes), then walks the
  few distinct amounts from the poorest: whole-number arithmetic, no Fraction per panellist.
Only rho and the payment of each bid looked at become Fractions, for the ordering and the result.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import chain
from typing import Any

EMPTY = 0  # the purse of those who have spent all they had


@dataclass(frozen=True)
class Purchase:
    """A bid bought by equal shares: its supporters, the most any of them paid, and rho (that payment / cost)."""

    bid_id: int
    supporters: int
    max_payment: Fraction
    rho: Fraction


@dataclass(frozen=True)
class _Payment:
    """What a bid's supporters must pay: `owed / payers` units each (some pay all they hold, which is less), from
    the purses `held` (purse -> how many supporters hold it)."""

    owed: int
    payers: int
    held: dict[int, int]


class _Election:
    """The classes of identical ballots, who supports each bid, and the purses as the rounds go."""

    def __init__(self, budget_pence: int, ballots: Sequence[tuple[int, ...]]) -> None:
        classes = Counter(ballots)
        classes.pop((), None)  # an empty ballot holds its share but never pays
        self.unit = len(ballots)  # money is counted in 1/unit of a penny
        self.amounts = [0, budget_pence]  # purse -> the money each panellist in it holds, in units
        self.purse = [1] * len(classes)  # class -> its purse
        self.supporters = Counter(chain.from_iterable(ballots))  # bid -> how many panellists approved it
        self.single: dict[int, list[int]] = {bid_id: [] for bid_id in self.supporters}  # bid -> classes of one
        self.several: dict[int, list[tuple[int, int]]] = {}  # bid -> (class, weight) for the other classes
        add = {bid_id: supporting.append for bid_id, supporting in self.single.items()}
        for index, (ballot, weight) in enumerate(classes.items()):
            if weight == 1:
                for bid_id in ballot:
                    add[bid_id](index)
            else:
                for bid_id in ballot:
                    self.several.setdefault(bid_id, []).append((index, weight))

    def held(self, bid_id: int) -> dict[int, int]:
        """How many of the bid's supporters hold each purse."""
        held = Counter(map(self.purse.__getitem__, self.single[bid_id]))
        for index, weight in self.several.get(bid_id, ()):
            held[self.purse[index]] += weight
        return held

    def payment(self, bid_id: int, cost_pence: int) -> _Payment | None:
        """The smallest payment p with sum(min(money, p)) == cost over the bid's supporters, or None if they cannot
        pay. The poorest pay all they hold while that is less than an equal split of what is still owed."""
        held = self.held(bid_id)
        amounts = self.amounts
        owed = cost_pence * self.unit
        if sum(amounts[purse] * count for purse, count in held.items()) < owed:
            return None
        payers = sum(held.values())
        for money, count in sorted((amounts[purse], count) for purse, count in held.items()):
            if money * payers >= owed:
                break
            owed -= money * count
            payers -= count
        return _Payment(owed=owed, payers=payers, held=held)

    def pay(self, bid_id: int, payment: _Payment) -> None:
        """Each supporter pays min(what they hold, owed / payers); the unit becomes finer if that does not divide."""
        common = math.gcd(payment.owed, payment.payers)
        finer, price = payment.payers // common, payment.owed // common  # the price per payer, in the finer unit
        if finer > 1:
            self._scale(finer)
        amounts = self.amounts
        moved: dict[int, int] = {}  # a supporter's purse -> their purse after paying
        for purse in payment.held:
            left = amounts[purse] - price
            if left > 0:
                moved[purse] = len(amounts)
                amounts.append(left)
            else:
                moved[purse] = EMPTY  # paid all they held (or held nothing)
        purses = self.purse
        for index in self.single[bid_id]:
            purses[index] = moved[purses[index]]
        for index, _ in self.several.get(bid_id, ()):
            purses[index] = moved[purses[index]]
        if len(amounts) > 2 * len(purses) + 64:
            self._compact()

    def _compact(self) -> None:
        """Forget the purses nobody holds any more, and divide the unit and every amount by what they share."""
        held = sorted({EMPTY, *self.purse})
        renumber = {purse: index for index, purse in enumerate(held)}  # EMPTY stays 0
        self.purse = [renumber[purse] for purse in self.purse]
        self.amounts = [self.amounts[purse] for purse in held]
        common = math.gcd(self.unit, *self.amounts)
        if common > 1:
            self.unit //= common
            self.amounts = [money // common for money in self.amounts]

    def _scale(self, finer: int) -> None:
        self.unit *= finer
        self.amounts = [money * finer for money in self.amounts]


def method_of_equal_shares(
    *,
    budget_pence: int,
    ballots: Sequence[tuple[int, ...]],
    amounts: Mapping[int, int],
    tie_key: Callable[[int], Any],
) -> tuple[Purchase, ...]:
    """The bids bought by equal shares, in the order bought.

    `ballots` are the ballots cast, empty ones included, each the bids it approves (recusals already applied, no bid
    twice; ballots naming the same bids in the same order are counted as one class). `tie_key(bid_id)` sorts
    ascending into the tie-break order.
    """
    if not ballots:
        return ()
    election = _Election(budget_pence, ballots)
    candidates = [bid_id for bid_id in election.supporters if amounts[bid_id] > 0]
    tie_rank = {bid_id: rank for rank, bid_id in enumerate(sorted(candidates, key=tie_key))}
    # rho only ever rises for a bid (its supporters' money only falls), so the last rho seen is a lower bound:
    # candidates come off the heap by (bound, tie-break place), and a round stops taking them once the next one's
    # could not beat the best found (a bound above the best rho, or equal to it and behind it in the tie-break
    # order); those looked at go back with their rho as the new bound.
    heap = [(Fraction(1, election.supporters[bid_id]), tie_rank[bid_id], bid_id) for bid_id in candidates]
    heapq.heapify(heap)
    purchases: list[Purchase] = []
    while heap:
        best: tuple[Fraction, int, int, _Payment] | None = None
        looked: list[tuple[Fraction, int, int]] = []
        while heap and (best is None or heap[0][:2] < best[:2]):
            _, rank, bid_id = heapq.heappop(heap)
            cost = amounts[bid_id]
            payment = election.payment(bid_id, cost)
            if payment is None:
                continue  # its supporters' money only falls: it can never be bought
            rho = Fraction(payment.owed, payment.payers * cost * election.unit)
            if best is None or (rho, rank) < best[:2]:
                if best is not None:
                    looked.append(best[:3])
                best = (rho, rank, bid_id, payment)
            else:
                looked.append((rho, rank, bid_id))
        for entry in looked:
            heapq.heappush(heap, entry)
        if best is None:
            break
        rho, _, bid_id, payment = best
        max_payment = Fraction(payment.owed, payment.payers * election.unit)
        election.pay(bid_id, payment)
        purchases.append(
            Purchase(bid_id=bid_id, supporters=election.supporters[bid_id], max_payment=max_payment, rho=rho)
        )
    return tuple(purchases)
