"""The append-only, hash-chained audit log."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.models.base import Base

INSTALLATION_CHAIN = 0  # the chain of the installation's own events (about no funder); a funder's chain is its id


def genesis_hash(chain: int) -> str:
    """The previous hash of a chain's first event: its own for each chain, so no event can open another's chain."""
    return hashlib.sha256(f"common-pot audit chain {chain}".encode("ascii")).hexdigest()


class AuditEvent(Base):
    """One event that matters to a decision. Rows are never updated or deleted (database triggers refuse it).

    Each funder has a chain of its own (`chain` is the funder's id), and the installation one more (chain 0, no
    funder). hash = SHA-256(prev_hash + canonical JSON of the event's fields, its chain included); (chain, seq)
    and (chain, prev_hash) are unique, so two writers that raced from the same head cannot both land and fork it.
    """

    __tablename__ = "audit_event"

    chain: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    funder_id: Mapped[int | None] = mapped_column(sa.ForeignKey("funder.id"), nullable=True)
    occurred_at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True, index=True)
    actor_role: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    object_id: Mapped[int | None] = mapped_column(nullable=True)
    facts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (
        sa.UniqueConstraint("chain", "prev_hash"),
        sa.Index("ix_audit_event_object", "object_type", "object_id"),
        sa.CheckConstraint("seq >= 1", name="seq_positive"),
        sa.CheckConstraint("chain = COALESCE(funder_id, 0)", name="chain_is_funder"),
    )


class Checkpoint(Base):
    """The head (sequence and hash) of the round's funder's chain recorded at a round milestone, signed with the
    installation's Ed25519 key and published on the round's public page, so a later rewrite of the whole chain by
    someone with database access but not the key shows against what was published."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), index=True)
    milestone: Mapped[str] = mapped_column(sa.String(20))
    chain: Mapped[int]
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(sa.String(64))
    recorded_at: Mapped[datetime]
    # The signing key's fingerprint and the Ed25519 signature (base64) of the checkpoint's statement
    # (grants.audit.signing); empty for a checkpoint recorded before checkpoints were signed.
    key_id: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    signature: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")

    __table_args__ = (
        sa.CheckConstraint(
            "milestone IN ('closed', 'scoring_closed', 'voting_closed', 'decided')", name="milestone_known"
        ),
    )


class ChainVerification(Base):
    """How far one chain has been verified, so a page or `flask audit verify --new` checks only the events after
    it. A record of work done, not evidence: the full `flask audit verify` trusts none of it, walks the chain
    from its genesis and writes it afresh (grants.audit.verification)."""

    __tablename__ = "audit_verification"

    chain: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # Events 1..seq were verified (0: none yet); hash is event seq's (the chain's genesis hash for 0).
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(sa.String(64))
    verified_at: Mapped[datetime]  # when a verification last reached seq
    # The last full verification (from the genesis): when it ended and how far it reached.
    full_verified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    full_verified_seq: Mapped[int | None] = mapped_column(nullable=True)
    # What the last verification found wrong after event seq ("" when nothing), and when.
    problem: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    problem_found_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (sa.CheckConstraint("seq >= 0", name="seq_not_negative"),)


class RoundEventLink(Base):
    """The trail index: this event is about this round or something in it (written with the event, in the same
    transaction), so a round's events are found by an index rather than by reading every event's facts.
    `every_bid` marks an event about the round's whole decision, which belongs in each of its bids' trails.
    The index only finds events; what a page shows of them is the event itself, which the chain's hash covers."""

    __tablename__ = "audit_round_event"

    round_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    chain: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    every_bid: Mapped[bool] = mapped_column(default=False)

    # No foreign key to audit_event: the index must not stand in the way of what it indexes (an investigator
    # removing a row to see what the verification says, a migration rewriting a chain as 0013 did).
    __table_args__ = (
        sa.Index(
            "ix_audit_round_event_every_bid",
            "round_id",
            "seq",
            # As the trail's query writes the condition (every_bid = 1 on SQLite), so SQLite sees it applies.
            sqlite_where=sa.text("every_bid = 1"),
            postgresql_where=sa.text("every_bid"),
        ),
    )


class BidEventLink(Base):
    """The trail index: this event is about this bid (its own events, its conflicts, scores, ballots, departures,
    its award's and its reports' events). See RoundEventLink."""

    __tablename__ = "audit_bid_event"

    bid_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    chain: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
