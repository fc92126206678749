"""The tally's inputs read back from their canonical document (the JSON stored with a run and exported for
auditors), as the keyword arguments of `run_tally` and `tally_digest`. Plain data in and out, like the rest of the
tally, so the offline verifier (verifier/) re-runs a tally from an export with exactly this code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from grants.tally.inputs import BallotInput, BidInput, Criterion, Recusal, RoundSettings, ScoreInput


class TallyArguments(TypedDict):
    settings: RoundSettings
    bids: tuple[BidInput, ...]
    scores: tuple[ScoreInput, ...]
    recusals: tuple[Recusal, ...]
    ballots: tuple[BallotInput, ...]


def inputs_from_document(document: Mapping[str, Any]) -> TallyArguments:
    """The inputs a canonical document holds (the inverse of `canonical_document`); KeyError or TypeError if it
    is not one."""
    settings = document["settings"]
    return {
        "settings": RoundSettings(
            budget_pence=settings["budget_pence"],
            method=settings["method"],
            criteria=tuple(Criterion(id=c["id"], weight=c["weight"]) for c in settings["criteria"]),
            approval_limit=settings.get("approval_limit"),
            ranked_limit=settings.get("ranked_limit"),
            quorum=settings["quorum"],
        ),
        "bids": tuple(
            BidInput(id=b["id"], amount_pence=b["amount_pence"], submitted_at=b["submitted_at"])
            for b in document["bids"]
        ),
        "scores": tuple(
            ScoreInput(
                panellist_id=s["panellist_id"], bid_id=s["bid_id"], criterion_id=s["criterion_id"], value=s["value"]
            )
            for s in document["scores"]
        ),
        "recusals": tuple(Recusal(panellist_id=r["panellist_id"], bid_id=r["bid_id"]) for r in document["recusals"]),
        "ballots": tuple(
            BallotInput(
                panellist_id=b["panellist_id"],
                approvals=tuple(b.get("approvals") or ()),
                ranking=tuple(b.get("ranking") or ()),
            )
            for b in document["ballots"]
        ),
    }
