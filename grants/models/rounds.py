"""Funding rounds, their questions and their scoring criteria."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, CreatedAtMixin, enum_column

if TYPE_CHECKING:
    from grants.models.funders import Funder


class RoundStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    SCREENING = "screening"
    SCORING = "scoring"
    VOTING = "voting"
    DECIDED = "decided"
    AWARDING = "awarding"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def stage(self) -> int:
        """Where the status stands in a round's life: draft is 0, complete is 8. The one home of that order."""
        return _ROUND_ORDER.index(self)

    def at_least(self, other: RoundStatus) -> bool:
        """Whether a round in this status has reached `other` (or gone past it)."""
        return self.stage >= other.stage

    def before(self, other: RoundStatus) -> bool:
        """Whether a round in this status has not yet reached `other`."""
        return self.stage < other.stage


# The order a round moves through, forwards only (the declaration order above, fixed here on purpose).
_ROUND_ORDER: tuple[RoundStatus, ...] = tuple(RoundStatus)


class VotingMethod(enum.StrEnum):
    SCORES = "scores"
    APPROVAL = "approval"
    BUDGET = "budget"
    RANKED = "ranked"
    EQUAL_SHARES = "equal_shares"

    @property
    def label(self) -> str:
        return {
            VotingMethod.SCORES: "Scores",
            VotingMethod.APPROVAL: "Approval vote",
            VotingMethod.BUDGET: "Budget vote",
            VotingMethod.RANKED: "Ranked vote",
            VotingMethod.EQUAL_SHARES: "Equal shares",
        }[self]


class Round(CreatedAtMixin, Base):
    """A funding round (call). Money is integer pennies; times are UTC."""

    __tablename__ = "round"

    id: Mapped[int] = mapped_column(primary_key=True)
    funder_id: Mapped[int] = mapped_column(sa.ForeignKey("funder.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text)
    who_can_apply: Mapped[str] = mapped_column(sa.Text)
    budget_pence: Mapped[int]
    min_grant_pence: Mapped[int]
    max_grant_pence: Mapped[int]
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    status: Mapped[RoundStatus] = mapped_column(enum_column(RoundStatus, "round_status"), default=RoundStatus.DRAFT)
    voting_method: Mapped[VotingMethod] = mapped_column(
        enum_column(VotingMethod, "round_voting_method"), default=VotingMethod.SCORES
    )
    approval_limit: Mapped[int | None] = mapped_column(nullable=True)
    ranked_limit: Mapped[int | None] = mapped_column(nullable=True)
    quorum: Mapped[int] = mapped_column(default=3, server_default="3")
    scoring_closes_at: Mapped[datetime | None] = mapped_column(nullable=True)
    voting_closes_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The last bid number handed out in this round; incremented under a row lock (see bids.services).
    bid_counter: Mapped[int] = mapped_column(default=0, server_default="0")
    # What panellists agree to before they see any bid; empty means the platform's default text.
    code_of_conduct: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The open prompts a funded group's report asks; empty means the platform's defaults.
    report_prompts: Mapped[list[str]] = mapped_column(sa.JSON, default=list, server_default="[]")

    funder: Mapped[Funder] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="round", order_by="Question.position", cascade="all, delete-orphan"
    )
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="round", order_by="Criterion.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("funder_id", "code"),
        sa.CheckConstraint("budget_pence > 0", name="budget_positive"),
        sa.CheckConstraint("min_grant_pence > 0", name="min_grant_positive"),
        sa.CheckConstraint("max_grant_pence >= min_grant_pence", name="grant_range"),
        sa.CheckConstraint("max_grant_pence <= budget_pence", name="max_within_budget"),
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
        sa.CheckConstraint("quorum >= 1", name="quorum_positive"),
        sa.CheckConstraint("approval_limit IS NULL OR approval_limit >= 1", name="approval_limit_positive"),
        sa.CheckConstraint("ranked_limit IS NULL OR ranked_limit >= 1", name="ranked_limit_positive"),
        sa.CheckConstraint("bid_counter >= 0", name="bid_counter_not_negative"),
    )

    @property
    def is_decided(self) -> bool:
        """Decided or later: the round's inputs (declarations, scores, ballots) are frozen."""
        return self.status.at_least(RoundStatus.DECIDED)

    def __repr__(self) -> str:
        return f"<Round {self.code}>"


class Question(Base):
    """One of a round's 3 to 6 short questions."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"))
    position: Mapped[int]
    prompt: Mapped[str] = mapped_column(sa.String(300))
    help_text: Mapped[str] = mapped_column(sa.Text, default="")
    word_limit: Mapped[int]
    required: Mapped[bool] = mapped_column(default=True)

    round: Mapped[Round] = relationship(back_populates="questions")

    __table_args__ = (
        sa.UniqueConstraint("round_id", "position"),
        sa.CheckConstraint("word_limit > 0", name="word_limit_positive"),
    )


class Criterion(Base):
    """A scoring criterion with its guidance and weight."""

    __tablename__ = "criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(120))
    guidance: Mapped[str] = mapped_column(sa.Text, default="")
    weight: Mapped[int] = mapped_column(default=1)

    round: Mapped[Round] = relationship(back_populates="criteria")

    __table_args__ = (
        sa.UniqueConstraint("round_id", "position"),
        sa.CheckConstraint("weight BETWEEN 1 AND 10", name="weight_range"),
    )
