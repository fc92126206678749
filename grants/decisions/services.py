"""Departures from the panel's result, ratification by staff, and undoing a ratification.

The rules, with no Flask routing (when a tally may be taken, computing it and recording runs are in
`grants.decisions.tallies`). The caller commits. Every change writes an audit event in the same transaction,
holding ids, digests and hashes only: reasons and notes stay on their rows, and the event holds the SHA-256 of
the text, so a later edit of a stored reason is detectable.

A refusal names the field of the form it belongs by: one about the round as a whole goes by the form's main
field (the note when ratifying, the bid when departing, the reason when reopening), where the page has always
shown it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from grants.audit.chain import MAX_FACT_STRING, record_event
from grants.database import DbSession
from grants.decisions.queries import current_ratification
from grants.decisions.results import references
from grants.decisions.tallies import (
    RATIFIED,
    STAFF,
    Computed,
    check_ready,
    compute_panel,
    compute_ratified,
    departed_bid_ids,
    record_panel,
    record_run,
)
from grants.domain import DomainError
from grants.models import DecisionProposal, Departure, ProposalKind, Ratification, Round, RoundStatus, User
from grants.rounds.services import StateTransitionError, change_status, end_ratification

MAX_NOTE_LENGTH = 2000
MAX_REASON_LENGTH = 2000
MAX_REOPEN_REASON_LENGTH = MAX_FACT_STRING

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
SECOND_PERSON_NEEDED = "This funder asks for two people: a colleague must confirm this decision before it is taken"
RESULT_CHANGED = (
    "The result has changed since this ratification was proposed (a departure was made or taken back)."
    " Withdraw the proposal and propose again"
)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- departures ---------------------------------------------------------------------------------------------------


def _lock(session: DbSession, round_: Round) -> None:
    # Two staff at once: the second reads the round (and whether it is ratified) only after the first commits.
    session.refresh(round_, with_for_update=True)


def _check_changeable(session: DbSession, round_: Round, *, now: datetime, field: str | None) -> None:
    check_ready(round_, now=now, field=field)
    if current_ratification(session, round_.id) is not None:
        raise DomainError(ALREADY_RATIFIED, field)


def _second_person(round_: Round, proposal: DecisionProposal | None, kind: ProposalKind, field: str) -> None:
    """Where the funder asks for two people, the decision is taken only on confirming a colleague's proposal
    (`grants.decisions.confirmations.confirm`, which passes it here)."""
    if round_.funder.two_person_decisions and (proposal is None or proposal.kind != kind):
        raise DomainError(SECOND_PERSON_NEEDED, field)


def _confirmation_facts(proposal: DecisionProposal | None) -> dict[str, Any]:
    if proposal is None:
        return {}
    return {"proposal_id": proposal.id, "proposed_by_id": proposal.proposed_by_id}


def check_departure(
    session: DbSession, *, round_: Round, bid_id: int | None, reason: str, now: datetime
) -> tuple[int, str]:
    """Refuse a departure the rules do not allow at `now`; the bid and the tidied reason, if they do."""
    _check_changeable(session, round_, now=now, field="bid")
    reason = (reason or "").strip()
    if bid_id is None:
        raise DomainError(BID_REQUIRED, "bid")
    if not reason:
        raise DomainError(REASON_REQUIRED, "reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(REASON_TOO_LONG, "reason")
    if bid_id in departed_bid_ids(session, round_):
        raise DomainError(ALREADY_DEPARTED, "bid")
    panel = compute_panel(session, round_)
    if bid_id not in panel.funded_ids:
        raise DomainError(BID_NOT_FUNDED, "bid")
    return bid_id, reason


def depart(
    session: DbSession,
    *,
    round_: Round,
    bid_id: int | None,
    actor: User,
    reason: str,
    now: datetime,
    proposal: DecisionProposal | None = None,
) -> Departure:
    """Depart from the panel's result for one bid it funded, with a written reason; it takes effect on ratifying.
    `actor` takes the decision: the confirmer of `proposal` where the funder asks for two people."""
    _lock(session, round_)
    _second_person(round_, proposal, ProposalKind.DEPART, "bid")
    bid_id, reason = check_departure(session, round_=round_, bid_id=bid_id, reason=reason, now=now)
    author = proposal.proposed_by_id if proposal is not None else actor.id
    departure = Departure(round_id=round_.id, bid_id=bid_id, reason=reason, created_by_id=author)
    session.add(departure)
    session.flush()
    record_event(
        session,
        "decision.departed",
        by=actor,
        role=STAFF,
        about=bid_id,
        facts={
            "round_id": round_.id,
            "bid_id": bid_id,
            "departure_id": departure.id,
            "reason_sha256": text_sha256(reason),
            **_confirmation_facts(proposal),
        },
    )
    return departure


def withdraw_departure(session: DbSession, *, round_: Round, departure: Departure, actor: User, now: datetime) -> None:
    """Take back a departure before the result is ratified (it has not taken effect); logged with its reason's
    hash, so the chain still shows it was made."""
    _lock(session, round_)
    _check_changeable(session, round_, now=now, field=None)
    if departure.round_id != round_.id:
        raise DomainError("This departure is not for this round")
    bid_id = departure.bid_id
    facts = {
        "round_id": round_.id,
        "bid_id": bid_id,
        "departure_id": departure.id,
        "reason_sha256": text_sha256(departure.reason),
    }
    session.delete(departure)
    session.flush()
    record_event(session, "decision.departure_withdrawn", by=actor, role=STAFF, about=bid_id, facts=facts)


# --- ratification -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToRatify:
    """What ratifying at this moment would record: the note, the panel's result and the resulting one."""

    note: str
    panel: Computed
    ratified: Computed
    departed: list[int]


