"""Benchmark the tally on a large round: each method, and the digest alone.

    .venv/bin/python bench/tally_bench.py [--bids 200] [--panellists 30] [--repeat 5]

The round is generated from a fixed seed: every panellist scores every bid they are not recused from on all four
criteria, about 5% of (panellist, bid) pairs are recused, and every panellist casts a ballot (approval and equal
shares: up to 20 bids; budget: bids fitting the budget; ranked: a ranking of 10). Prints a Markdown table of the
median and the slowest of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grants.tally import (
    BallotInput,
    BidInput,
    Criterion,
    Method,
    Recusal,
    RoundSettings,
    ScoreInput,
    run_tally,
    tally_digest,
)

SEED = 20260301
APPROVALS = 20
RANKING = 10


def make_round(method: Method, n_bids: int, n_panellists: int) -> dict[str, Any]:
    rng = random.Random(SEED)  # noqa: S311  (repeatable benchmark data, not a secret)
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    bids = [
        BidInput(
            id=1_000 + i, amount_pence=rng.randrange(1_000, 25_001) * 100, submitted_at=start + timedelta(minutes=i)
        )
        for i in range(n_bids)
    ]
    budget = sum(b.amount_pence for b in bids) // 4
    criteria = (Criterion(1, 3), Criterion(2, 2), Criterion(3, 1), Criterion(4, 1))
    panellists = list(range(1, n_panellists + 1))
    recused = {(p, b.id) for p in panellists for b in bids if rng.random() < 0.05}
    scores = [
        ScoreInput(p, b.id, c.id, rng.randint(1, 5))
        for p in panellists
        for b in bids
        if (p, b.id) not in recused
        for c in criteria
    ]
    # Panellists lean towards a few favourites, as real panels do: that makes ties and shared support common.
    weights = [rng.random() ** 3 for _ in bids]
    ballots: list[BallotInput] = []
    for p in panellists:
        allowed = [b for b in bids if (p, b.id) not in recused]
        picks = _weighted_sample(rng, allowed, [weights[bids.index(b)] for b in allowed], APPROVALS)
        if method is Method.RANKED:
            ballots.append(BallotInput(p, ranking=tuple(b.id for b in picks[:RANKING])))
        elif method is Method.BUDGET:
            chosen, spent = [], 0
            for b in picks:
                if spent + b.amount_pence <= budget:
                    chosen.append(b.id)
                    spent += b.amount_pence
            ballots.append(BallotInput(p, approvals=tuple(chosen)))
        elif method is not Method.SCORES:
            ballots.append(BallotInput(p, approvals=tuple(b.id for b in picks)))
    settings = RoundSettings(
        budget_pence=budget,
        method=method,
        criteria=criteria,
        approval_limit=APPROVALS,
        ranked_limit=RANKING,
        quorum=3,
    )
    return {
        "settings": settings,
        "bids": bids,
        "scores": scores,
        "recusals": [Recusal(p, b) for p, b in sorted(recused)],
        "ballots": ballots,
    }


def _weighted_sample(rng: random.Random, items: list[BidInput], weights: list[float], k: int) -> list[BidInput]:
    chosen: list[BidInput] = []
    pool, pool_weights = list(items), list(weights)
    while pool and len(chosen) < k:
        (index,) = rng.choices(range(len(pool)), weights=pool_weights)
        chosen.append(pool.pop(index))
        pool_weights.pop(index)
    return chosen


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm up
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), max(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=200)
    parser.add_argument("--panellists", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    print(f"Python {platform.python_version()} on {platform.machine()}, {args.bids} bids, {args.panellists} panellists")
    print()
    print("| method | scores | ballots | funded | median | slowest |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for method in Method:
        data = make_round(method, args.bids, args.panellists)
        result = run_tally(**data)
        median, slowest = timed(lambda data=data: run_tally(**data), args.repeat)  # type: ignore[misc]
        print(
            f"| {method.value} | {len(data['scores'])} | {len(data['ballots'])} "
            f"| {len(result.funded_ids)} | {median * 1000:.0f} ms | {slowest * 1000:.0f} ms |"
        )
    data = make_round(Method.APPROVAL, args.bids, args.panellists)
    median, slowest = timed(lambda: tally_digest(**data), args.repeat)
    print(f"| digest only (approval round) | | | | {median * 1000:.0f} ms | {slowest * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
