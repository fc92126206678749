"""Hypothesis strategies for whole rounds of valid tally inputs, and helpers shared by the tally tests."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from grants.tally import (
    BallotInput,
    BidInput,
    Criterion,
    Method,
    Recusal,
    RoundSettings,
    ScoreInput,
    TallyResult,
    run_tally,
)

ALL_METHODS = tuple(Method)
BALLOT_METHODS = (Method.APPROVAL, Method.BUDGET, Method.RANKED, Method.EQUAL_SHARES)
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

# A few hundred examples per property, as CI runs them. No example database: nothing is written into the tree, and
# a failure still prints its falsifying example and a @reproduce_failure line to replay it.
PROPERTY = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Round:
    """One round's tally inputs."""

    settings: RoundSettings
    bids: tuple[BidInput, ...]
    scores: tuple[ScoreInput, ...] = ()
    recusals: tuple[Recusal, ...] = ()
    ballots: tuple[BallotInput, ...] = ()
    panellists: tuple[int, ...] = field(default=())

    @property
    def method(self) -> Method:
        return Method(self.settings.method)

    def kwargs(self) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "bids": self.bids,
            "scores": self.scores,
            "recusals": self.recusals,
            "ballots": self.ballots,
        }

    def tally(self) -> TallyResult:
        return run_tally(**self.kwargs())

    def recused(self) -> set[tuple[int, int]]:
        return {(r.panellist_id, r.bid_id) for r in self.recusals}

    def amounts(self) -> dict[int, int]:
        return {b.id: b.amount_pence for b in self.bids}


def without_digest(result: TallyResult) -> TallyResult:
    return dataclasses.replace(result, digest="")


@st.composite
def rounds(
    draw: st.DrawFn,
    methods: tuple[Method, ...] = ALL_METHODS,
    *,
    min_bids: int = 1,
    max_bids: int = 10,
    max_panellists: int = 8,
    min_panellists: int = 0,
    recusal_percent: int = 15,
) -> Round:
    """A valid round: few distinct amounts, scores and times, so that ties are common."""
    method = draw(st.sampled_from(methods))
    bid_ids = draw(st.lists(st.integers(1, 10_000), min_size=min_bids, max_size=max_bids, unique=True))
    bids = tuple(
        BidInput(
            id=bid_id,
            amount_pence=draw(st.sampled_from([250, 500, 1_000, 1_500, 2_000, 3_000, 5_000])),
            submitted_at=(T0 + timedelta(minutes=draw(st.integers(0, 3)))).isoformat(),
        )
        for bid_id in bid_ids
    )
    total = sum(b.amount_pence for b in bids)
    budget = draw(st.integers(0, total + 1_000))
    criterion_ids = draw(st.lists(st.integers(1, 100), min_size=1, max_size=3, unique=True))
    criteria = tuple(Criterion(id=cid, weight=draw(st.integers(1, 10))) for cid in criterion_ids)
    panellists = tuple(
        draw(st.lists(st.integers(1, 10_000), min_size=min_panellists, max_size=max_panellists, unique=True))
    )

    pairs = [(p, b.id) for p in panellists for b in bids]
    recusals: tuple[Recusal, ...] = ()
    if pairs:
        chosen_pairs = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs) * recusal_percent // 50))
        recusals = tuple(Recusal(panellist_id=p, bid_id=b) for p, b in chosen_pairs)
    scores: list[ScoreInput] = []
    if pairs:
        # Each scorer scores a bid on every criterion, or sometimes leaves one out.
        for p, b in draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))):
            left_out = draw(st.sampled_from([None, None, None, *criterion_ids]))
            values = draw(st.lists(st.integers(1, 5), min_size=len(criterion_ids), max_size=len(criterion_ids)))
            scores.extend(
                ScoreInput(p, b, cid, value)
                for cid, value in zip(criterion_ids, values, strict=True)
                if cid != left_out or len(criterion_ids) == 1
            )

    approval_limit = draw(st.one_of(st.none(), st.integers(1, max(1, len(bids)))))
    ranked_limit = draw(st.integers(1, max(1, len(bids))))
    settings = RoundSettings(
        budget_pence=budget,
        method=method.value,
        criteria=criteria,
        approval_limit=approval_limit,
        ranked_limit=ranked_limit,
        quorum=draw(st.integers(0, 4)),
    )
    recused = {(r.panellist_id, r.bid_id) for r in recusals}
    ballots: list[BallotInput] = []
    if method is not Method.SCORES:
        for p in panellists:
            if not draw(st.integers(0, 7)):
                continue  # did not vote
            ballots.append(_ballot(draw, method, settings, bids, p, recused))
    return Round(
        settings=settings,
        bids=bids,
        scores=tuple(scores),
        recusals=recusals,
        ballots=tuple(ballots),
        panellists=panellists,
    )


def _ballot(
    draw: st.DrawFn,
    method: Method,
    settings: RoundSettings,
    bids: tuple[BidInput, ...],
    panellist: int,
    recused: set[tuple[int, int]],
) -> BallotInput:
    allowed = [b for b in bids if (panellist, b.id) not in recused]
    barred = [b.id for b in bids if (panellist, b.id) in recused]
    chosen = draw(st.lists(st.sampled_from(allowed), unique=True)) if allowed else []
    if method in (Method.APPROVAL, Method.EQUAL_SHARES) and settings.approval_limit is not None:
        chosen = chosen[: settings.approval_limit]
    if method is Method.RANKED:
        chosen = chosen[: settings.ranked_limit]
    if method is Method.BUDGET:
        kept, spent = [], 0
        for b in chosen:
            if spent + b.amount_pence <= settings.budget_pence:
                kept.append(b)
                spent += b.amount_pence
        chosen = kept
    ids = [b.id for b in chosen]
    # Stale entries for bids the panellist is recused from: the tally must drop them.
    if barred:
        for bid_id in draw(st.lists(st.sampled_from(barred), unique=True, max_size=2)):
            ids.insert(draw(st.integers(0, len(ids))), bid_id)
    if method is Method.RANKED:
        return BallotInput(panellist_id=panellist, ranking=tuple(ids))
    return BallotInput(panellist_id=panellist, approvals=tuple(ids))
