"""The digest: SHA-256 of the canonical JSON (RFC 8785) of the inputs and the algorithm's version."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
import rfc8785

import grants.tally.digest
from grants.tally import (
    ALGORITHM_VERSION,
    BallotInput,
    BidInput,
    Criterion,
    Recusal,
    RoundSettings,
    ScoreInput,
    canonical_json,
    run_tally,
    tally_digest,
)
from grants.tally.inputs import prepare

INPUTS: dict[str, Any] = {
    "settings": RoundSettings(
        budget_pence=10_000,
        method="approval",
        criteria=(Criterion(2, 1), Criterion(1, 3)),
        approval_limit=2,
        ranked_limit=4,
        quorum=3,
    ),
    "bids": (BidInput(5, 4_000, "2026-03-01T10:00:00+01:00"), BidInput(3, 2_500, "2026-03-01T08:00:00Z")),
    "scores": (ScoreInput(11, 5, 1, 4), ScoreInput(10, 3, 2, 5)),
    "recusals": (Recusal(11, 3),),
    "ballots": (BallotInput(11, approvals=(5, 3)), BallotInput(10, approvals=(3,))),
}


def test_the_digest_is_sha256_of_the_canonical_json_of_the_sorted_inputs() -> None:
    expected: dict[str, Any] = {
        "algorithm": "commonpot-tally/1",
        "settings": {
            "budget_pence": 10_000,
            "method": "approval",
            "approval_limit": 2,
            "ranked_limit": None,  # not used by an approval vote
            "quorum": 3,
            "criteria": [{"id": 1, "weight": 3}, {"id": 2, "weight": 1}],
        },
        "bids": [
            {"id": 3, "amount_pence": 2_500, "submitted_at": "2026-03-01T08:00:00.000000Z"},
            {"id": 5, "amount_pence": 4_000, "submitted_at": "2026-03-01T09:00:00.000000Z"},
        ],
        "scores": [
            {"panellist_id": 10, "bid_id": 3, "criterion_id": 2, "value": 5},
            {"panellist_id": 11, "bid_id": 5, "criterion_id": 1, "value": 4},
        ],
        "recusals": [{"panellist_id": 11, "bid_id": 3}],
        "ballots": [
            {"panellist_id": 10, "approvals": [3], "ranking": []},
            {"panellist_id": 11, "approvals": [3, 5], "ranking": []},  # as recorded: recused entries included
        ],
    }
    digest = hashlib.sha256(rfc8785.dumps(expected)).hexdigest()

    assert ALGORITHM_VERSION == "commonpot-tally/1"
    assert canonical_json(prepare(**INPUTS)) == rfc8785.dumps(expected)
    assert tally_digest(**INPUTS) == digest
    result = run_tally(**INPUTS)
    assert (result.digest, result.algorithm) == (digest, ALGORITHM_VERSION)


def test_a_time_given_as_a_datetime_or_as_text_gives_the_same_digest() -> None:
    as_datetimes = {
        **INPUTS,
        "bids": (
            BidInput(5, 4_000, datetime(2026, 3, 1, 9, tzinfo=UTC)),
            BidInput(3, 2_500, datetime(2026, 3, 1, 8, tzinfo=UTC)),
        ),
    }
    assert tally_digest(**as_datetimes) == tally_digest(**INPUTS)


def _changed(**changes: Any) -> dict[str, Any]:
    return {**INPUTS, **changes}


@pytest.mark.parametrize(
    "changed",
    [
        _changed(settings=dataclasses.replace(INPUTS["settings"], budget_pence=10_001)),
        _changed(settings=dataclasses.replace(INPUTS["settings"], method="equal_shares")),
        _changed(settings=dataclasses.replace(INPUTS["settings"], approval_limit=3)),
        _changed(settings=dataclasses.replace(INPUTS["settings"], quorum=2)),
        _changed(settings=dataclasses.replace(INPUTS["settings"], criteria=(Criterion(2, 2), Criterion(1, 3)))),
        _changed(bids=(BidInput(5, 4_001, "2026-03-01T10:00:00+01:00"), INPUTS["bids"][1])),
        _changed(bids=(BidInput(5, 4_000, "2026-03-01T10:00:01+01:00"), INPUTS["bids"][1])),
        _changed(scores=(ScoreInput(11, 5, 1, 5), ScoreInput(10, 3, 2, 5))),
        _changed(recusals=()),
        _changed(ballots=(BallotInput(11, approvals=(5,)), BallotInput(10, approvals=(3,)))),
        _changed(ballots=(*INPUTS["ballots"], BallotInput(12))),
    ],
)
def test_any_change_to_the_inputs_changes_the_digest(changed: dict[str, Any]) -> None:
    assert tally_digest(**changed) != tally_digest(**INPUTS)


def test_a_ranking_keeps_its_order_in_the_digest_but_approvals_do_not() -> None:
    ranked = dataclasses.replace(INPUTS["settings"], method="ranked")
    first = _changed(settings=ranked, ballots=(BallotInput(10, ranking=(3, 5)),))
    swapped = _changed(settings=ranked, ballots=(BallotInput(10, ranking=(5, 3)),))
    assert tally_digest(**first) != tally_digest(**swapped)
    approvals = _changed(ballots=(BallotInput(11, approvals=(3, 5)), BallotInput(10, approvals=(3,))))
    assert tally_digest(**approvals) == tally_digest(**INPUTS)


def test_a_limit_the_method_does_not_use_leaves_the_digest_alone() -> None:
    assert tally_digest(**_changed(settings=dataclasses.replace(INPUTS["settings"], ranked_limit=9))) == tally_digest(
        **INPUTS
    )


def test_a_new_algorithm_version_changes_the_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    before = tally_digest(**INPUTS)
    monkeypatch.setattr(grants.tally.digest, "ALGORITHM_VERSION", "commonpot-tally/2")
    assert tally_digest(**INPUTS) != before
