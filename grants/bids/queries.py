"""Reads about groups and bids: a person's groups, their bids in a round, a group's members, what a bid says."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants.database import DbSession
from grants.models import Bid, Group, GroupMember, Question, User


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


@dataclass(frozen=True)
class AnsweredQuestion:
    question: Question
    text: str  # "" when the group gave no answer


def bid_contents(session: DbSession, bid: Bid) -> list[AnsweredQuestion]:
    """Load what the group sent with a bid (its group, answers, breakdown and attachment details) in a fixed number
    of queries, and return its answer to each of the round's questions, in the round's order."""
    # The bid itself is already loaded (by the permission check); this fills in what a page shows of it.
    session.scalars(
        sa.select(Bid)
        .where(Bid.id == bid.id)
        .options(
            selectinload(Bid.group),
            selectinload(Bid.answers),
            selectinload(Bid.budget_lines),
            selectinload(Bid.attachment),
        )
    ).one()
    questions = session.scalars(
        sa.select(Question).where(Question.round_id == bid.round_id).order_by(Question.position)
    ).all()
    by_question = {a.question_id: a.text for a in bid.answers}
    return [AnsweredQuestion(q, (by_question.get(q.id) or "").strip()) for q in questions]
