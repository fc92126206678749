"""Benchmark equal shares on a city-sized vote against pabutools, in the same run, with the same funded sets.

    .venv/bin/python bench/equal_shares_bench.py [--voters 61668] [--projects 83] [--repeat 3] [--seed 13]
    .venv/bin/python bench/equal_shares_bench.py --pb FILE.pb [--pb FILE.pb ...]   # real pabulib elections
    .venv/bin/python bench/equal_shares_bench.py --mes-only                        # pabutools without completion

The default election is synthetic and deterministic (the real Warszawa file with 83 projects and 61,668 ballots
is not on the machine): 83 projects with Warsaw-like costs, 61,668 approval ballots of up to 10 projects (most
voters use all 10, as in Warsaw), drawn from a skewed popularity with six overlapping "neighbourhoods" of
interest, so that approval sets overlap heavily and short ballots repeat. The budget is a fifth of the total cost.
`--pb` reads pabulib files instead (approval ones; pabutools's own parser): some ship in the source distribution
of the `pabumeasures` package on PyPI (`pip download --no-deps --no-binary :all: pabumeasures==0.2.2`, then
`data/*.pb` in the archive).

For each election, in one process: our whole `run_tally` (checking the inputs, the figures, equal shares, the
completion, the results and the digest), equal shares alone, the digest alone, and pabutools on the same election:
`completion_by_rule_combination` of `method_of_equal_shares` then `greedy_utilitarian_welfare` with
`sat_class=Cost_Sat` and our tie-break order, as `tests/tally/test_equal_shares_pabutools.py` calls it (or plain
`method_of_equal_shares` with `--mes-only`). The bids bought by equal shares and the funded set must be the same,
in the same order, or the run stops. Ours is the median of `--repeat` runs after a warm-up; pabutools runs once.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# TALLY_FROM=DIR measures the tally of another checkout (a baseline) with this benchmark.
sys.path.insert(0, os.environ.get("TALLY_FROM") or str(Path(__file__).resolve().parent.parent))

from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project, parse_pabulib
from pabutools.rules import completion_by_rule_combination, greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule

from grants.tally import BallotInput, BidInput, FundedBy, RoundSettings, run_tally, tally_digest
from grants.tally import run as tally_run
from grants.tally.figures import compute_figures
from grants.tally.inputs import prepare

try:
    from grants.tally.methods import tie_order
except ImportError:  # an older tally (TALLY_FROM), whose equal shares took no tie order
    tie_order = None

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
NEIGHBOURHOODS = 6
MAX_APPROVALS = 10


@dataclass(frozen=True)
class Election:
    name: str
    budget: int
    costs: dict[int, int]  # project id -> cost
    ballots: list[tuple[int, ...]]  # each voter's approvals


def synthetic(voters: int, projects: int, seed: int) -> Election:
    rng = random.Random(seed)  # noqa: S311  (repeatable benchmark data, not a secret)
    ids = list(range(1, projects + 1))
    # Costs like Warsaw's city-wide list: a few thousand to a few million, most in the hundreds of thousands.
    costs = {p: int(math.exp(rng.uniform(math.log(10_000), math.log(6_000_000)))) // 100 * 10_000 for p in ids}
    popularity = {p: rng.lognormvariate(0, 1) for p in ids}
    home = {p: rng.randrange(NEIGHBOURHOODS) for p in ids}
    cumulative = []
    for hood in range(NEIGHBOURHOODS):
        weights = [popularity[p] * (5 if home[p] == hood else 1) for p in ids]
        cumulative.append([sum(weights[: i + 1]) for i in range(len(weights))])
    ballots = []
    for _ in range(voters):
        size = MAX_APPROVALS if rng.random() < 0.7 else rng.randint(1, MAX_APPROVALS - 1)
        picks = rng.choices(ids, cum_weights=cumulative[rng.randrange(NEIGHBOURHOODS)], k=3 * size)
        ballots.append(tuple(dict.fromkeys(picks))[:size])
    return Election(f"synthetic, seed {seed}", sum(costs.values()) // 60, costs, ballots)


def from_pabulib(path: str) -> Election:
    instance, profile = parse_pabulib(path)
    number = {p.name: i for i, p in enumerate(sorted(instance, key=lambda p: p.name), start=1)}  # names may be text
    costs = {number[p.name]: int(p.cost) for p in instance}
    ballots = [tuple(number[p.name] for p in ballot) for ballot in profile]
    return Election(Path(path).name, int(instance.budget_limit), costs, ballots)


def our_inputs(election: Election) -> dict[str, Any]:
    return {
        "settings": RoundSettings(budget_pence=election.budget, method="equal_shares", quorum=0),
        "bids": [BidInput(p, cost, T0) for p, cost in election.costs.items()],
        "ballots": [BallotInput(v, approvals=ballot) for v, ballot in enumerate(election.ballots, start=1)],
    }


def pabutools_run(election: Election, *, mes_only: bool) -> list[int]:
    projects = {p: Project(str(p), cost) for p, cost in election.costs.items()}
    instance = Instance(projects.values(), budget_limit=election.budget)
    profile = ApprovalProfile(
        [ApprovalBallot(projects[p] for p in ballot) for ballot in election.ballots], instance=instance
    )
    approvals = dict.fromkeys(election.costs, 0)
    for ballot in election.ballots:
        for p in ballot:
            approvals[p] += 1
    # Our tie-break order for unscored bids submitted at the same time: more approvals, smaller amount, lower id.
    key = {str(p): (-approvals[p], cost, p) for p, cost in election.costs.items()}
    ours = TieBreakingRule(lambda _instance, _profile, project: key[project.name])
    if mes_only:
        funded = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=ours)
    else:
        funded = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": Cost_Sat, "tie_breaking": ours}, {"sat_class": Cost_Sat, "tie_breaking": ours}],
        )
    return [int(p.name) for p in funded]


def timed(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm up
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def once(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def bench(election: Election, *, repeat: int, mes_only: bool) -> str:
    inputs = our_inputs(election)
    result = run_tally(**inputs)
    bought = [b.bid_id for b in result.bids if b.funded_by is FundedBy.EQUAL_SHARES]
    funded = [b.bid_id for b in result.bids if b.funded]
    whole = timed(lambda: run_tally(**inputs), repeat)
    prepared = prepare(**inputs)
    figures = compute_figures(prepared)
    ties = () if tie_order is None else (tie_order(figures),)
    alone = timed(lambda: tally_run._equal_shares(prepared, figures, *ties), repeat)
    digest = timed(lambda: tally_digest(**inputs), repeat)
    reference, reference_time = once(lambda: pabutools_run(election, mes_only=mes_only))
    if reference != (bought if mes_only else funded):
        raise SystemExit(f"{election.name}: pabutools funds {reference}, we fund {funded} (bought {bought})")
    approvals = sum(map(len, election.ballots))
    return (
        f"| {election.name} | {len(election.costs)} | {len(election.ballots)} | {len(set(election.ballots))} "
        f"| {approvals / len(election.ballots):.1f} | {len(bought)} + {len(funded) - len(bought)} "
        f"| {whole:.2f} s | {alone:.2f} s | {digest:.2f} s | {reference_time:.1f} s "
        f"| {reference_time / whole:.0f}x | {reference_time / alone:.0f}x |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=61_668)
    parser.add_argument("--projects", type=int, default=83)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pb", action="append", default=[], help="a pabulib file (approval); may be repeated")
    parser.add_argument("--mes-only", action="store_true", help="pabutools without the completion")
    args = parser.parse_args()

    rule = "method_of_equal_shares" if args.mes_only else "equal shares + completion"
    print(f"Python {platform.python_version()} on {platform.machine()}; pabutools: {rule}")
    print()
    print(
        "| election | projects | ballots | distinct ballots | approvals per ballot "
        "| funded (equal shares + completion) | our tally | our equal shares alone | our digest alone | pabutools "
        "| tally vs pabutools | equal shares vs pabutools |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    elections = map(from_pabulib, args.pb) if args.pb else [synthetic(args.voters, args.projects, args.seed)]
    for election in elections:
        print(bench(election, repeat=args.repeat, mes_only=args.mes_only), flush=True)


if __name__ == "__main__":
    main()
