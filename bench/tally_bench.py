"""Benchmark the tally on a large round: each method, and the digest alone.

    .venv/bin/python bench/tally_bench.py [--bids 200] [--panellists 30] [--repeat 5]
    .venv/bin/python bench/tally_bench.py --bids 5000 --panellists 200 --scorers-per-bid 10 --recused-percent 2

The round is generated from a fixed seed: every panellist scores every bid they are not recused from on all four
criteria (or, with `--scorers-per-bid N`, N panellists not recused from it score each bid), `--recused-percent`
of (panellist, bid) pairs are recused (5 unless told), and every panellist casts a ballot (approval and equal
shares: up to 20 bids; budget: bids fitting the budget; ranked: a ranking of 10). Prints a Markdown table of the
median and the slowest wall-clock time of `--repeat` runs and their median CPU time; `--profile` adds cProfile's
view of one tally of the approval round. The second command is the large funder of issue 13: 5,000 bids, 200
panellists, 200,000 scores, about 20,000 recusals and 200 ballots.
"""

from __future__ import annotations

import argparse
import cProfile
import heapq
import os
import platform
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# TALLY_FROM=DIR measures the tally of another checkout (a baseline) with this benchmark.
sys.path.insert(0, os.environ.get("TALLY_FROM") or str(Path(__file__).resolve().parent.parent))

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


def make_round(
    method: Method,
    n_bids: int,
    n_panellists: int,
    *,
    scorers_per_bid: int | None = None,
    recused_percent: float = 5,
) -> dict[str, Any]:
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
    recused = {(p, b.id) for p in panellists for b in bids if rng.random() * 100 < recused_percent}
    scores = []
    for b in bids:
        allowed = [p for p in panellists if (p, b.id) not in recused]
        if scorers_per_bid is not None:
            allowed = sorted(rng.sample(allowed, min(scorers_per_bid, len(allowed))))
        scores.extend(ScoreInput(p, b.id, c.id, rng.randint(1, 5)) for p in allowed for c in criteria)
    rng.shuffle(scores)  # in the order they were entered, as the app reads them (by score id)
    # Panellists lean towards a few favourites, as real panels do: that makes ties and shared support common.
    weights = [rng.random() ** 3 for _ in bids]
    ballots: list[BallotInput] = []
    for p in panellists:
        allowed = [(b, w) for b, w in zip(bids, weights, strict=True) if (p, b.id) not in recused]
        picks = _weighted_sample(rng, allowed, APPROVALS)
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


def _weighted_sample(rng: random.Random, items: list[tuple[BidInput, float]], k: int) -> list[BidInput]:
    """k items without replacement, each draw in proportion to the weights of those left (Efraimidis-Spirakis)."""
    keyed = [(rng.random() ** (1 / weight), bid.id, bid) for bid, weight in items if weight > 0]
    return [bid for _, _, bid in heapq.nlargest(k, keyed)]


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """The median and the slowest wall-clock time of `repeat` runs after a warm-up, and the median CPU time of this
    process (less disturbed by other work on a shared machine)."""
    fn()  # warm up
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), max(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=200)
    parser.add_argument("--panellists", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scorers-per-bid", type=int, default=None, help="unless told: every panellist not recused")
    parser.add_argument("--recused-percent", type=float, default=5)
    parser.add_argument("--profile", action="store_true", help="also profile one tally of the approval round")
    args = parser.parse_args()
    shape = {"scorers_per_bid": args.scorers_per_bid, "recused_percent": args.recused_percent}

    print(f"Python {platform.python_version()} on {platform.machine()}, {args.bids} bids, {args.panellists} panellists")
    print()
    print("| method | scores | ballots | funded | median | slowest | median CPU |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for method in Method:
        data = make_round(method, args.bids, args.panellists, **shape)
        result = run_tally(**data)
        median, slowest, cpu = timed(lambda data=data: run_tally(**data), args.repeat)  # type: ignore[misc]
        print(
            f"| {method.value} | {len(data['scores'])} | {len(data['ballots'])} "
            f"| {len(result.funded_ids)} | {median * 1000:.0f} ms | {slowest * 1000:.0f} ms | {cpu * 1000:.0f} ms |",
            flush=True,
        )
    data = make_round(Method.APPROVAL, args.bids, args.panellists, **shape)
    median, slowest, cpu = timed(lambda: tally_digest(**data), args.repeat)
    times = f"{median * 1000:.0f} ms | {slowest * 1000:.0f} ms | {cpu * 1000:.0f} ms"
    print(f"| digest only (approval round) | | | | {times} |")
    if args.profile:
        print()
        profile = cProfile.Profile()
        profile.runcall(run_tally, **data)
        pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
