"""The tally of a round, its ratification by staff, departures from the panel's result, and undoing a ratification.

The rules, with no Flask routing. The caller commits. Every change writes an audit event in the same transaction,
holding ids, digests and hashes only: reasons and notes stay on their rows, and the event holds the SHA-256 of
the text, so a later edit of a stored reason is detectable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from grants.audit.chain import MAX_FACT_STRING, record_event
from grants.database import DbSession
from grants.decisions.inputs import TallyInputs, tally_inputs
from grants.decisions.queries import current_ratification
from grants.models import Bid, Departure, Ratification, Role, Round, RoundStatus, TallyRun, User, VotingMethod, utcnow
from grants.panel import rules
from grants.rounds.services import StateTransitionError, change_status, end_ratification
from grants.tally import ALGORITHM_VERSION, TallyInputError, TallyResult, format_score

STAFF = Role.STAFF.value
PANEL = "panel"
RATIFIED = "ratified"

MAX_NOTE_LENGTH = 2000
MAX_REASON_LENGTH = 2000
MAX_REOPEN_REASON_LENGTH = MAX_FACT_STRING

VOTE_OPEN = "You can ratify once voting has closed"
SCORING_OPEN = "You can ratify once scoring has closed"
ALREADY_RATIFIED = "This round's result has already been ratified. To change it, reopen the vote first"
REASON_REQUIRED = "Explain why you are departing from the panel's result, for example failed due diligence"
REASON_TOO_LONG = f"The reason must be {MAX_REASON_LENGTH:,} characters or fewer"
NOTE_TOO_LONG = f"The note must be {MAX_NOTE_LENGTH:,} characters or fewer"
BID_REQUIRED = "Choose the funded bid you are departing from"
BID_NOT_FUNDED = "You can only depart from the panel's result for a bid the panel funded"
ALREADY_DEPARTED = "You have already departed from the panel's result for this bid"
REOPEN_REASON_REQUIRED = "Enter why you are reopening the vote"
REOPEN_REASON_TOO_LONG = f"The reason must be {MAX_REOPEN_REASON_LENGTH} characters or fewer"
NOT_RATIFIED = "This round's result has not been ratified, so there is nothing to undo"


class DecisionError(Exception):
    """A rule about tallies and ratification was broken. `field` names the form field the message belongs next to
    (None: the page as a whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- when ---------------------------------------------------------------------------------------------------------


def not_ready_reason(round_: Round, now: datetime | None = None) -> str | None:
    """Why the round's tally cannot be taken yet (server time), or None once the vote has closed.

    Ballot methods: voting has closed by time, or the round has moved past voting. Scores: scoring has closed.
    """
    now = now or utcnow()
    if round_.voting_method == VotingMethod.SCORES:
        return None if rules.scoring_closed(round_, now) else SCORING_OPEN
    if round_.status.at_least(RoundStatus.DECIDED):
        return None
    if round_.status == RoundStatus.VOTING and not rules.voting_open(round_, now):
        return None
    return VOTE_OPEN


# --- the result as stored -----------------------------------------------------------------------------------------


def result_document(
    result: TallyResult, references: Mapping[int, str], *, departed_ids: Iterable[int] = ()
) -> dict[str, Any]:
    """A tally result as the JSON stored with a run: plain types only, fractions as strings ("7/2")."""
    return {
        "algorithm": result.algorithm,
        "digest": result.digest,
        "method": result.method.value,
        "budget_pence": result.budget_pence,
        "used_pence": result.used_pence,
        "left_pence": result.left_pence,
        "funded_ids": list(result.funded_ids),
        "departed_ids": sorted(departed_ids),
        "bids": [
            {
                "id": bid.bid_id,
                "reference": references.get(bid.bid_id, str(bid.bid_id)),
                "rank": bid.rank,
                "amount_pence": bid.amount_pence,
                "mean_score": str(bid.mean_score) if bid.mean_score is not None else None,
                "mean_score_display": format_score(bid.mean_score),
                "scorers": bid.scorers,
                "in_favour": bid.in_favour,
                "points": bid.points,
                "outcome": bid.outcome.value,
                "reason": bid.reason,
                "flags": [flag.value for flag in bid.flags],
                "flag_notes": list(bid.flag_notes),
                "funded_by": bid.funded_by.value if bid.funded_by is not None else None,
                "left_before_pence": bid.left_before_pence,
                "equal_shares_payment": (
                    str(bid.equal_shares_payment) if bid.equal_shares_payment is not None else None
                ),
            }
            for bid in result.bids
        ],
        "explanation": list(result.explanation),
    }


def references(session: DbSession, round_: Round) -> dict[int, str]:
    """Each of the round's bids' reference ("RSS27-0003"), by id."""
    rows = session.execute(sa.select(Bid.id, Bid.number).where(Bid.round_id == round_.id)).all()
    return {bid_id: f"{round_.code}-{number:04d}" for bid_id, number in rows}


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
        raise DecisionError(f"The tally cannot be run on the recorded inputs: {exc}") from exc
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


def _record_run(session: DbSession, *, round_: Round, actor: User, kind: str, computed: Computed) -> TallyRun:
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
        actor_id=actor.id,
        actor_role=STAFF,
        object_type="round",
        object_id=round_.id,
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


def _check_ready(round_: Round) -> None:
    reason = not_ready_reason(round_)
    if reason is not None:
        raise DecisionError(reason)


def _record_panel(session: DbSession, *, round_: Round, actor: User, computed: Computed) -> TallyRun:
    existing = _matching_panel_run(session, round_, computed.result.digest)
    if existing is not None:
        return existing
    return _record_run(session, round_=round_, actor=actor, kind=PANEL, computed=computed)


def record_panel_tally(session: DbSession, *, round_: Round, actor: User) -> TallyRun:
    """Record the panel's tally (kind "panel") once voting has closed; the same inputs reuse the run recorded."""
    _check_ready(round_)
    return _record_panel(session, round_=round_, actor=actor, computed=compute_panel(session, round_))


# --- departures ---------------------------------------------------------------------------------------------------


def _lock(session: DbSession, round_: Round) -> None:
    # Two staff at once: the second reads the round (and whether it is ratified) only after the first commits.
    session.refresh(round_, with_for_update=True)


def _check_changeable(session: DbSession, round_: Round) -> None:
    _check_ready(round_)
    if current_ratification(session, round_.id) is not None:
        raise DecisionError(ALREADY_RATIFIED)


def depart(session: DbSession, *, round_: Round, bid_id: int | None, actor: User, reason: str) -> Departure:
    """Depart from the panel's result for one bid it funded, with a written reason; it takes effect on ratifying."""
    _lock(session, round_)
    _check_changeable(session, round_)
    reason = (reason or "").strip()
    if bid_id is None:
        raise DecisionError(BID_REQUIRED, "bid")
    if not reason:
        raise DecisionError(REASON_REQUIRED, "reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise DecisionError(REASON_TOO_LONG, "reason")
    if bid_id in departed_bid_ids(session, round_):
        raise DecisionError(ALREADY_DEPARTED, "bid")
    panel = compute_panel(session, round_)
    if bid_id not in panel.funded_ids:
        raise DecisionError(BID_NOT_FUNDED, "bid")
    departure = Departure(round_id=round_.id, bid_id=bid_id, reason=reason, created_by_id=actor.id)
    session.add(departure)
    session.flush()
    record_event(
        session,
        "decision.departed",
        actor_id=actor.id,
        actor_role=STAFF,
        object_type="bid",
        object_id=bid_id,
        facts={
            "round_id": round_.id,
            "bid_id": bid_id,
            "departure_id": departure.id,
            "reason_sha256": text_sha256(reason),
        },
    )
    return departure


def withdraw_departure(session: DbSession, *, round_: Round, departure: Departure, actor: User) -> None:
    """Take back a departure before the result is ratified (it has not taken effect); logged with its reason's
    hash, so the chain still shows it was made."""
    _lock(session, round_)
    _check_changeable(session, round_)
    if departure.round_id != round_.id:
        raise DecisionError("This departure is not for this round")
    bid_id = departure.bid_id
    facts = {
        "round_id": round_.id,
        "bid_id": bid_id,
        "departure_id": departure.id,
        "reason_sha256": text_sha256(departure.reason),
    }
    session.delete(departure)
    session.flush()
    record_event(
        session,
        "decision.departure_withdrawn",
        actor_id=actor.id,
        actor_role=STAFF,
        object_type="bid",
        object_id=bid_id,
        facts=facts,
    )


# --- ratification -------------------------------------------------------------------------------------------------


def ratify(session: DbSession, *, round_: Round, actor: User, note: str = "") -> Ratification:
    """Ratify the round's result: the panel's tally, re-run without any departed bids. Records both runs, moves the
    round to decided and logs it."""
    _lock(session, round_)
    _check_changeable(session, round_)
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise DecisionError(NOTE_TOO_LONG, "note")
    if round_.status not in (RoundStatus.VOTING, RoundStatus.DECIDED):
        raise DecisionError(
            f"This round is {round_.status.label.lower()}: a result is ratified when the round moves from voting "
            "to decided"
        )

    panel = compute_panel(session, round_)
    departed = departed_bid_ids(session, round_)
    stale = [bid_id for bid_id in departed if bid_id not in panel.funded_ids]
    if stale:
        refs = references(session, round_)
        raise DecisionError(
            f"The panel's result no longer funds {', '.join(refs.get(b, str(b)) for b in stale)}. Take back that "
            "departure before you ratify"
        )
    ratified = compute_ratified(session, round_, panel)

    panel_run = _record_panel(session, round_=round_, actor=actor, computed=panel)
    ratified_run = _record_run(session, round_=round_, actor=actor, kind=RATIFIED, computed=ratified)
    ratification = Ratification(
        round_id=round_.id,
        panel_run_id=panel_run.id,
        ratified_run_id=ratified_run.id,
        note=note,
        ratified_by_id=actor.id,
    )
    session.add(ratification)
    session.flush()
    if round_.status == RoundStatus.VOTING:
        try:
            change_status(session, round=round_, to=RoundStatus.DECIDED, actor=actor, expected_from=RoundStatus.VOTING)
        except StateTransitionError as exc:
            raise DecisionError(exc.message) from exc
    facts: dict[str, Any] = {
        "round_id": round_.id,
        "ratification_id": ratification.id,
        "panel_run_id": panel_run.id,
        "ratified_run_id": ratified_run.id,
        "panel_digest": panel_run.digest,
        "ratified_digest": ratified_run.digest,
        "departures": departed,
        "funded_ids": list(ratified.funded_ids),
    }
    if note:
        facts["note_sha256"] = text_sha256(note)
    record_event(
        session,
        "decision.ratified",
        actor_id=actor.id,
        actor_role=STAFF,
        object_type="round",
        object_id=round_.id,
        facts=facts,
    )
    return ratification


def undo_ratification(session: DbSession, *, round_: Round, actor: User, reason: str) -> Ratification:
    """Reopen the vote: end the current ratification (kept, marked undone) and move the round back to voting,
    with a reason that is logged. A round already moved back to voting on the round's page just has its
    ratification ended."""
    _lock(session, round_)
    reason = (reason or "").strip()
    ratification = current_ratification(session, round_.id)
    if ratification is None:
        raise DecisionError(NOT_RATIFIED)
    if not reason:
        raise DecisionError(REOPEN_REASON_REQUIRED, "reopen_reason")
    if len(reason) > MAX_REOPEN_REASON_LENGTH:
        raise DecisionError(REOPEN_REASON_TOO_LONG, "reopen_reason")
    if round_.status == RoundStatus.DECIDED:
        try:
            # Moving decided -> voting ends the ratification (and logs it) in the rounds service.
            change_status(
                session, round=round_, to=RoundStatus.VOTING, actor=actor, reason=reason, expected_from=round_.status
            )
        except StateTransitionError as exc:
            raise DecisionError(exc.message, "reopen_reason" if exc.field == "reason" else None) from exc
    elif round_.status == RoundStatus.VOTING:
        end_ratification(session, round=round_, actor=actor, reason=reason)
    else:
        raise DecisionError(
            f"This round is {round_.status.label.lower()}. Move it back to decided on the round's page first"
        )
    return ratification
