"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.models.base import Base

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """One event that matters to a decision. Rows are never updated or deleted (database triggers refuse it).

    hash = SHA-256(prev_hash + canonical JSON of the event's fields); prev_hash is unique, so two writers
    that raced from the same head cannot both land and fork the chain.
    """

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True, index=True)
    actor_role: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    object_id: Mapped[int | None] = mapped_column(nullable=True)
    facts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    __table_args__ = (
        sa.Index("ix_audit_event_object", "object_type", "object_id"),
        sa.CheckConstraint("seq >= 1", name="seq_positive"),
    )


class Checkpoint(Base):
    """The chain's head (sequence and hash) recorded at a round milestone and published on the round's public
    page, so a later rewrite of the whole chain by someone with database access shows against what was published."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), index=True)
    milestone: Mapped[str] = mapped_column(sa.String(20))
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(sa.String(64))
    recorded_at: Mapped[datetime]

    __table_args__ = (
        sa.CheckConstraint(
            "milestone IN ('closed', 'scoring_closed', 'voting_closed', 'decided')", name="milestone_known"
        ),
    )
