"""Remove the details of unfunded bids past their funder's keeping time (`Funder.unfunded_bids_kept_days`).

A bid is past it when it was not funded and either
- its round was decided (a ratification in force) that many days ago, it is not in the ratified funded set, and no
  award for it was accepted; or
- it never reached the panel (a draft, withdrawn or ineligible) and its round closed that many days ago.

What goes: the answers, the budget's lines, the attachment, the recording's link, the name it was sent under and the
group's reason for withdrawing. What stays: the bid's id, reference, title, amount, status and dates, the panel's
scores and the screening reason, so every tally still re-runs to its digest and every trail still reads; and the
audit chain, which gains one event per funder naming the bids (by id) whose details went.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from grants.audit.chain import record_event
from grants.database import DbSession
from grants.decisions.queries import funded_bid_ids
from grants.models import (
    Answer,
    Attachment,
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    BudgetLine,
    Funder,
    Ratification,
    Round,
)

ACCEPTED = (AwardStatus.ACCEPTED, AwardStatus.PAID_IN_FULL, AwardStatus.CLOSED)
NEVER_WITH_THE_PANEL = (BidStatus.DRAFT, BidStatus.WITHDRAWN, BidStatus.INELIGIBLE)


@dataclass(frozen=True)
class Removed:
    funder: Funder
    bid_ids: list[int]


def due_bid_ids(session: DbSession, funder: Funder, *, now: datetime) -> list[int]:
    """The funder's bids whose details are past its keeping time and not yet removed."""
    cutoff = now - timedelta(days=funder.unfunded_bids_kept_days)
    accepted = sa.exists().where(Award.bid_id == Bid.id, Award.status.in_(ACCEPTED))
    decided_before = sa.exists().where(
        Ratification.round_id == Bid.round_id, Ratification.undone_at.is_(None), Ratification.created_at < cutoff
    )
    never_with_panel = sa.and_(Bid.status.in_(NEVER_WITH_THE_PANEL), Round.closes_at < cutoff)
    rows = session.execute(
        sa.select(Bid.id, Bid.round_id)
        .join(Round, Round.id == Bid.round_id)
        .where(
            Round.funder_id == funder.id,
            Bid.details_removed_at.is_(None),
            ~accepted,
            sa.or_(never_with_panel, sa.and_(Bid.status == BidStatus.ELIGIBLE, decided_before)),
        )
        .order_by(Bid.id)
    ).all()
    # Funded by the ratified result, though not (or not yet) offered an award: kept. One read per decided round.
    funded = {bid_id for round_id in {r.round_id for r in rows} for bid_id in funded_bid_ids(session, round_id)}
    return [row.id for row in rows if row.id not in funded]


def remove_details(session: DbSession, bid_ids: list[int], *, now: datetime) -> None:
    for model in (BudgetLine, Attachment):
        session.execute(sa.delete(model).where(model.bid_id.in_(bid_ids)))
    session.execute(sa.update(Answer).where(Answer.bid_id.in_(bid_ids)).values(text=""))
    session.execute(
        sa.update(Bid)
        .where(Bid.id.in_(bid_ids))
        .values(recording_url="", declaration_name="", withdrawal_reason="", details_removed_at=now)
    )


def apply_retention(session: DbSession, *, now: datetime) -> list[Removed]:
    """Remove what is past its keeping time for every funder (the caller commits)."""
    done = []
    for funder in session.scalars(sa.select(Funder).order_by(Funder.id)):
        bid_ids = due_bid_ids(session, funder, now=now)
        if not bid_ids:
            continue
        remove_details(session, bid_ids, now=now)
        record_event(
            session,
            "retention.bid_details_removed",
            about=funder,
            facts={"bid_ids": bid_ids, "kept_days": funder.unfunded_bids_kept_days},
        )
        done.append(Removed(funder, bid_ids))
    session.expire_all()
    return done
