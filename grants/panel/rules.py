"""Rules the panel's pages and the voting pages share: which bids a panel sees, who is recused from what,
and whether scoring or voting is open at a moment.

A panellist is recused from their own groups' bids by these rules themselves, worked out from group membership
whenever they are read, so nothing has to be written for the recusal to hold; the declaration row that records it
(and its audit event) is written at the panellist's next answer, score or ballot.

The window rules take `now` (the caller reads the clock once, for the whole request, and passes it down).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeAlias

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, joinedload

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


def panel_bids(session: DbSession, round_: Round, *, with_groups: bool = False) -> list[Bid]:
    """The bids a panel considers: the round's eligible bids, in reference order (with their groups, if asked)."""
    query = sa.select(Bid).where(Bid.round_id == round_.id, Bid.status == BidStatus.ELIGIBLE).order_by(Bid.number)
    if with_groups:
        query = query.options(joinedload(Bid.group))
    return list(session.scalars(query))


def panel_bids_among(
    session: DbSession, round_: Round, bid_ids: Iterable[int], *, with_groups: bool = False
) -> list[Bid]:
    """Those of these bids that are the panel's (the others are left out), with their groups if asked."""
    wanted = set(bid_ids)
    if not wanted:
        return []
    query = sa.select(Bid).where(Bid.id.in_(wanted), Bid.round_id == round_.id, Bid.status == BidStatus.ELIGIBLE)
    if with_groups:
        query = query.options(joinedload(Bid.group))
    return list(session.scalars(query))


def panel_bid_count(session: DbSession, round_: Round) -> int:
    """How many bids the panel considers."""
    return int(
        session.scalar(
            sa.select(sa.func.count(Bid.id)).where(Bid.round_id == round_.id, Bid.status == BidStatus.ELIGIBLE)
        )
        or 0
    )


