"""Bids (applications) and their answers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, CreatedAtMixin, StoredFileMixin, UtcDateTime, enum_column, utcnow

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
    # Instead of (or beside) written answers: a link to a short video or audio recording.
    recording_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    declaration_name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(nullable=True)
    withdrawal_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    screening_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    screened_at: Mapped[datetime | None] = mapped_column(nullable=True)
    screened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    # When what the group wrote was removed, the bid being unfunded past its funder's keeping time (grants.retention).
    details_removed_at: Mapped[datetime | None] = mapped_column(nullable=True)

    round: Mapped[Round] = relationship()
    group: Mapped[Group] = relationship()
    entered_by_staff: Mapped[User | None] = relationship(foreign_keys=[entered_by_staff_id])
    answers: Mapped[list[Answer]] = relationship(back_populates="bid", cascade="all, delete-orphan")
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="bid", cascade="all, delete-orphan", order_by="BudgetLine.position"
    )
    attachment: Mapped[Attachment | None] = relationship(back_populates="bid", cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("round_id", "number"),
        # One bid per group per round: a group changes its bid rather than sending a second one.
        sa.UniqueConstraint("round_id", "group_id"),
        sa.CheckConstraint(
            "(status IN ('eligible', 'ineligible')) = (screened_at IS NOT NULL)", name="screened_has_time"
        ),
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


class BudgetLine(Base):
    """One line of a bid's simple breakdown: an item and what it costs."""

    __tablename__ = "budget_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    item: Mapped[str] = mapped_column(sa.String(200))
    cost_pence: Mapped[int]

    bid: Mapped[Bid] = relationship(back_populates="budget_lines")

    __table_args__ = (
        sa.UniqueConstraint("bid_id", "position"),
        sa.CheckConstraint("cost_pence > 0", name="cost_positive"),
    )


class Attachment(StoredFileMixin, CreatedAtMixin, Base):
    """A bid's one optional file (PDF, image or audio), kept in the database so every worker and backup has it.

    It is served only through a route that checks who may see the bid, never from a public URL.
    """

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id", ondelete="CASCADE"), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)

    bid: Mapped[Bid] = relationship(back_populates="attachment")

    __table_args__ = (sa.CheckConstraint("size_bytes > 0 AND size_bytes <= 10485760", name="size_limit"),)
