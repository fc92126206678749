"""How far each panellist has got in a round, and the staff's view of the panel: its members and invitations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from grants.database import DbSession
from grants.models import (
    Ballot,
    Bid,
    BidStatus,
    ConflictDeclaration,
    ConflictKind,
    Criterion,
    GroupMember,
    Invitation,
    PanelMember,
    Role,
    Round,
    Score,
    StorySelection,
    User,
)
from grants.paging import Page, page_of
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
    found = progress_in_rounds(session, [round_], user_ids)
    return {user_id: found[round_.id, user_id] for user_id in set(user_ids)}


def progress_in_rounds(
    session: DbSession, rounds: Iterable[Round], user_ids: Iterable[int]
) -> dict[tuple[int, int], Progress]:
    """Each of these panellists' progress in each of these rounds, by (round id, user id): counted in the database,
    in six queries whatever the number of rounds, panellists, bids, declarations or scores."""
    round_ids, users = {r.id for r in rounds}, set(user_ids)
    if not round_ids or not users:
        return {}
    eligible = Bid.status == BidStatus.ELIGIBLE
    bids = dict(
        session.execute(
            sa.select(Bid.round_id, sa.func.count(Bid.id))
            .where(Bid.round_id.in_(round_ids), eligible)
            .group_by(Bid.round_id)
        ).all()
    )
    accepted = {
        (r, u): at
        for r, u, at in session.execute(
            sa.select(PanelMember.round_id, PanelMember.user_id, PanelMember.conduct_accepted_at).where(
                PanelMember.round_id.in_(round_ids), PanelMember.user_id.in_(users)
            )
        )
    }
    # Answers given on the panel's bids, and how many of them are conflicts.
    declared: dict[tuple[int, int], tuple[int, int]] = {
        (r, u): (int(answered), int(conflicts or 0))
        for r, u, answered, conflicts in session.execute(
            sa.select(
                ConflictDeclaration.round_id,
                ConflictDeclaration.user_id,
                sa.func.count(ConflictDeclaration.id),
                sa.func.count(ConflictDeclaration.id).filter(ConflictDeclaration.kind != ConflictKind.NONE),
            )
            .join(Bid, (Bid.id == ConflictDeclaration.bid_id) & (Bid.round_id == ConflictDeclaration.round_id))
            .where(ConflictDeclaration.round_id.in_(round_ids), ConflictDeclaration.user_id.in_(users), eligible)
            .group_by(ConflictDeclaration.round_id, ConflictDeclaration.user_id)
        )
    }
    # Their own groups' bids on the panel: answered and recused by the rules themselves, whatever they declared.
    own: dict[tuple[int, int], tuple[int, int]] = {
        (r, u): (int(unanswered or 0), int(not_conflicts or 0))
        for r, u, unanswered, not_conflicts in session.execute(
            sa.select(
                Bid.round_id,
                GroupMember.user_id,
                sa.func.count(Bid.id).filter(~rules.declared_at_all(GroupMember.user_id, Bid.id, Bid.round_id)),
                sa.func.count(Bid.id).filter(~rules.declared_conflict(GroupMember.user_id, Bid.id, Bid.round_id)),
            )
            .join(GroupMember, GroupMember.group_id == Bid.group_id)
            .where(Bid.round_id.in_(round_ids), GroupMember.user_id.in_(users), eligible)
            .group_by(Bid.round_id, GroupMember.user_id)
        )
    }
    scored = _scored(session, round_ids, users)
    voted = {
        (r, u)
        for r, u in session.execute(
            sa.select(Ballot.round_id, Ballot.user_id).where(
                Ballot.round_id.in_(round_ids), Ballot.is_current, Ballot.user_id.in_(users)
            )
        )
    }
    result: dict[tuple[int, int], Progress] = {}
    for round_id in round_ids:
        for user_id in users:
            key = (round_id, user_id)
            answered, conflicts = declared.get(key, (0, 0))
            own_unanswered, own_not_conflicts = own.get(key, (0, 0))
            recused = conflicts + own_not_conflicts
            result[key] = Progress(
                conduct_accepted_at=accepted.get(key),
                bids=int(bids.get(round_id, 0)),
                declared=answered + own_unanswered,
                recused=recused,
                scored=scored.get(key, 0),
                ballot_cast=key in voted,
            )
    return result


def _scored(session: DbSession, round_ids: set[int], users: set[int]) -> dict[tuple[int, int], int]:
    """How many of the panel's bids each panellist may score they have scored against every criterion, by (round
    id, user id). Counted as every bid they scored fully, less those they may not score (a bid no longer with the
    panel, or one they are recused from): the first count runs along an index, the second over a few rows."""
    criteria = dict(
        session.execute(
            sa.select(Criterion.round_id, sa.func.count(Criterion.id))
            .where(Criterion.round_id.in_(round_ids))
            .group_by(Criterion.round_id)
        ).all()
    )
    if not any(criteria.values()):
        return {}
    needed = sa.case({round_id: n for round_id, n in criteria.items() if n}, value=Score.round_id, else_=None)

    def count_fully_scored(pairs: sa.Subquery) -> dict[tuple[int, int], int]:
        query = sa.select(pairs.c.round_id, pairs.c.user_id, sa.func.count()).group_by(
            pairs.c.round_id, pairs.c.user_id
        )
        return {(r, u): int(n) for r, u, n in session.execute(query)}

    def scored_pairs(query: sa.Select[int, int, int]) -> sa.Subquery:
        return (
            query.group_by(Score.round_id, Score.user_id, Score.bid_id)
            .having(sa.func.count(Score.id) >= needed)
            .subquery()
        )

    mine = (Score.round_id.in_(round_ids), Score.user_id.in_(users))
    every = count_fully_scored(scored_pairs(sa.select(Score.round_id, Score.user_id, Score.bid_id).where(*mine)))
    # The bids they may not score: not with the panel, a declared conflict, or their own group's (a few of them).
    left_out = sa.union(
        sa.select(Bid.round_id, PanelMember.user_id, Bid.id.label("bid_id"))
        .join(PanelMember, PanelMember.round_id == Bid.round_id)
        .where(Bid.round_id.in_(round_ids), Bid.status != BidStatus.ELIGIBLE, PanelMember.user_id.in_(users)),
        sa.select(ConflictDeclaration.round_id, ConflictDeclaration.user_id, ConflictDeclaration.bid_id).where(
            ConflictDeclaration.round_id.in_(round_ids),
            ConflictDeclaration.user_id.in_(users),
            ConflictDeclaration.kind != ConflictKind.NONE,
        ),
        sa.select(Bid.round_id, GroupMember.user_id, Bid.id)
        .join(GroupMember, GroupMember.group_id == Bid.group_id)
        .where(Bid.round_id.in_(round_ids), GroupMember.user_id.in_(users)),
    ).subquery()
    not_counted = count_fully_scored(
        scored_pairs(
            sa.select(Score.round_id, Score.user_id, Score.bid_id).join(
                left_out,
                (left_out.c.round_id == Score.round_id)
                & (left_out.c.user_id == Score.user_id)
                & (left_out.c.bid_id == Score.bid_id),
            )
        )
    )
    return {key: n - not_counted.get(key, 0) for key, n in every.items()}


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
    members: list[MemberRow]  # this page of them, by name
    page: Page  # of the panel's members
    invitations: list[Invitation]  # not accepted and not withdrawn (some may have expired)
    bids: int
    now: datetime  # the moment the page is drawn for, which decides whether an invitation has expired

    def expired(self, invitation: Invitation) -> bool:
        return invitation.expires_at <= self.now


def staff_panel(session: DbSession, round_: Round, *, now: datetime, page: int = 1) -> StaffPanel:
    """A page of the panel's members (by name) with their progress, and the invitations still waiting for an answer
    at `now`: a fixed number of queries whatever the size of the panel or the round."""
    total = session.scalar(sa.select(sa.func.count(PanelMember.id)).where(PanelMember.round_id == round_.id)) or 0
    shown = page_of(total, page)
    members = list(
        session.scalars(
            sa.select(PanelMember)
            .join(User, User.id == PanelMember.user_id)
            .where(PanelMember.round_id == round_.id)
            .options(contains_eager(PanelMember.user))
            .order_by(sa.func.lower(User.name), PanelMember.id)
            .limit(shown.size)
            .offset(shown.offset)
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
    bids = rules.panel_bid_count(session, round_)
    return StaffPanel([MemberRow(m, by_user[m.user_id]) for m in members], shown, invitations, bids, now)
