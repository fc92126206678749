"""Checkpoints: the head of the round's funder's chain recorded at each round milestone and published on the
round's page.

A checkpoint is what lets a reader detect a rewrite of the whole chain: someone with database access can recompute
every hash after an edit so the chain verifies on its own, but not the heads already published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from grants.audit import signing
from grants.audit.chain import chain_head, format_time
from grants.database import DbSession
from grants.models import AuditEvent, Checkpoint, Round, RoundStatus, utcnow
from grants.models.audit import genesis_hash

CLOSED = "closed"
SCORING_CLOSED = "scoring_closed"
VOTING_CLOSED = "voting_closed"
DECIDED = "decided"

MILESTONE_WORDS = {
    CLOSED: "Closed for bids",
    SCORING_CLOSED: "Scoring closed",
    VOTING_CLOSED: "Voting closed",
    DECIDED: "Decided",
}

# The round moves that pass a milestone. Ratification moves voting -> decided, which closes the vote and decides.
MILESTONE_MOVES: dict[tuple[RoundStatus, RoundStatus], tuple[str, ...]] = {
    (RoundStatus.OPEN, RoundStatus.CLOSED): (CLOSED,),
    (RoundStatus.SCORING, RoundStatus.VOTING): (SCORING_CLOSED,),
    (RoundStatus.VOTING, RoundStatus.DECIDED): (VOTING_CLOSED, DECIDED),
}


def milestones_for_move(frm: RoundStatus, to: RoundStatus) -> tuple[str, ...]:
    """The milestones a round passes when it moves from `frm` to `to` (none for most moves)."""
    return MILESTONE_MOVES.get((frm, to), ())


def record_checkpoint(session: DbSession, *, round: Round, milestone: str) -> Checkpoint:
    """Record the head of the round's funder's chain (in this transaction, after the move's own event) for a round
    milestone."""
    if milestone not in MILESTONE_WORDS:
        raise ValueError(f"unknown milestone {milestone!r}")
    seq, digest = chain_head(session, round.funder_id)
    key_id = signing.key_id(signing.signing_key().public_key())
    checkpoint = Checkpoint(
        round_id=round.id,
        milestone=milestone,
        chain=round.funder_id,
        seq=seq,
        hash=digest,
        recorded_at=utcnow(),
        key_id=key_id,
    )
    checkpoint.signature = signing.sign(checkpoint_statement(checkpoint, funder_id=round.funder_id))
    session.add(checkpoint)
    session.flush()
    return checkpoint


def checkpoint_statement(checkpoint: Checkpoint, *, funder_id: int) -> dict[str, Any]:
    """The document a checkpoint's signature is over (grants.audit.signing says what it holds)."""
    return {
        "statement": signing.STATEMENT_KIND,
        "funder_id": funder_id,
        "recorded_at": format_time(checkpoint.recorded_at),
        **{name: getattr(checkpoint, name) for name in signing.STATEMENT_FIELDS},
    }


def round_checkpoints(session: DbSession, round_id: int) -> list[Checkpoint]:
    """A round's checkpoints, oldest first."""
    return list(
        session.scalars(
            sa.select(Checkpoint).where(Checkpoint.round_id == round_id).order_by(Checkpoint.seq, Checkpoint.id)
        )
    )


@dataclass(frozen=True)
class CheckpointProblem:
    """A published checkpoint the chain no longer agrees with."""

    round_id: int
    round_code: str
    milestone: str
    seq: int
    signature: bool = False  # the problem is its signature, not the chain

    @property
    def message(self) -> str:
        where = f"checkpoint for {self.round_code} at {self.milestone}"
        if self.signature:
            return (
                f"{where}: its signature does not hold with the key it names (this installation's, or one it retired)"
            )
        return f"{where}: the chain's event {self.seq} has a different hash than was published"


def verify_checkpoints(session: DbSession) -> tuple[int, list[CheckpointProblem]]:
    """Check every checkpoint against its chain: its event must exist with the same hash. Returns (count, problems)."""
    rows = session.execute(
        sa.select(Checkpoint, Round.code, AuditEvent.hash)
        .join(Round, Round.id == Checkpoint.round_id)
        .outerjoin(AuditEvent, sa.and_(AuditEvent.chain == Checkpoint.chain, AuditEvent.seq == Checkpoint.seq))
        .order_by(Checkpoint.id)
    ).all()
    problems: list[CheckpointProblem] = []
    for checkpoint, code, chain_hash in rows:
        expected = chain_hash if checkpoint.seq > 0 else genesis_hash(checkpoint.chain)
        if expected != checkpoint.hash:
            problems.append(CheckpointProblem(checkpoint.round_id, code, checkpoint.milestone, checkpoint.seq))
        document = checkpoint_statement(checkpoint, funder_id=checkpoint.chain)
        if checkpoint.signature and not signing.signature_holds(
            document, checkpoint.signature, signed_by=checkpoint.key_id or ""
        ):
            problems.append(
                CheckpointProblem(checkpoint.round_id, code, checkpoint.milestone, checkpoint.seq, signature=True)
            )
    return len(rows), problems
