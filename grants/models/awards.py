"""Awards: the offer to a funded group, its acceptance, the payments made, and feedback to unfunded groups."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, CreatedAtMixin, enum_column

if TYPE_CHECKING:
    from grants.models.bids import Bid
    from grants.models.users import User


class AwardStatus(enum.StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    PAID_IN_FULL = "paid_in_full"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            AwardStatus.OFFERED: "Offered",
            AwardStatus.ACCEPTED: "Accepted",
            AwardStatus.DECLINED: "Declined",
            AwardStatus.WITHDRAWN: "Withdrawn",
            AwardStatus.PAID_IN_FULL: "Paid in full",
            AwardStatus.CLOSED: "Closed",
        }[self]


class Award(CreatedAtMixin, Base):
    """The grant offered for a funded bid. `paid_pence` is the running total of payments, which the database
    never lets pass the amount."""

    __tablename__ = "award"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), index=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id"), unique=True)
    amount_pence: Mapped[int]
    # Needed when the amount is below what the group asked for.
    reduced_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    conditions: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    status: Mapped[AwardStatus] = mapped_column(enum_column(AwardStatus, "award_status"), default=AwardStatus.OFFERED)
    paid_pence: Mapped[int] = mapped_column(default=0, server_default="0")
    offered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    responded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    accepted_name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    decline_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(nullable=True)
    withdrawal_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The group asked that its name be left out of public pages and open data (e.g. it supports people at risk).
    withhold_name: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    bid: Mapped[Bid] = relationship()
    offered_by: Mapped[User] = relationship(foreign_keys=[offered_by_id])
    payments: Mapped[list[Payment]] = relationship(back_populates="award", order_by="Payment.paid_on")
    report_dates: Mapped[list[ReportDate]] = relationship(
        back_populates="award", order_by="ReportDate.due_on", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("amount_pence > 0", name="amount_positive"),
        sa.CheckConstraint("paid_pence >= 0 AND paid_pence <= amount_pence", name="paid_within_award"),
    )


class ReportDate(Base):
    """A date by which the group tells the story of what happened (narrative outcome report)."""

    __tablename__ = "report_date"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("award.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(sa.Date)

    award: Mapped[Award] = relationship(back_populates="report_dates")

    __table_args__ = (sa.UniqueConstraint("award_id", "due_on"),)


class Payment(CreatedAtMixin, Base):
    """Money paid to the group against its award."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("award.id"), index=True)
    amount_pence: Mapped[int]
    paid_on: Mapped[date] = mapped_column(sa.Date)
    reference: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))

    award: Mapped[Award] = relationship(back_populates="payments")

    __table_args__ = (sa.CheckConstraint("amount_pence > 0", name="amount_positive"),)


class Feedback(CreatedAtMixin, Base):
    """Feedback to a group whose bid was not funded, composed by staff from the panel's comments."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id"), unique=True)
    text: Mapped[str] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)
