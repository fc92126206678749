"""Reads about rounds, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants.database import DbSession
from grants.models import Answer, Bid, BidStatus, Round, RoundStatus


def open_rounds(session: DbSession, *, now: datetime) -> list[Round]:
    """Rounds taking bids right now (open, and between their opening and closing times), soonest deadline first."""
    return list(
        session.scalars(
            sa.select(Round)
            # The same rule as grants.bids.lifecycle.accepting_bids, as a filter in SQL.
            .where(Round.status == RoundStatus.OPEN, Round.opens_at <= now, Round.closes_at > now)
            .options(selectinload(Round.funder))
            .order_by(Round.closes_at, Round.id)
        )
    )


def has_submitted_bids(session: DbSession, round_id: int) -> bool:
    """True once any bid in the round has been submitted (whatever has happened to it since)."""
    submitted = (Bid.status != BidStatus.DRAFT) | Bid.submitted_at.is_not(None)
    return session.scalar(sa.select(sa.exists().where(Bid.round_id == round_id, submitted))) or False


def has_bids(session: DbSession, round_id: int) -> bool:
    """True once any bid, even a draft, exists: it has a reference made from the round's code."""
    return session.scalar(sa.select(sa.exists().where(Bid.round_id == round_id))) or False


def answered_question_ids(session: DbSession, question_ids: list[int]) -> set[int]:
    """Those of these questions that some bid has started answering (a non-blank answer)."""
    if not question_ids:
        return set()
    return set(
        session.scalars(
            sa.select(Answer.question_id)
            .where(Answer.question_id.in_(question_ids), sa.func.length(sa.func.trim(Answer.text)) > 0)
            .distinct()
        )
    )


def delete_answers_to(session: DbSession, question_ids: list[int]) -> None:
    """Remove the (blank) answers to questions that are being removed, so the questions can go."""
    if question_ids:
        session.execute(sa.delete(Answer).where(Answer.question_id.in_(question_ids)))


@dataclass(frozen=True)
class BidCounts:
    drafts: int
    submitted: int
    eligible: int


def bid_counts(session: DbSession, round_id: int) -> BidCounts:
    """How many bids the round has: drafts, submitted (whatever their screening), eligible (one query)."""

    def count(*statuses: BidStatus) -> sa.ColumnElement[int]:
        return sa.func.count(Bid.id).filter(Bid.status.in_(statuses))

    row = session.execute(
        sa.select(
            count(BidStatus.DRAFT).label("drafts"),
            count(BidStatus.SUBMITTED, BidStatus.ELIGIBLE, BidStatus.INELIGIBLE).label("submitted"),
            count(BidStatus.ELIGIBLE).label("eligible"),
        ).where(Bid.round_id == round_id)
    ).one()
    return BidCounts(row.drafts, row.submitted, row.eligible)
