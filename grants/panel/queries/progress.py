"""How far each panellist has got in a round, and the staff's view of the panel: its members and invitations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants.database import DbSession
from grants.models import (
    Ballot,
    Bid,
    ConflictDeclaration,
    Criterion,
    Invitation,
    PanelMember,
    Role,
    Round,
    Score,
    StorySelection,
    User,
)
from grants.panel import rules


@dataclass(frozen=True)
class Progress:
    """How far one panellist has got in a round."""

    conduct_accepted_at: datetime | None
    bids: int  # the panel's bids (eligible)
    declared: int  # of those, answered (their own group's bids count: the platform recuses them)
    recused: int  # of those, bids they may not score or vote on
    scored: int  # bids they may score and have scored against every criterion
    ballot_cast: bool

    @property
    def may_score(self) -> int:
        return self.bids - self.recused

    @property
    def declarations_done(self) -> bool:
        return self.declared >= self.bids

    @property
    def to_declare(self) -> int:
        return self.bids - self.declared


def progress(session: DbSession, round_: Round, user_ids: Iterable[int]) -> dict[int, Progress]:
    """Each panellist's progress in the round, by user id (a fixed number of queries for any number of them)."""
    users = set(user_ids)
    if not users:
        return {}
    bid_ids = {bid.id for bid in rules.panel_bids(session, round_)}
    accepted = dict(
        session.execute(
            sa.select(PanelMember.user_id, PanelMember.conduct_accepted_at).where(
                PanelMember.round_id == round_.id, PanelMember.user_id.in_(users)
            )
        ).all()
    )
    declared: dict[int, set[int]] = defaultdict(set)
    for user_id, bid_id in session.execute(
        sa.select(ConflictDeclaration.user_id, ConflictDeclaration.bid_id).where(
            ConflictDeclaration.round_id == round_.id, ConflictDeclaration.user_id.in_(users)
        )
    ).all():
        declared[user_id].add(bid_id)
    recused: dict[int, set[int]] = defaultdict(set)
    for user_id, bid_id in rules.all_recusals(session, round_.id):
        recused[user_id].add(bid_id)
    criteria = int(session.scalar(sa.select(sa.func.count(Criterion.id)).where(Criterion.round_id == round_.id)) or 0)
    scored: dict[int, set[int]] = defaultdict(set)
    for user_id, bid_id, count in session.execute(
        sa.select(Score.user_id, Score.bid_id, sa.func.count(Score.id))
        .where(Score.round_id == round_.id, Score.user_id.in_(users))
        .group_by(Score.user_id, Score.bid_id)
    ).all():
        if criteria and count >= criteria:
            scored[user_id].add(bid_id)
    voted = set(
        session.scalars(
            sa.select(Ballot.user_id).where(Ballot.round_id == round_.id, Ballot.is_current, Ballot.user_id.in_(users))
        )
    )
    result: dict[int, Progress] = {}
    for user_id in users:
        mine_recused = recused[user_id] & bid_ids
        result[user_id] = Progress(
            conduct_accepted_at=accepted.get(user_id),
            bids=len(bid_ids),
            declared=len((declared[user_id] | mine_recused) & bid_ids),
            recused=len(mine_recused),
            scored=len((scored[user_id] & bid_ids) - mine_recused),
            ballot_cast=user_id in voted,
        )
    return result


@dataclass(frozen=True)
class WithdrawnConflict:
    """A declared conflict a panellist took back, with their reason: the chair and staff see each one."""

    panellist: str
    bid: Bid
    withdrawn_at: datetime
    reason: str
    declared_again: bool  # they have since declared a conflict with the bid again


def withdrawn_conflicts(session: DbSession, round_: Round) -> list[WithdrawnConflict]:
    """Every conflict withdrawn in the round (the latest withdrawal per panellist and bid), oldest first."""
    rows = session.scalars(
        sa.select(ConflictDeclaration)
        .where(ConflictDeclaration.round_id == round_.id, ConflictDeclaration.withdrawn_at.is_not(None))
        .options(selectinload(ConflictDeclaration.user), selectinload(ConflictDeclaration.bid).selectinload(Bid.group))
        .order_by(ConflictDeclaration.withdrawn_at, ConflictDeclaration.id)
    )
    return [
        WithdrawnConflict(d.user.name, d.bid, d.withdrawn_at, d.withdrawal_reason, d.recused)
        for d in rows
        if d.withdrawn_at is not None
    ]


def my_progress(session: DbSession, round_: Round, user_id: int) -> Progress:
    return progress(session, round_, [user_id])[user_id]


def story_selection(session: DbSession, round_: Round) -> StorySelection | None:
    """The round's choice of stories of change, once the funder has asked the panel for it."""
    return session.scalar(sa.select(StorySelection).where(StorySelection.round_id == round_.id))


# --- the staff's panel page ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    member: PanelMember
    progress: Progress


@dataclass(frozen=True)
class StaffPanel:
    members: list[MemberRow]
    invitations: list[Invitation]  # not accepted and not withdrawn (some may have expired)
    bids: int
    now: datetime  # the moment the page is drawn for, which decides whether an invitation has expired

    def expired(self, invitation: Invitation) -> bool:
        return invitation.expires_at <= self.now


def staff_panel(session: DbSession, round_: Round, *, now: datetime) -> StaffPanel:
    """The panel's members with their progress, and the invitations still waiting for an answer at `now`."""
    members = list(
        session.scalars(
            sa.select(PanelMember)
            .join(User, User.id == PanelMember.user_id)
            .where(PanelMember.round_id == round_.id)
            .options(selectinload(PanelMember.user))
            .order_by(sa.func.lower(User.name), PanelMember.id)
        )
    )
    by_user = progress(session, round_, [m.user_id for m in members])
    invitations = list(
        session.scalars(
            sa.select(Invitation)
            .where(
                Invitation.round_id == round_.id,
                Invitation.role == Role.PANELLIST,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )
    bids = len(rules.panel_bids(session, round_))
    return StaffPanel([MemberRow(m, by_user[m.user_id]) for m in members], invitations, bids, now)
