"""Bids (applications) and their answers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, CreatedAtMixin, UtcDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from grants.models.groups import Group
    from grants.models.rounds import Question, Round
    from grants.models.users import User


class BidStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Bid(CreatedAtMixin, Base):
    """A group's bid to a round. `number` is its reference within the round (shown as CODE-0001)."""

    __tablename__ = "bid"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), index=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("group.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    amount_pence: Mapped[int | None] = mapped_column(nullable=True)
    status: Mapped[BidStatus] = mapped_column(enum_column(BidStatus, "bid_status"), default=BidStatus.DRAFT)
    submitted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    entered_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    round: Mapped[Round] = relationship()
    group: Mapped[Group] = relationship()
    entered_by_staff: Mapped[User | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="bid", cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("round_id", "number"),
        sa.CheckConstraint("amount_pence IS NULL OR amount_pence > 0", name="amount_positive"),
        sa.CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name="submitted_has_time"),
    )

    @property
    def reference(self) -> str:
        return f"{self.round.code}-{self.number:04d}"


class Answer(Base):
    """A bid's answer to one of its round's questions."""

    __tablename__ = "answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id"))
    text: Mapped[str] = mapped_column(sa.Text, default="")

    bid: Mapped[Bid] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()

    __table_args__ = (sa.UniqueConstraint("bid_id", "question_id"),)
