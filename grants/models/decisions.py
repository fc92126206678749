"""Decisions: the recorded tallies, the ratification of a round's result, and departures from it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, CreatedAtMixin, enum_column

if TYPE_CHECKING:
    from grants.models.users import User


class TallyRun(CreatedAtMixin, Base):
    """One computation of a round's tally: the inputs exactly as read, the result, and their digest.

    `kind` is "panel" (the panel's result as cast) or "ratified" (re-run without the bids staff departed from).
    Kept forever, so anyone can re-run the tally from the recorded inputs and compare.

    The inputs (every score and ballot: megabytes in a large round) and the result are loaded only when read:
    a page that needs a run's digest, or the funded bids (`grants.decisions.queries.funded_by_round` reads those
    out of the result in the database), never parses them.
    """

    __tablename__ = "tally_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    algorithm_version: Mapped[str] = mapped_column(sa.String(40))
    digest: Mapped[str] = mapped_column(sa.String(64))
    inputs: Mapped[dict[str, Any]] = mapped_column(sa.JSON, deferred=True)
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON, deferred=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)

    created_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.CheckConstraint("kind IN ('panel', 'ratified')", name="kind_known"),)


class Departure(CreatedAtMixin, Base):
    """Staff departing from the panel's result for one bid, with the written reason (e.g. failed due diligence)."""

    __tablename__ = "departure"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), index=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))

    created_by: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("round_id", "bid_id"),
        sa.CheckConstraint("length(reason) > 0", name="reason_given"),
    )


class Ratification(CreatedAtMixin, Base):
    """Staff ratifying a round's result: the panel's tally and the ratified one (the same when no departures)."""

    __tablename__ = "ratification"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), index=True)
    panel_run_id: Mapped[int] = mapped_column(sa.ForeignKey("tally_run.id"))
    ratified_run_id: Mapped[int] = mapped_column(sa.ForeignKey("tally_run.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    ratified_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    # A reopening (decided -> voting) ends a ratification without deleting it.
    undone_at: Mapped[datetime | None] = mapped_column(nullable=True)

    panel_run: Mapped[TallyRun] = relationship(foreign_keys=[panel_run_id])
    ratified_run: Mapped[TallyRun] = relationship(foreign_keys=[ratified_run_id])
    ratified_by: Mapped[User] = relationship()

    __table_args__ = (
        sa.Index(
            "uq_ratification_current",
            "round_id",
            unique=True,
            sqlite_where=sa.text("undone_at IS NULL"),
            postgresql_where=sa.text("undone_at IS NULL"),
        ),
    )


class ProposalKind(enum.StrEnum):
    """The decisions that move money, which a second member of staff confirms where the funder asks for two."""

    RATIFY = "ratify"
    DEPART = "depart"
    REOPEN = "reopen"

    @property
    def words(self) -> str:
        """What a proposal of this kind proposes to do, for the tally page: "ratify the result"."""
        return _PROPOSAL_WORDS[self]


_PROPOSAL_WORDS = {
    ProposalKind.RATIFY: "ratify the result",
    ProposalKind.DEPART: "depart from the panel's result",
    ProposalKind.REOPEN: "reopen the vote",
}


class DecisionProposal(CreatedAtMixin, Base):
    """A decision one member of staff proposed and a different one must confirm (the funder's two-person rule).

    `text` is the ratification's note or the reason for the departure or reopening; `digest` the ratified
    result's digest when a ratification was proposed, so the confirmer confirms exactly what was proposed. A
    proposal ends confirmed (and the decision is taken) or withdrawn; both are kept.
    """

    __tablename__ = "decision_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), index=True)
    kind: Mapped[ProposalKind] = mapped_column(enum_column(ProposalKind, "proposal_kind"))
    bid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bid.id"), nullable=True)
    text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    digest: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(nullable=True)

    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])

    __table_args__ = (
        # The two-person rule in the database too: nobody confirms their own proposal.
        sa.CheckConstraint("confirmed_by_id IS NULL OR confirmed_by_id <> proposed_by_id", name="second_person"),
        sa.CheckConstraint("confirmed_at IS NULL OR withdrawn_at IS NULL", name="confirmed_or_withdrawn"),
        sa.CheckConstraint("(kind = 'depart') = (bid_id IS NOT NULL)", name="departure_names_bid"),
    )

    @property
    def pending(self) -> bool:
        return self.confirmed_at is None and self.withdrawn_at is None
