"""Reads for the applicant's pages: a person's groups, their bids in a round, a group's members."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from grants.database import DbSession
from grants.models import Bid, Group, GroupMember, User


def groups_of(session: DbSession, user: User) -> list[Group]:
    """The groups this person is a member of, by name."""
    return list(
        session.scalars(
            sa.select(Group)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.user_id == user.id)
            .order_by(Group.name)
        )
    )


def bids_by_group(session: DbSession, round_id: int, group_ids: Collection[int]) -> dict[int, Bid]:
    """These groups' bids in the round, by group id (a group has at most one bid in a round)."""
    if not group_ids:
        return {}
    bids = session.scalars(sa.select(Bid).where(Bid.round_id == round_id, Bid.group_id.in_(group_ids)))
    return {bid.group_id: bid for bid in bids}


def members_of(session: DbSession, group_id: int) -> list[User]:
    """Everyone in the group, by name."""
    return list(
        session.scalars(
            sa.select(User)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.group_id == group_id)
            .order_by(User.name)
        )
    )
