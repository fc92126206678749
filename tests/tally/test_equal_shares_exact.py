"""Equal shares as the tally computes it (identical ballots counted as one class, money as whole numbers of a unit
that gets finer) buys exactly what the plain definition buys: one Fraction of money per panellist, every payment
worked out over every supporter. Same bids, same order, same payments and rho, to the last fraction of a penny."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from grants.tally.equal_shares import Purchase, method_of_equal_shares
from tests.tally.strategies import PROPERTY


def plain_equal_shares(
    budget: int, ballots: Sequence[tuple[int, ...]], amounts: dict[int, int], tie_key: Callable[[int], Any]
) -> tuple[Purchase, ...]:
    """The definition, step by step: each step buys the bid whose supporters can pay for it at the lowest rho."""
    if not ballots:
        return ()
    money = [Fraction(budget, len(ballots))] * len(ballots)
    supporters = {b: [v for v, ballot in enumerate(ballots) if b in ballot] for b in amounts}
    left = {b for b, who in supporters.items() if who and amounts[b] > 0}
    bought: list[Purchase] = []
    while True:
        best = None
        for b in left:
            budgets = sorted(money[v] for v in supporters[b])
            if sum(budgets) < amounts[b]:
                continue
            owed, payers = Fraction(amounts[b]), len(budgets)
            for held in budgets:  # the poorest pay all they have while that is less than an equal split
                if held * payers >= owed:
                    break
                owed -= held
                payers -= 1
            payment = owed / payers
            candidate = (payment / amounts[b], tie_key(b), b, payment)
            if best is None or candidate[:2] < best[:2]:
                best = candidate
        if best is None:
            return tuple(bought)
        rho, _, b, payment = best
        for v in supporters[b]:
            money[v] -= min(money[v], payment)
        left.remove(b)
        bought.append(Purchase(bid_id=b, supporters=len(supporters[b]), max_payment=payment, rho=rho))


@st.composite
def elections(draw: st.DrawFn, *, max_bids: int = 12, max_voters: int = 40) -> dict[str, Any]:
    """Few ballot shapes, repeated: most voters cast one of a handful of ballots, some cast their own."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    bids = rng.sample(range(1, 500), rng.randint(1, max_bids))
    amounts = {b: rng.choice([1, 7, 100, 333, 1_000, 2_500, 6_000]) for b in bids}
    templates = [tuple(rng.sample(bids, rng.randint(0, len(bids)))) for _ in range(rng.randint(1, 4))]
    ballots = [
        rng.choice(templates) if rng.random() < 0.7 else tuple(rng.sample(bids, rng.randint(0, len(bids))))
        for _ in range(rng.randint(0, max_voters))
    ]
    budget = rng.choice([0, 1, 999, sum(amounts.values()) // 3, sum(amounts.values()), rng.randint(0, 50_000)])
    order = {b: rng.random() for b in bids}
    return {"budget_pence": budget, "ballots": ballots, "amounts": amounts, "tie_key": order.__getitem__}


def both(election: dict[str, Any]) -> tuple[tuple[Purchase, ...], tuple[Purchase, ...]]:
    ours = method_of_equal_shares(**election)
    plain = plain_equal_shares(election["budget_pence"], election["ballots"], election["amounts"], election["tie_key"])
    return ours, plain


@PROPERTY
@given(election=elections())
def test_equal_shares_buys_what_the_plain_definition_buys(election: dict[str, Any]) -> None:
    ours, plain = both(election)
    assert ours == plain


def test_the_same_on_larger_elections_where_most_ballots_repeat() -> None:
    rng = random.Random(13)
    for _ in range(5):
        bids = rng.sample(range(1, 10_000), 40)
        amounts = {b: rng.randrange(1, 200) * 50 for b in bids}
        popular = [tuple(sorted(rng.sample(bids, rng.randint(1, 8)))) for _ in range(12)]
        ballots = [rng.choice(popular) if rng.random() < 0.8 else tuple(rng.sample(bids, 5)) for _ in range(600)]
        order = {b: i for i, b in enumerate(bids)}
        election = {"budget_pence": sum(amounts.values()) // 4, "ballots": ballots, "amounts": amounts}
        ours, plain = both({**election, "tie_key": order.__getitem__})
        assert len(ours) >= 5 and ours == plain


def test_the_same_when_a_few_panellists_buy_many_bids_in_uneven_payments() -> None:
    # Seven panellists, 300 cheap bids with up to seven backers each, and too little money for them all: about a
    # hundred purchases, the later ones paid partly by backers who give all they have left, so the unit of money
    # gets finer again and again (a payment of a 840th of a penny) and the purses nobody holds are cleared away.
    rng = random.Random(5)
    bids = list(range(1, 301))
    amounts = {b: rng.choice([1, 2, 3, 5, 7]) for b in bids}
    ballots = [tuple(b for b in bids if rng.random() < 0.3) for _ in range(7)]
    election = {"budget_pence": 300, "ballots": ballots, "amounts": amounts, "tie_key": lambda b: b}
    ours, plain = both(election)
    assert len(ours) > 80 and ours == plain
    assert max(p.max_payment.denominator for p in ours) > 100  # really uneven payments
