"""Community panels: the residents who sit on a round's panel, their conflict declarations, scores,
deliberation notes and ballots."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, CreatedAtMixin, UtcDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from grants.models.bids import Bid
    from grants.models.rounds import Criterion, Round
    from grants.models.users import User


class PanelMember(CreatedAtMixin, Base):
    """A panellist's seat on one round's panel."""

    __tablename__ = "panel_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    is_chair: Mapped[bool] = mapped_column(default=False)
    conduct_accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)

    round: Mapped[Round] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("round_id", "user_id"),)


class ConflictKind(enum.StrEnum):
    NONE = "none"
    PERSONAL = "personal"
    FINANCIAL = "financial"
    ORGANISATIONAL = "organisational"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            ConflictKind.NONE: "No conflict",
            ConflictKind.PERSONAL: "Personal (for example a friend or relative is involved)",
            ConflictKind.FINANCIAL: "Financial (I or someone close to me could gain or lose money)",
            ConflictKind.ORGANISATIONAL: "Organisational (I am involved with the group or a partner)",
            ConflictKind.OTHER: "Other",
        }[self]


class ConflictDeclaration(CreatedAtMixin, Base):
    """A panellist's declaration for one bid: no conflict, or a conflict that recuses them from it.

    `by_system` marks a recusal the platform made itself (the panellist belongs to the bidding group).
    Changes update the row; every version is in the audit chain.
    """

    __tablename__ = "conflict_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id"), index=True)
    kind: Mapped[ConflictKind] = mapped_column(enum_column(ConflictKind, "conflict_kind"))
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    by_system: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    # A declared conflict taken back while scoring was open: when, and the panellist's reason (the chair and staff
    # see it on the panel's progress page). Kept if the panellist later declares a conflict again.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    withdrawal_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    bid: Mapped[Bid] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "bid_id"),
        sa.CheckConstraint("withdrawn_at IS NULL OR withdrawal_reason <> ''", name="withdrawal_has_reason"),
        # A panellist's answers in a round, counted along the index alone (the progress pages); its first column
        # serves every read by round.
        sa.Index("ix_conflict_declaration_round_user", "round_id", "user_id", "kind", "bid_id"),
        # The few conflicts withdrawn, which the chair's and staff's pages list, without reading every answer.
        sa.Index(
            "ix_conflict_declaration_withdrawn",
            "round_id",
            "withdrawn_at",
            sqlite_where=sa.text("withdrawn_at IS NOT NULL"),
            postgresql_where=sa.text("withdrawn_at IS NOT NULL"),
        ),
    )

    @property
    def recused(self) -> bool:
        return self.kind != ConflictKind.NONE


class Score(CreatedAtMixin, Base):
    """A panellist's score (1 to 5) for one bid against one criterion, with an optional comment."""

    __tablename__ = "score"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criterion.id"))
    value: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    criterion: Mapped[Criterion] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "bid_id", "criterion_id"),
        sa.CheckConstraint("value BETWEEN 1 AND 5", name="value_range"),
        # The bids a panellist scored in a round, grouped along the index alone (the progress pages); its first
        # column serves every read by round.
        sa.Index("ix_score_round_user_bid", "round_id", "user_id", "bid_id"),
    )


class DeliberationNote(CreatedAtMixin, Base):
    """A note of the panel's discussion, recorded by the chair or staff and kept with the round."""

    __tablename__ = "deliberation_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    text: Mapped[str] = mapped_column(sa.Text)

    author: Mapped[User] = relationship()


class Ballot(CreatedAtMixin, Base):
    """One version of a panellist's ballot in a round. Replacing a ballot marks the old one superseded (never
    deleted); at most one is current per panellist and round (a partial unique index).

    `receipt_code` is derived from the ballot's content and the secret `receipt_salt`, so it proves the
    ballot without revealing it; only the panellist is shown their code.
    """

    __tablename__ = "ballot"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    is_current: Mapped[bool] = mapped_column(default=True)
    superseded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Set when staff recorded a ballot the panellist gave on paper at an in-person meeting.
    recorded_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)
    receipt_salt: Mapped[str] = mapped_column(sa.String(64))
    receipt_code: Mapped[str] = mapped_column(sa.String(32), unique=True)

    choices: Mapped[list[BallotChoice]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan", order_by="BallotChoice.position"
    )

    __table_args__ = (
        sa.Index(
            "uq_ballot_current",
            "round_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        ),
        sa.CheckConstraint("is_current OR superseded_at IS NOT NULL", name="superseded_has_time"),
    )


class BallotChoice(Base):
    """A bid chosen on a ballot; `position` is its place in a ranked ballot (1 = top), or order of ticking."""

    __tablename__ = "ballot_choice"

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(sa.ForeignKey("ballot.id", ondelete="CASCADE"), index=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id"))
    position: Mapped[int]

    ballot: Mapped[Ballot] = relationship(back_populates="choices")

    __table_args__ = (
        sa.UniqueConstraint("ballot_id", "bid_id"),
        sa.UniqueConstraint("ballot_id", "position"),
        sa.CheckConstraint("position >= 1", name="position_positive"),
    )
