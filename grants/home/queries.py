"""Reads for the home pages, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants.database import DbSession
from grants.models import Bid, BidStatus, Funder, Group, GroupMember, PanelMember, Role, RoleGrant, Round, User
from grants.panel.queries import Progress, progress_in_rounds


@dataclass(frozen=True)
class RoundRow:
    round: Round
    drafts: int
    submitted: int
    eligible: int


def rounds_with_counts(session: DbSession, funder_ids: set[int]) -> list[RoundRow]:
    """A funder's rounds, newest first, with counts of draft, submitted and eligible bids (one query)."""
    if not funder_ids:
        return []

    def count(*statuses: BidStatus) -> sa.ColumnElement[int]:
        return sa.func.count(Bid.id).filter(Bid.status.in_(statuses))

    rows = session.execute(
        sa.select(
            Round,
            count(BidStatus.DRAFT).label("drafts"),
            count(BidStatus.SUBMITTED, BidStatus.ELIGIBLE, BidStatus.INELIGIBLE).label("submitted"),
            count(BidStatus.ELIGIBLE).label("eligible"),
        )
        .outerjoin(Bid, Bid.round_id == Round.id)
        .where(Round.funder_id.in_(funder_ids))
        .group_by(Round.id)
        .order_by(Round.opens_at.desc(), Round.id.desc())
    ).all()
    return [RoundRow(r.Round, r.drafts, r.submitted, r.eligible) for r in rows]


def funders(session: DbSession, ids: set[int]) -> list[Funder]:
    return list(session.scalars(sa.select(Funder).where(Funder.id.in_(ids)).order_by(Funder.name)))


@dataclass(frozen=True)
class TeamMember:
    user: User
    role: Role


def funder_team(session: DbSession, funder_id: int) -> list[TeamMember]:
    rows = session.execute(
        sa.select(User, RoleGrant.role)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.funder_id == funder_id)
        .order_by(RoleGrant.role, User.name)
    ).all()
    return [TeamMember(r.User, r.role) for r in rows]


@dataclass(frozen=True)
class PanelSeat:
    seat: PanelMember
    progress: Progress

    @property
    def round(self) -> Round:
        return self.seat.round


def panel_seats(session: DbSession, user: User) -> list[PanelSeat]:
    """The panels this person sits on, newest first, with how far they have got in each (a fixed number of
    queries for any number of seats)."""
    seats = list(
        session.scalars(
            sa.select(PanelMember)
            .where(PanelMember.user_id == user.id)
            .options(selectinload(PanelMember.round).selectinload(Round.funder))
            .order_by(PanelMember.id.desc())
        )
    )
    found = progress_in_rounds(session, [seat.round for seat in seats], [user.id])
    return [PanelSeat(seat, found[seat.round_id, user.id]) for seat in seats]


@dataclass(frozen=True)
class GroupWithBids:
    group: Group
    bids: list[Bid]


def groups_with_bids(session: DbSession, user: User) -> list[GroupWithBids]:
    groups = list(
        session.scalars(sa.select(Group).join(GroupMember).where(GroupMember.user_id == user.id).order_by(Group.name))
    )
    if not groups:
        return []
    bids = session.scalars(
        sa.select(Bid)
        .where(Bid.group_id.in_([g.id for g in groups]))
        .options(selectinload(Bid.round))
        .order_by(Bid.created_at.desc())
    ).all()
    by_group: dict[int, list[Bid]] = {g.id: [] for g in groups}
    for bid in bids:
        by_group[bid.group_id].append(bid)
    return [GroupWithBids(g, by_group[g.id]) for g in groups]
