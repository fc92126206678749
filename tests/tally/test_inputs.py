"""The tally refuses bad inputs with a clear TallyInputError instead of counting them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from grants.tally import (
    BallotInput,
    BidInput,
    Criterion,
    Recusal,
    RoundSettings,
    ScoreInput,
    TallyInputError,
    run_tally,
    tally_digest,
)

BIDS = (BidInput(1, 3_000, "2026-03-01T09:00:00Z"), BidInput(2, 5_000, "2026-03-01T09:05:00Z"))
CRITERIA = (Criterion(1, 2),)


def settings(method: str = "approval", **overrides: Any) -> RoundSettings:
    values: dict[str, Any] = {"budget_pence": 6_000, "method": method, "criteria": CRITERIA, "quorum": 0}
    return RoundSettings(**{**values, **overrides})


def tally(**kwargs: Any) -> None:
    arguments: dict[str, Any] = {"settings": settings(), "bids": BIDS}
    run_tally(**{**arguments, **kwargs})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"settings": settings(method="lottery")}, "unknown voting method 'lottery'"),
        ({"settings": settings(budget_pence=-1)}, "the budget must be at least 0"),
        ({"settings": settings(budget_pence=10.5)}, "the budget must be a whole number"),
        ({"settings": settings(quorum=-1)}, "the quorum must be at least 0"),
        ({"settings": settings(approval_limit=0)}, "the approval limit (K) must be at least 1"),
        ({"settings": settings(method="ranked")}, "a ranked vote needs the ranking limit (N)"),
        ({"settings": settings(criteria=(Criterion(1, 2), Criterion(1, 3)))}, "criterion 1 is listed twice"),
        ({"settings": settings(criteria=(Criterion(1, 0),))}, "the weight of criterion 1 must be at least 1"),
        ({"bids": (*BIDS, BIDS[0])}, "bid 1 is listed twice"),
        ({"bids": (BidInput(3, 0, "2026-03-01T09:00:00Z"),)}, "the amount of bid 3 must be at least 1"),
        ({"bids": (BidInput(3, True, "2026-03-01T09:00:00Z"),)}, "the amount of bid 3 must be a whole number"),
        ({"bids": (BidInput(3, 100, "yesterday"),)}, "the submission time of bid 3 is not an ISO-8601 time"),
        ({"bids": (BidInput(3, 100, "2026-03-01T09:00:00"),)}, "the submission time of bid 3 has no time zone"),
        ({"bids": (BidInput(3, 100, datetime(2026, 3, 1)),)}, "the submission time of bid 3 has no time zone"),
        ({"scores": (ScoreInput(10, 1, 1, 6),)}, "is 6, not a whole number from 1 to 5"),
        ({"scores": (ScoreInput(10, 1, 1, 0),)}, "is 0, not a whole number from 1 to 5"),
        ({"scores": (ScoreInput(10, 9, 1, 3),)}, "a score names bid 9, which is not in the tally"),
        ({"scores": (ScoreInput(10, 1, 7, 3),)}, "a score names criterion 7, which is not one of the round's"),
        (
            {"scores": (ScoreInput(10, 1, 1, 3), ScoreInput(10, 1, 1, 4))},
            "panellist 10 has two scores for bid 1 on criterion 1",
        ),
        ({"recusals": (Recusal(10, 9),)}, "a recusal names bid 9, which is not in the tally"),
        ({"recusals": (Recusal(10, 1), Recusal(10, 1))}, "panellist 10 is recused from bid 1 twice"),
        ({"ballots": (BallotInput(10, approvals=(9,)),)}, "panellist 10's ballot names bid 9, which is not in"),
        ({"ballots": (BallotInput(10, approvals=(1, 1)),)}, "panellist 10's ballot names a bid more than once"),
        ({"ballots": (BallotInput(10), BallotInput(10))}, "panellist 10 has two current ballots"),
        ({"ballots": (BallotInput(10, ranking=(1,)),)}, "has a ranking, which the approval method does not use"),
        (
            {"settings": settings(approval_limit=1), "ballots": (BallotInput(10, approvals=(1, 2)),)},
            "panellist 10's ballot approves 2 bids; the limit is 1",
        ),
        (
            {"settings": settings("equal_shares", approval_limit=1), "ballots": (BallotInput(10, approvals=(1, 2)),)},
            "panellist 10's ballot approves 2 bids; the limit is 1",
        ),
        (
            {"settings": settings("ranked", ranked_limit=1), "ballots": (BallotInput(10, ranking=(2, 1)),)},
            "panellist 10's ballot ranks 2 bids; the limit is 1",
        ),
        (
            {"settings": settings("ranked", ranked_limit=2), "ballots": (BallotInput(10, approvals=(1,)),)},
            "has approvals, which the ranked method does not use",
        ),
        (
            {"settings": settings("budget"), "ballots": (BallotInput(10, approvals=(1, 2)),)},
            "panellist 10's ballot asks for 8000 pence in all, more than the budget of 6000 pence",
        ),
        ({"settings": settings("scores"), "ballots": (BallotInput(10),)}, "the scores method takes no ballots"),
    ],
)
def test_bad_inputs_are_refused_with_the_reason(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(TallyInputError, match=re.escape(message)):
        tally(**kwargs)
    arguments: dict[str, Any] = {"settings": settings(), "bids": BIDS, **kwargs}
    with pytest.raises(TallyInputError):
        tally_digest(**arguments)


def test_a_recused_entry_does_not_count_against_the_ballots_limits() -> None:
    # Panellist 10 is recused from bid 2: their ballot counts as (1,), within K = 1 and within the budget.
    run_tally(
        settings=settings(approval_limit=1),
        bids=BIDS,
        recusals=[Recusal(10, 2)],
        ballots=[BallotInput(10, approvals=(1, 2))],
    )
    run_tally(
        settings=settings("budget"), bids=BIDS, recusals=[Recusal(10, 2)], ballots=[BallotInput(10, approvals=(1, 2))]
    )


def test_a_recused_panellists_bad_score_is_still_refused() -> None:
    with pytest.raises(TallyInputError, match="not a whole number from 1 to 5"):
        tally(scores=[ScoreInput(10, 1, 1, 9)], recusals=[Recusal(10, 1)])


def test_limits_the_method_does_not_use_are_ignored() -> None:
    run_tally(settings=settings("budget", approval_limit=1, ranked_limit=None), bids=BIDS)
    run_tally(settings=settings("scores", approval_limit=None, ranked_limit=None), bids=BIDS)
