"""Rules the panel's pages and the voting pages share: which bids a panel sees, who is recused from what,
and whether scoring or voting is open at a moment.

A panellist is recused from their own groups' bids by these rules themselves, worked out from group membership
whenever they are read, so nothing has to be written for the recusal to hold; the declaration row that records it
(and its audit event) is written at the panellist's next answer, score or ballot.

The window rules take `now` (the caller reads the clock once, for the whole request, and passes it down).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from grants.database import DbSession
from grants.domain import DomainError
from grants.models import (
    Bid,
    BidStatus,
    ConflictDeclaration,
    ConflictKind,
    GroupMember,
    PanelMember,
    Round,
    RoundStatus,
)
from grants.tally.inputs import SCORE_MAX, SCORE_MIN

# The scores a panellist may give against a criterion: the tally's own range.
SCORE_VALUES = tuple(range(SCORE_MIN, SCORE_MAX + 1))


def panel_bids(session: DbSession, round_: Round) -> list[Bid]:
    """The bids a panel considers: the round's eligible bids, in reference order."""
    return list(
        session.scalars(
            sa.select(Bid).where(Bid.round_id == round_.id, Bid.status == BidStatus.ELIGIBLE).order_by(Bid.number)
        )
    )


def seat(session: DbSession, round_id: int, user_id: int) -> PanelMember | None:
    return session.scalar(
        sa.select(PanelMember).where(PanelMember.round_id == round_id, PanelMember.user_id == user_id)
    )


def is_chair(session: DbSession, round_id: int, user_id: int) -> bool:
    """The person chairs the round's panel (a panel has one chair, appointed by staff)."""
    found = seat(session, round_id, user_id)
    return found is not None and found.is_chair


def declarations(session: DbSession, round_id: int, user_id: int) -> dict[int, ConflictDeclaration]:
    """This panellist's declarations in the round, by bid id."""
    rows = session.scalars(
        sa.select(ConflictDeclaration).where(
            ConflictDeclaration.round_id == round_id, ConflictDeclaration.user_id == user_id
        )
    )
    return {d.bid_id: d for d in rows}


def user_group_ids(session: DbSession, user_id: int) -> set[int]:
    """The groups this person is a member of."""
    return set(session.scalars(sa.select(GroupMember.group_id).where(GroupMember.user_id == user_id)))


def own_group_bid_ids(session: DbSession, round_id: int, user_id: int) -> set[int]:
    """Bids in the round from groups this person belongs to: the platform recuses them itself."""
    return set(
        session.scalars(
            sa.select(Bid.id)
            .join(GroupMember, GroupMember.group_id == Bid.group_id)
            .where(Bid.round_id == round_id, GroupMember.user_id == user_id)
        )
    )


def recused_bid_ids(session: DbSession, round_id: int, user_id: int) -> set[int]:
    """Bids this panellist may not see the scoring form of, score or vote for: declared conflicts and their
    own group's bids (whether or not the system has recorded that yet)."""
    declared = set(
        session.scalars(
            sa.select(ConflictDeclaration.bid_id).where(
                ConflictDeclaration.round_id == round_id,
                ConflictDeclaration.user_id == user_id,
                ConflictDeclaration.kind != ConflictKind.NONE,
            )
        )
    )
    return declared | own_group_bid_ids(session, round_id, user_id)


def check_free_to_act(session: DbSession, *, bid: Bid, actor_id: int, doing: str) -> None:
    """Refuse a person acting on a bid they are conflicted on (their own group's, or one they declared a conflict
    with): the separation of duties that holds for staff as for panellists, whatever calls the service. The pages
    refuse first, with a 403 that says who else can (grants.auth.permissions.duties); this is the rule itself."""
    if bid.id in recused_bid_ids(session, bid.round_id, actor_id):
        raise DomainError(
            f"You have a conflict of interest with {bid.reference}, so you cannot {doing}."
            " Another member of the funder's staff must."
        )


def undeclared_bid_ids(session: DbSession, round_: Round, user_id: int) -> set[int]:
    """The panel's bids this panellist has not yet declared on (their own group's bids count as declared: the
    platform recuses them itself). Empty means their declarations are complete."""
    declared = set(declarations(session, round_.id, user_id)) | own_group_bid_ids(session, round_.id, user_id)
    return {bid.id for bid in panel_bids(session, round_)} - declared


def all_recusals(session: DbSession, round_id: int) -> set[tuple[int, int]]:
    """Every (panellist, bid) recusal in the round, for the tally and the staff views."""
    # Only the panel's: a conflict a member of staff declared keeps them from acting on the bid, not out of a tally.
    declared = session.execute(
        sa.select(ConflictDeclaration.user_id, ConflictDeclaration.bid_id)
        .join(
            PanelMember,
            (PanelMember.user_id == ConflictDeclaration.user_id)
            & (PanelMember.round_id == ConflictDeclaration.round_id),
        )
        .where(ConflictDeclaration.round_id == round_id, ConflictDeclaration.kind != ConflictKind.NONE)
    ).all()
    own = session.execute(
        sa.select(PanelMember.user_id, Bid.id)
        .join(GroupMember, GroupMember.user_id == PanelMember.user_id)
        .join(Bid, (Bid.group_id == GroupMember.group_id) & (Bid.round_id == PanelMember.round_id))
        .where(PanelMember.round_id == round_id)
    ).all()
    return {(u, b) for u, b in declared} | {(u, b) for u, b in own}


def scoring_started(round_: Round) -> bool:
    """The round has reached scoring (open, closed or moved on): the bids can be read."""
    return round_.status.at_least(RoundStatus.SCORING)


def scoring_open(round_: Round, now: datetime) -> bool:
    """Scores can be given and changed while the round is in scoring and before scoring closes."""
    return round_.status == RoundStatus.SCORING and (round_.scoring_closes_at is None or now < round_.scoring_closes_at)


def scoring_closed(round_: Round, now: datetime) -> bool:
    """The score summary is shown once scoring has closed (by time, or the round has moved on)."""
    if round_.status.at_least(RoundStatus.VOTING):
        return True
    return (
        round_.status == RoundStatus.SCORING
        and round_.scoring_closes_at is not None
        and now >= round_.scoring_closes_at
    )


def voting_open(round_: Round, now: datetime) -> bool:
    """Ballots can be cast and replaced while the round is in voting and before voting closes."""
    return round_.status == RoundStatus.VOTING and (round_.voting_closes_at is None or now < round_.voting_closes_at)