def check_ratification(session: DbSession, *, round_: Round, note: str, now: datetime) -> ToRatify:
    """Refuse a ratification the rules do not allow at `now`; what it would record, if they do."""
    _check_changeable(session, round_, now=now, field="note")
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise DomainError(NOTE_TOO_LONG, "note")
    if round_.status not in (RoundStatus.VOTING, RoundStatus.DECIDED):
        raise DomainError(
            f"This round is {round_.status.label.lower()}: a result is ratified when the round moves from voting "
            "to decided",
            "note",
        )
    panel = compute_panel(session, round_)
    departed = departed_bid_ids(session, round_)
    stale = [bid_id for bid_id in departed if bid_id not in panel.funded_ids]
    if stale:
        refs = references(session, round_)
        raise DomainError(
            f"The panel's result no longer funds {', '.join(refs.get(b, str(b)) for b in stale)}. Take back that "
            "departure before you ratify",
            "note",
        )
    return ToRatify(note, panel, compute_ratified(session, round_, panel), departed)


def ratify(
    session: DbSession,
    *,
    round_: Round,
    actor: User,
    note: str = "",
    now: datetime,
    proposal: DecisionProposal | None = None,
) -> Ratification:
    """Ratify the round's result: the panel's tally, re-run without any departed bids. Records both runs, moves the
    round to decided and logs it. `actor` takes the decision: the confirmer of `proposal` where the funder asks
    for two people, and the result must then be the one proposed."""
    _lock(session, round_)
    _second_person(round_, proposal, ProposalKind.RATIFY, "note")
    found = check_ratification(session, round_=round_, note=note, now=now)
    note, panel, ratified, departed = found.note, found.panel, found.ratified, found.departed
    if proposal is not None and proposal.digest != ratified.result.digest:
        raise DomainError(RESULT_CHANGED, "note")

    panel_run = record_panel(session, round_=round_, actor=actor, computed=panel)
    ratified_run = record_run(session, round_=round_, actor=actor, kind=RATIFIED, computed=ratified)
    ratification = Ratification(
        round_id=round_.id,
        panel_run_id=panel_run.id,
        ratified_run_id=ratified_run.id,
        note=note,
        ratified_by_id=proposal.proposed_by_id if proposal is not None else actor.id,
    )
    session.add(ratification)
    session.flush()
    if round_.status == RoundStatus.VOTING:
        try:
            change_status(
                session, round=round_, to=RoundStatus.DECIDED, actor=actor, expected_from=RoundStatus.VOTING, now=now
            )
        except StateTransitionError as exc:
            raise DomainError(exc.message, "note") from exc
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
    facts.update(_confirmation_facts(proposal))
    record_event(session, "decision.ratified", by=actor, role=STAFF, about=round_, facts=facts)
    return ratification


def check_reopening(session: DbSession, *, round_: Round, reason: str) -> tuple[Ratification, str]:
    """Refuse a reopening the rules do not allow; the ratification it ends and the tidied reason, if they do."""
    reason = (reason or "").strip()
    ratification = current_ratification(session, round_.id)
    if ratification is None:
        raise DomainError(NOT_RATIFIED, "reopen_reason")
    if not reason:
        raise DomainError(REOPEN_REASON_REQUIRED, "reopen_reason")
    if len(reason) > MAX_REOPEN_REASON_LENGTH:
        raise DomainError(REOPEN_REASON_TOO_LONG, "reopen_reason")
    if round_.status not in (RoundStatus.DECIDED, RoundStatus.VOTING):
        raise DomainError(
            f"This round is {round_.status.label.lower()}. Move it back to decided on the round's page first",
            "reopen_reason",
        )
    return ratification, reason


def undo_ratification(
    session: DbSession,
    *,
    round_: Round,
    actor: User,
    reason: str,
    now: datetime,
    proposal: DecisionProposal | None = None,
) -> Ratification:
    """Reopen the vote: end the current ratification (kept, marked undone) and move the round back to voting,
    with a reason that is logged. A round already moved back to voting on the round's page just has its
    ratification ended. `actor` takes the decision: the confirmer of `proposal` where the funder asks for two."""
    _lock(session, round_)
    _second_person(round_, proposal, ProposalKind.REOPEN, "reopen_reason")
    ratification, reason = check_reopening(session, round_=round_, reason=reason)
    if round_.status == RoundStatus.DECIDED:
        try:
            # Moving decided -> voting ends the ratification (and logs it) in the rounds service.
            change_status(
                session,
                round=round_,
                to=RoundStatus.VOTING,
                actor=actor,
                reason=reason,
                expected_from=round_.status,
                now=now,
                confirmed=proposal is not None,
            )
        except StateTransitionError as exc:
            # The rounds service names its own form's field; on the tally page the reason is "reopen_reason".
            raise DomainError(exc.message, "reopen_reason") from exc
    else:
        end_ratification(session, round=round_, actor=actor, reason=reason, now=now)
    return ratification
