"""A tally result as it is stored with a run: plain JSON, worded once, with the steps kept as structure.

The document keeps the words a result had when it was recorded (each bid's reason and flags, and the explanation
naming bids by id, "Bid 20"), which `flask tally show` prints and verification compares, and the same
explanation as structured `steps`, which the pages word again to name bids by reference. Runs recorded before
the steps were stored have the words only (see `grants.decisions.verify`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from grants.database import DbSession
from grants.decisions import wording
from grants.models import Bid, Round
from grants.tally import STEP_KINDS, Method, Step, TallyResult, format_score

KIND_OF = {cls: kind for kind, cls in STEP_KINDS.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, Method):
        return value.value
    return value


def step_document(step: Step) -> dict[str, Any]:
    """One step as JSON: its kind and its fields (fractions of a penny as "7/2", the method by its value)."""
    return {"kind": KIND_OF[type(step)], **{f.name: _plain(getattr(step, f.name)) for f in fields(step)}}


def step_from_document(document: Mapping[str, Any]) -> Step:
    """The inverse of `step_document`."""
    cls = STEP_KINDS[str(document["kind"])]
    values: dict[str, Any] = {}
    for f in fields(cls):
        value = document[f.name]
        if f.name == "method":
            value = Method(value)
        elif f.name == "max_payment_pence":
            value = Fraction(value)
        values[f.name] = value
    return cls(**values)


def result_document(
    result: TallyResult, references: Mapping[int, str], *, departed_ids: Iterable[int] = ()
) -> dict[str, Any]:
    """A tally result as the JSON stored with a run: plain types only, fractions as strings ("7/2")."""
    return {
        "algorithm": result.algorithm,
        "digest": result.digest,
        "method": result.method.value,
        "budget_pence": result.budget_pence,
        "used_pence": result.used_pence,
        "left_pence": result.left_pence,
        "funded_ids": list(result.funded_ids),
        "departed_ids": sorted(departed_ids),
        "bids": [
            {
                "id": bid.bid_id,
                "reference": references.get(bid.bid_id, str(bid.bid_id)),
                "rank": bid.rank,
                "amount_pence": bid.amount_pence,
                "mean_score": str(bid.mean_score) if bid.mean_score is not None else None,
                "mean_score_display": format_score(bid.mean_score),
                "scorers": bid.scorers,
                "in_favour": bid.in_favour,
                "points": bid.points,
                "outcome": bid.outcome.value,
                "reason": wording.reason(bid.outcome, bid.funded_by, bid.left_before_pence),
                "flags": [flag.value for flag in bid.flags],
                "flag_notes": wording.flag_notes(bid.flags, method=result.method, quorum=result.quorum),
                "funded_by": bid.funded_by.value if bid.funded_by is not None else None,
                "left_before_pence": bid.left_before_pence,
                "equal_shares_payment": (
                    str(bid.equal_shares_payment) if bid.equal_shares_payment is not None else None
                ),
            }
            for bid in result.bids
        ],
        "explanation": wording.explanation(result.steps),
        "steps": [step_document(step) for step in result.steps],
    }


def references(session: DbSession, round_: Round) -> dict[int, str]:
    """Each of the round's bids' reference ("RSS27-0003"), by id."""
    rows = session.execute(sa.select(Bid.id, Bid.number).where(Bid.round_id == round_.id)).all()
    return {bid_id: f"{round_.code}-{number:04d}" for bid_id, number in rows}
