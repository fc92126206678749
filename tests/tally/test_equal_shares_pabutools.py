"""Equal shares gives the same funded set as the reference library pabutools on the same election.

The election handed to pabutools: an `Instance` of `Project(str(bid id), amount)` with the round's budget; an
`ApprovalProfile` with one `ApprovalBallot` per ballot cast, empty ones included (so each share is the budget over
all ballots cast), each holding the approvals left once recusals are applied. The rule is
`completion_by_rule_combination` of `method_of_equal_shares` then `greedy_utilitarian_welfare`, both with
`sat_class=Cost_Sat` (cost utilities: the greedy rule then ranks by total cost satisfaction / cost = approvals, our
completion) and a `TieBreakingRule` that sorts by our tie-break key, computed here from the raw data: higher mean
score (unscored last), more approvals, smaller amount, earlier submission, lower id.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
from pabutools.rules import completion_by_rule_combination, greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule

from grants.tally import BallotInput, BidInput, Criterion, FundedBy, Recusal, RoundSettings, ScoreInput, run_tally
from tests.tally.strategies import PROPERTY, T0


@dataclass
class Election:
    budget: int
    amounts: dict[int, int]
    submitted: dict[int, datetime]
    approvals: dict[int, list[int]]  # voter -> approved bid ids, as cast (may include recused ones)
    recusals: set[tuple[int, int]]
    scores: dict[tuple[int, int], int]  # (panellist, bid) -> value on the one criterion


def random_election(
    rng: random.Random, *, bids: tuple[int, int] = (3, 15), voters: tuple[int, int] = (3, 20), repeat: float = 0.6
) -> Election:
    n_bids, n_voters = rng.randint(*bids), rng.randint(*voters)
    bid_ids = rng.sample(range(1, 1_000), n_bids)
    # Few distinct amounts and groups of voters with the same ballot make ties in rho common.
    amounts = {b: rng.choice([1_000, 2_000, 3_000, 4_000, 6_000, 12_000]) for b in bid_ids}
    total = sum(amounts.values())
    budget = rng.choice([rng.randint(0, total), rng.randint(total // 4, total // 2), 12_000, 24_000])
    templates = [rng.sample(bid_ids, rng.randint(0, min(5, n_bids))) for _ in range(rng.randint(1, 4))]
    approvals = {}
    for voter in rng.sample(range(1, 1_000), n_voters):
        approvals[voter] = (
            list(rng.choice(templates)) if rng.random() < repeat else rng.sample(bid_ids, rng.randint(0, n_bids))
        )
    recusals = {(v, b) for v in approvals for b in bid_ids if rng.random() < 0.05}
    scores = {(v, b): rng.randint(1, 5) for v in approvals for b in bid_ids if rng.random() < 0.15}
    submitted = {b: T0 + timedelta(minutes=rng.randint(0, 2)) for b in bid_ids}
    return Election(budget, amounts, submitted, approvals, recusals, scores)


@st.composite
def elections(draw: st.DrawFn) -> Election:
    return random_election(random.Random(draw(st.integers(0, 2**32 - 1))))


def ours(election: Election) -> tuple[list[int], list[int]]:
    """Our tally: the bids bought by equal shares in order, and every funded bid in order."""
    result = run_tally(
        settings=RoundSettings(
            budget_pence=election.budget, method="equal_shares", criteria=(Criterion(1, 3),), quorum=0
        ),
        bids=[BidInput(b, amount, election.submitted[b]) for b, amount in election.amounts.items()],
        scores=[ScoreInput(v, b, 1, value) for (v, b), value in election.scores.items()],
        recusals=[Recusal(v, b) for v, b in election.recusals],
        ballots=[BallotInput(v, approvals=tuple(chosen)) for v, chosen in election.approvals.items()],
    )
    bought = [b.bid_id for b in result.bids if b.funded_by is FundedBy.EQUAL_SHARES]
    return bought, [b.bid_id for b in result.bids if b.funded]


class RecordingTieBreak(TieBreakingRule):
    """Our tie-break order, counting the real ties it is asked to break."""

    def __init__(self, key: dict[str, Any]) -> None:
        super().__init__(lambda instance, profile, project: key[project.name])
        self.ties = 0

    def order(self, instance: Any, profile: Any, projects: Collection[Project], key: Any = None) -> list[Project]:
        self.ties += len(projects) > 1
        return super().order(instance, profile, projects, key)


def reference(election: Election) -> tuple[list[int], list[int], int]:
    """pabutools: the bids bought by equal shares in order, every funded bid in order, ties met by equal shares."""
    projects = {b: Project(str(b), cost) for b, cost in election.amounts.items()}
    instance = Instance(projects.values(), budget_limit=election.budget)
    counted = {v: [b for b in chosen if (v, b) not in election.recusals] for v, chosen in election.approvals.items()}
    profile = ApprovalProfile(
        [ApprovalBallot(projects[b] for b in chosen) for chosen in counted.values()], instance=instance
    )

    def mean(bid: int) -> Fraction | None:
        values = [value for (v, b), value in election.scores.items() if b == bid and (v, b) not in election.recusals]
        return Fraction(sum(values), len(values)) if values else None

    key: dict[str, Any] = {}
    for b, cost in election.amounts.items():
        m = mean(b)
        approvals = sum(b in chosen for chosen in counted.values())
        key[str(b)] = (m is None, -(m or 0), -approvals, cost, election.submitted[b], b)
    mes_ties = RecordingTieBreak(key)
    bought = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=mes_ties)
    complete = completion_by_rule_combination(
        instance,
        profile,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [
            {"sat_class": Cost_Sat, "tie_breaking": RecordingTieBreak(key)},
            {"sat_class": Cost_Sat, "tie_breaking": RecordingTieBreak(key)},
        ],
    )
    return [int(p.name) for p in bought], [int(p.name) for p in complete], mes_ties.ties


@PROPERTY
@given(election=elections())
def test_equal_shares_matches_pabutools_on_generated_elections(election: Election) -> None:
    bought, funded = ours(election)
    ref_bought, ref_funded, _ = reference(election)
    assert bought == ref_bought  # same bids, bought in the same order
    assert funded == ref_funded  # and the same completion, in the same order


def test_equal_shares_matches_pabutools_on_300_seeded_elections_including_ties() -> None:
    rng = random.Random(20260301)
    ties = 0
    for _ in range(300):
        election = random_election(rng)
        bought, funded = ours(election)
        ref_bought, ref_funded, mes_ties = reference(election)
        assert (bought, funded) == (ref_bought, ref_funded), election
        ties += mes_ties
    assert ties >= 50  # the tie-break path was really cross-checked, not just the easy cases


def test_equal_shares_matches_pabutools_on_larger_elections() -> None:
    rng = random.Random(7)
    for _ in range(10):
        election = random_election(rng, bids=(40, 60), voters=(20, 40))
        bought, funded = ours(election)
        ref_bought, ref_funded, _ = reference(election)
        assert (bought, funded) == (ref_bought, ref_funded), election


def test_equal_shares_matches_pabutools_on_larger_elections_where_most_ballots_repeat() -> None:
    # The tally counts identical ballots as one class with a weight; pabutools counts every ballot on its own.
    rng = random.Random(61668)
    bought_in_all = 0
    for _ in range(6):
        election = random_election(rng, bids=(20, 40), voters=(150, 300), repeat=0.9)
        ballots = [tuple(sorted(chosen)) for chosen in election.approvals.values()]
        assert len(set(ballots)) < len(ballots) / 3  # most ballots are repeats
        bought, funded = ours(election)
        ref_bought, ref_funded, _ = reference(election)
        assert (bought, funded) == (ref_bought, ref_funded), election
        bought_in_all += len(bought)
    assert bought_in_all >= 12  # equal shares really bought bids, not just the completion
