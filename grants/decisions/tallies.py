"""A round's tally: when it may be taken, computing it from the database, and recording a run.

The rules, with no Flask routing. The caller commits. Recording a run writes an audit event in the same
transaction, holding ids and the digest only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from grants.audit.chain import record_event
from grants.database import DbSession
from grants.decisions.inputs import TallyInputs, tally_inputs
from grants.decisions.results import references, result_document
from grants.domain import DomainError
from grants.models import Departure, Role, Round, RoundStatus, TallyRun, User, VotingMethod
from grants.panel import rules
from grants.tally import ALGORITHM_VERSION, TallyInputError, TallyResult

STAFF = Role.STAFF.value
PANEL = "panel"
RATIFIED = "ratified"

VOTE_OPEN = "You can ratify once voting has closed"
SCORING_OPEN = "You can ratify once scoring has closed"


# --- when ---------------------------------------------------------------------------------------------------------


def not_ready_reason(round_: Round, *, now: datetime) -> str | None:
    """Why the round's tally cannot be taken yet at `now`, or None once the vote has closed.

    Ballot methods: voting has closed by time, or the round has moved past voting. Scores: scoring has closed.
    """
    if round_.voting_method == VotingMethod.SCORES:
        return None if rules.scoring_closed(round_, now) else SCORING_OPEN
    if round_.status.at_least(RoundStatus.DECIDED):
        return None
    if round_.status == RoundStatus.VOTING and not rules.voting_open(round_, now):
        return None
    return VOTE_OPEN


def check_ready(round_: Round, *, now: datetime, field: str | None = None) -> None:
    """Refuse (next to `field`) while the vote is still open."""
    reason = not_ready_reason(round_, now=now)
    if reason is not None:
        raise DomainError(reason, field)


# --- computing ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Computed:
    """A tally computed now: its inputs, the result, and the result as it would be stored."""

    inputs: TallyInputs
    result: TallyResult
    document: dict[str, Any]

    @property
    def funded_ids(self) -> tuple[int, ...]:
        return self.result.funded_ids


def _run(inputs: TallyInputs, refs: Mapping[int, str], departed_ids: Iterable[int] = ()) -> Computed:
    try:
        result = inputs.run()
    except TallyInputError as exc:
        # The services should never let such inputs through; say so rather than show a wrong result.
        raise DomainError(f"The tally cannot be run on the recorded inputs: {exc}") from exc
    return Computed(inputs, result, result_document(result, refs, departed_ids=departed_ids))


def departed_bid_ids(session: DbSession, round_: Round) -> list[int]:
    """The bids staff have departed from the panel's result for, in the order they did."""
    return list(
        session.scalars(
            sa.select(Departure.bid_id)
            .where(Departure.round_id == round_.id)
            .order_by(Departure.created_at, Departure.id)
        )
    )


def compute_panel(session: DbSession, round_: Round) -> Computed:
    """The panel's result, computed from the database now."""
    return _run(tally_inputs(session, round_), references(session, round_))


def compute_ratified(session: DbSession, round_: Round, panel: Computed) -> Computed:
    """The result with the departed bids taken out of the inputs and the walk run again."""
    departed = departed_bid_ids(session, round_)
    return _run(panel.inputs.without(departed), references(session, round_), departed)


# --- recording runs -----------------------------------------------------------------------------------------------


def record_run(session: DbSession, *, round_: Round, actor: User, kind: str, computed: Computed) -> TallyRun:
    """Store a computed tally as a run of `kind` ("panel" or "ratified") and log it."""
    run = TallyRun(
        round_id=round_.id,
        kind=kind,
        algorithm_version=ALGORITHM_VERSION,
        digest=computed.result.digest,
        inputs=computed.inputs.as_json(),
        result=computed.document,
        created_by_id=actor.id,
    )
    session.add(run)
    session.flush()
    record_event(
        session,
        "tally.recorded",
        by=actor,
        role=STAFF,
        about=round_,
        facts={
            "round_id": round_.id,
            "tally_run_id": run.id,
            "kind": kind,
            "algorithm": ALGORITHM_VERSION,
            "digest": run.digest,
            "funded_ids": list(computed.funded_ids),
        },
    )
    return run


def _matching_panel_run(session: DbSession, round_: Round, digest: str) -> TallyRun | None:
    return session.scalars(
        sa.select(TallyRun)
        .where(
            TallyRun.round_id == round_.id,
            TallyRun.kind == PANEL,
            TallyRun.digest == digest,
            TallyRun.algorithm_version == ALGORITHM_VERSION,
        )
        .order_by(TallyRun.id.desc())
        .limit(1)
    ).first()


def record_panel(session: DbSession, *, round_: Round, actor: User, computed: Computed) -> TallyRun:
    """Record the panel's computed tally, or reuse the run already recorded for the same inputs."""
    existing = _matching_panel_run(session, round_, computed.result.digest)
    if existing is not None:
        return existing
    return record_run(session, round_=round_, actor=actor, kind=PANEL, computed=computed)


def record_panel_tally(session: DbSession, *, round_: Round, actor: User, now: datetime) -> TallyRun:
    """Record the panel's tally (kind "panel") once voting has closed; the same inputs reuse the run recorded."""
    check_ready(round_, now=now)
    return record_panel(session, round_=round_, actor=actor, computed=compute_panel(session, round_))
