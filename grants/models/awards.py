"""Awards: the offer to a funded group, its acceptance, the payments made, and feedback to unfunded groups."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, CreatedAtMixin, UtcDateTime, enum_column

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
    payments: Mapped[list[Payment]] = relationship(
        back_populates="award", order_by=lambda: [Payment.paid_on, Payment.id]
    )
    published: Mapped[PublishedGrant | None] = relationship(back_populates="award")
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
    """Money paid to the group against its award, or the reversing entry of a payment recorded in error.

    Payments are never deleted or changed: a mistake is undone by a reversing entry (`reverses_id` names the
    payment, the amount is its negative, `reason` says why), so the payments of an award always add up to what it
    has been paid, and each payment is reversed at most once.
    """

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("award.id"), index=True)
    amount_pence: Mapped[int]
    paid_on: Mapped[date] = mapped_column(sa.Date)
    reference: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payment.id"), unique=True, nullable=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    award: Mapped[Award] = relationship(back_populates="payments")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])

    __table_args__ = (
        sa.CheckConstraint(
            "(reverses_id IS NULL AND amount_pence > 0) OR (reverses_id IS NOT NULL AND amount_pence < 0)",
            name="amount_signed",
        ),
    )

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class PublishedGrant(Base):
    """What the public data says about a grant, captured when it is published (the group accepts the award).

    Later changes to the group do not reach the public page or the 360Giving data until staff re-publish it
    (grants/awards/publication.py), which updates this copy and `modified_at` (the data's `dateModified`).
    """

    __tablename__ = "published_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("award.id"), unique=True)
    group_name: Mapped[str] = mapped_column(sa.String(200))
    group_kind: Mapped[str] = mapped_column(sa.String(40))
    registration_number: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    area: Mapped[str] = mapped_column(sa.String(200))
    bid_title: Mapped[str] = mapped_column(sa.String(200))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())
    modified_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)

    award: Mapped[Award] = relationship(back_populates="published")


class Feedback(CreatedAtMixin, Base):
    """Feedback to a group whose bid was not funded, composed by staff from the panel's comments."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id"), unique=True)
    text: Mapped[str] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)
