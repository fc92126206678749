"""Reads about a round's decision that other areas (awards, feedback, audit, public pages) rely on."""

from __future__ import annotations

import sqlalchemy as sa

from grants.database import DbSession
from grants.models import Ratification


def current_ratification(session: DbSession, round_id: int) -> Ratification | None:
    """The round's ratification in force (not undone by a reopening), if any."""
    return session.scalar(
        sa.select(Ratification).where(Ratification.round_id == round_id, Ratification.undone_at.is_(None))
    )


def funded_bid_ids(session: DbSession, round_id: int) -> list[int]:
    """The bids funded by the ratified result, in the order the walk funded them; [] before ratification.

    Every stored tally result carries "funded_ids" (see grants.decisions.services, which writes it).
    """
    ratification = current_ratification(session, round_id)
    if ratification is None:
        return []
    return [int(bid_id) for bid_id in ratification.ratified_run.result["funded_ids"]]
