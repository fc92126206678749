"""What the areas' scenario builders (tests/<area>/helpers.py) share: rows written directly, as if the panel had
already scored or declared, and changes to a round between the steps of a test.

Each area keeps its own builder (its `make_setting`, `make_panel`, `make_voting_round`...), because each needs a
different story; the steps they have in common live here (and the one-row ones in `factories`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from grants.models import ConflictDeclaration, ConflictKind, Round, Score
from tests.support.db import app_session


def add_scores(
    session: Session, round_: Round, user_id: int, bid_id: int, values: Sequence[int], comment: str = ""
) -> None:
    """A panellist's scores for a bid, one for each of the round's criteria in order (as if given while scoring
    was open)."""
    for criterion, value in zip(round_.criteria, values, strict=True):
        session.add(
            Score(
                round_id=round_.id,
                user_id=user_id,
                bid_id=bid_id,
                criterion_id=criterion.id,
                value=value,
                comment=comment,
            )
        )
    session.flush()


def set_declaration(
    session: Session, *, round_id: int, user_id: int, bid_id: int, kind: ConflictKind, note: str = ""
) -> ConflictDeclaration:
    """The panellist's declaration on a bid, made or changed directly."""
    row = session.scalars(
        sa.select(ConflictDeclaration).where(
            ConflictDeclaration.user_id == user_id, ConflictDeclaration.bid_id == bid_id
        )
    ).first()
    if row is None:
        row = ConflictDeclaration(round_id=round_id, user_id=user_id, bid_id=bid_id, kind=kind, note=note)
        session.add(row)
    else:
        row.kind, row.note = kind, note
    session.flush()
    return row


def set_round(app: Flask, round_id: int, **values: Any) -> None:
    """Change a round's columns directly (its status, its deadlines...) between the steps of a test."""
    with app_session(app) as s:
        round_ = s.get(Round, round_id)
        assert round_ is not None
        for key, value in values.items():
            setattr(round_, key, value)