def is_panel_bid(session: DbSession, round_: Round, bid_id: int) -> bool:
    """The bid is one of the panel's (the round's, eligible): one question to the database."""
    return bool(
        session.scalar(
            sa.select(sa.exists().where(Bid.id == bid_id, Bid.round_id == round_.id, Bid.status == BidStatus.ELIGIBLE))
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


# --- who is recused from what, as SQL -----------------------------------------------------------------------------
# The one definition of a recusal: a declared conflict (any kind but "none"), or a bid from one of the person's own
# groups. These clauses say it for a person and a bid given as columns (or values), so that one query answers a
# narrow question ("is this panellist recused from this bid?") or counts for many people and bids at once. (A
# clause correlates with the query it is placed in, not with one further out: give it that query's columns.)


IntRef: TypeAlias = sa.ColumnElement[int] | InstrumentedAttribute[int] | int  # a column, or a value


def declared_conflict(user_id: IntRef, bid_id: IntRef, round_id: IntRef) -> sa.Exists:
    """The person declared a conflict with the bid in the round."""
    return sa.exists().where(
        ConflictDeclaration.round_id == round_id,
        ConflictDeclaration.user_id == user_id,
        ConflictDeclaration.bid_id == bid_id,
        ConflictDeclaration.kind != ConflictKind.NONE,
    )


def declared_at_all(user_id: IntRef, bid_id: IntRef, round_id: IntRef) -> sa.Exists:
    """The person has answered the conflict question for the bid (conflict or not)."""
    return sa.exists().where(
        ConflictDeclaration.round_id == round_id,
        ConflictDeclaration.user_id == user_id,
        ConflictDeclaration.bid_id == bid_id,
    )


def in_own_group(user_id: IntRef, group_id: IntRef) -> sa.Exists:
    """The person belongs to the group."""
    return sa.exists().where(GroupMember.user_id == user_id, GroupMember.group_id == group_id)


def recused(user_id: IntRef, bid: type[Bid] | Any = Bid) -> sa.ColumnElement[bool]:
    """The person is recused from `bid` (the Bid entity or an alias of it, in the query's FROM)."""
    return sa.or_(declared_conflict(user_id, bid.id, bid.round_id), in_own_group(user_id, bid.group_id))


def is_recused(session: DbSession, round_id: int, user_id: int, bid_id: int) -> bool:
    """Whether this person is recused from this bid of the round: one question to the database."""
    return bool(
        session.scalar(sa.select(sa.exists().where(Bid.id == bid_id, Bid.round_id == round_id, recused(user_id))))
    )


def recused_from_any(session: DbSession, round_id: int, user_id: int, *, panel_only: bool = False) -> bool:
    """Whether this person is recused from any bid of the round (of the panel's bids only, if asked)."""
    where = [Bid.round_id == round_id, recused(user_id)]
    if panel_only:
        where.append(Bid.status == BidStatus.ELIGIBLE)
    return bool(session.scalar(sa.select(sa.exists().where(*where))))


def first_recused_panel_bid(session: DbSession, round_id: int, user_id: int) -> Bid | None:
    """The first of the panel's bids (by id) this person is recused from, if any."""
    return session.scalars(
        sa.select(Bid)
        .where(Bid.round_id == round_id, Bid.status == BidStatus.ELIGIBLE, recused(user_id))
        .order_by(Bid.id)
        .limit(1)
    ).first()


def recused_users(session: DbSession, round_id: int, user_ids: Iterable[int], *, bid_id: int | None = None) -> set[int]:
    """Which of these people are recused from the bid (`bid_id`), or else from any of the panel's bids: one
    query whatever their number (for "who else of the staff may act")."""
    users = set(user_ids)
    if not users:
        return set()
    which = Bid.id == bid_id if bid_id is not None else Bid.status == BidStatus.ELIGIBLE
    declared = (
        sa.select(ConflictDeclaration.user_id)
        .join(Bid, Bid.id == ConflictDeclaration.bid_id)
        .where(
            ConflictDeclaration.round_id == round_id,
            ConflictDeclaration.user_id.in_(users),
            ConflictDeclaration.kind != ConflictKind.NONE,
            Bid.round_id == round_id,
            which,
        )
    )
    own = (
        sa.select(GroupMember.user_id)
        .join(Bid, Bid.group_id == GroupMember.group_id)
        .where(GroupMember.user_id.in_(users), Bid.round_id == round_id, which)
    )
    return set(session.scalars(sa.union(declared, own)))


def own_group_bid_ids(session: DbSession, round_id: int, user_id: int) -> set[int]:
    """Bids in the round from groups this person belongs to: the platform recuses them itself."""
    return set(
        session.scalars(
            sa.select(Bid.id)
            .join(GroupMember, GroupMember.group_id == Bid.group_id)
            .where(Bid.round_id == round_id, GroupMember.user_id == user_id)
        )
    )


def own_group_panel_bids(session: DbSession, round_: Round, user_id: int) -> list[Bid]:
    """The panel's bids from groups this person belongs to, in reference order."""
    return list(
        session.scalars(
            sa.select(Bid)
            .join(GroupMember, GroupMember.group_id == Bid.group_id)
            .where(Bid.round_id == round_.id, Bid.status == BidStatus.ELIGIBLE, GroupMember.user_id == user_id)
            .order_by(Bid.number)
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
    if is_recused(session, bid.round_id, actor_id, bid.id):
        raise DomainError(
            f"You have a conflict of interest with {bid.reference}, so you cannot {doing}."
            " Another member of the funder's staff must."
        )


def _undeclared(round_: Round, user_id: int) -> sa.Select[Any]:
    """The panel's bids this panellist has not answered the conflict question for (their own group's bids count as
    answered: the platform recuses them itself)."""
    return sa.select(Bid.id).where(
        Bid.round_id == round_.id,
        Bid.status == BidStatus.ELIGIBLE,
        ~declared_at_all(user_id, Bid.id, round_.id),
        ~in_own_group(user_id, Bid.group_id),
    )


def has_undeclared_bids(session: DbSession, round_: Round, user_id: int) -> bool:
    """Whether this panellist has still to answer the conflict question for any of the panel's bids: one
    question to the database. False means their declarations are complete."""
    return bool(session.scalar(sa.select(_undeclared(round_, user_id).exists())))


def undeclared_count(session: DbSession, round_: Round, user_id: int) -> int:
    """How many of the panel's bids this panellist has still to answer the conflict question for."""
    return int(session.scalar(sa.select(sa.func.count()).select_from(_undeclared(round_, user_id).subquery())) or 0)


def undeclared_bid_ids(session: DbSession, round_: Round, user_id: int) -> set[int]:
    """The panel's bids this panellist has not yet declared on (their own group's bids count as declared: the
    platform recuses them itself). Empty means their declarations are complete."""
    return set(session.scalars(_undeclared(round_, user_id)))


def all_recusals(session: DbSession, round_id: int, *, bid_id: int | None = None) -> set[tuple[int, int]]:
    """Every (panellist, bid) recusal in the round (of one bid, if given), for the tally and the staff views."""
    # Only the panel's: a conflict a member of staff declared keeps them from acting on the bid, not out of a tally.
    declared = (
        sa.select(ConflictDeclaration.user_id, ConflictDeclaration.bid_id)
        .join(
            PanelMember,
            (PanelMember.user_id == ConflictDeclaration.user_id)
            & (PanelMember.round_id == ConflictDeclaration.round_id),
        )
        .where(ConflictDeclaration.round_id == round_id, ConflictDeclaration.kind != ConflictKind.NONE)
    )
    panel = sa.select(PanelMember.user_id).where(PanelMember.round_id == round_id)
    own = (
        sa.select(GroupMember.user_id, Bid.id)
        .join(Bid, Bid.group_id == GroupMember.group_id)
        .where(Bid.round_id == round_id, GroupMember.user_id.in_(panel))
    )
    if bid_id is not None:
        declared = declared.where(ConflictDeclaration.bid_id == bid_id)
        own = own.where(Bid.id == bid_id)
    return {(u, b) for u, b in session.execute(declared).all()} | {(u, b) for u, b in session.execute(own).all()}


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
