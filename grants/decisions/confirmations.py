"""Two people for the decisions that move money: ratifying a round's result, each departure from it, and reopening
a decided round.

Where the funder asks for two people (`Funder.two_person_decisions`, on by default), the first member of staff
proposes the decision (checked by the same rules as the decision itself, recorded and logged) and a different one
confirms it, which takes it (logged too). The proposer cannot confirm their own proposal (a database check says so
too); whoever is conflicted on a bid the decision decides can do neither
(`grants.auth.permissions.duties.conflicted_in_decision`). A proposal can be withdrawn, until it is confirmed, by
anyone of the funder's staff who may take part in the decision. Where the funder lets one person decide, `decide`
takes the decision at once.

The caller commits; every step writes its audit event in the same transaction, holding ids and hashes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from grants.audit.chain import record_event
from grants.auth.permissions.duties import conflicted_in_decision
from grants.database import DbSession
from grants.decisions import services
from grants.decisions.tallies import STAFF
from grants.domain import DomainError
from grants.models import DecisionProposal, ProposalKind, Round, User

PROPOSAL = "decision_proposal"  # the kind of object the proposal's audit events are about
# The form field each kind of decision's messages go by, on the tally page.
FIELDS = {ProposalKind.RATIFY: "note", ProposalKind.DEPART: "bid", ProposalKind.REOPEN: "reopen_reason"}

CONFLICTED = "You have a conflict with a bid this decision decides, so a colleague must take it"
OWN_PROPOSAL = "You proposed this, so a colleague must confirm it: two people take each decision that moves money"
NOT_PENDING = "This proposal has already been confirmed or withdrawn. Reload the page to see where things stand"
ALREADY_PROPOSED = "{who} has already proposed this. A colleague can confirm it below, or withdraw it"


@dataclass(frozen=True)
class Asked:
    """A decision staff ask for: its kind, its note or reason, and the bid (for a departure)."""

    kind: ProposalKind
    text: str = ""
    bid_id: int | None = None


@dataclass(frozen=True)
class Decided:
    """What asking for a decision did: `proposal` when it waits for a colleague, else the decision `taken`."""

    proposal: DecisionProposal | None
    taken: Any = None


def pending_proposals(session: DbSession, round_id: int) -> list[DecisionProposal]:
    """The round's proposals waiting for a second member of staff, oldest first."""
    return list(
        session.scalars(
            sa.select(DecisionProposal)
            .where(
                DecisionProposal.round_id == round_id,
                DecisionProposal.confirmed_at.is_(None),
                DecisionProposal.withdrawn_at.is_(None),
            )
            .order_by(DecisionProposal.id)
        )
    )


@dataclass(frozen=True)
class Waiting:
    """A proposal waiting for a second member of staff, with the round it is in, for the staff home page."""

    proposal: DecisionProposal
    round: Round


def waiting_in_funder(session: DbSession, funder_id: int) -> list[Waiting]:
    """Every proposal of the funder's rounds waiting for a second member of staff, oldest first."""
    rows = session.execute(
        sa.select(DecisionProposal, Round)
        .join(Round, Round.id == DecisionProposal.round_id)
        .where(
            Round.funder_id == funder_id,
            DecisionProposal.confirmed_at.is_(None),
            DecisionProposal.withdrawn_at.is_(None),
        )
        .options(joinedload(DecisionProposal.proposed_by))
        .order_by(DecisionProposal.id)
    )
    return [Waiting(proposal, round_) for proposal, round_ in rows]


def proposal_in_round(session: DbSession, round_id: int, proposal_id: int) -> DecisionProposal | None:
    return session.scalar(
        sa.select(DecisionProposal).where(DecisionProposal.id == proposal_id, DecisionProposal.round_id == round_id)
    )


def _round_of(session: DbSession, proposal: DecisionProposal) -> Round:
    round_ = session.get(Round, proposal.round_id)
    if round_ is None:  # the foreign key makes this impossible
        raise DomainError(NOT_PENDING)
    return round_


def _lock(session: DbSession, round_: Round, *, actor: User, field: str) -> None:
    """Lock the round (two staff at once: the second sees the first's step) and refuse a conflicted member of staff
    (the pages refuse first, with who else can: `grants.auth.permissions.duties`)."""
    session.refresh(round_, with_for_update=True)
    if conflicted_in_decision(actor, round_):
        raise DomainError(CONFLICTED, field)


def _take(
    session: DbSession, asked: Asked, *, round_: Round, actor: User, now: datetime, proposal: DecisionProposal | None
) -> Any:
    """Take the decision itself (the decisions services check its rules, and the second person, again)."""
    common: dict[str, Any] = {"round_": round_, "actor": actor, "now": now, "proposal": proposal}
    if asked.kind == ProposalKind.RATIFY:
        return services.ratify(session, note=asked.text, **common)
    if asked.kind == ProposalKind.DEPART:
        return services.depart(session, bid_id=asked.bid_id, reason=asked.text, **common)
    return services.undo_ratification(session, reason=asked.text, **common)


def _checked(session: DbSession, asked: Asked, *, round_: Round, now: datetime) -> tuple[int | None, str, str]:
    """The decision's own rules, as at `now`: (bid, tidied text, the ratified result's digest for a ratification)."""
    if asked.kind == ProposalKind.RATIFY:
        found = services.check_ratification(session, round_=round_, note=asked.text, now=now)
        return None, found.note, found.ratified.result.digest
    if asked.kind == ProposalKind.DEPART:
        bid, reason = services.check_departure(session, round_=round_, bid_id=asked.bid_id, reason=asked.text, now=now)
        return bid, reason, ""
    _, reason = services.check_reopening(session, round_=round_, reason=asked.text)
    return None, reason, ""


def propose(session: DbSession, *, round_: Round, asked: Asked, actor: User, now: datetime) -> DecisionProposal:
    """Propose a decision for a colleague to confirm, after checking it as the decision itself would be."""
    kind = asked.kind
    _lock(session, round_, actor=actor, field=FIELDS[kind])
    bid, text, digest = _checked(session, asked, round_=round_, now=now)
    for waiting in pending_proposals(session, round_.id):
        if waiting.kind == kind and waiting.bid_id == bid:
            raise DomainError(ALREADY_PROPOSED.format(who=waiting.proposed_by.name), FIELDS[kind])
    proposal = DecisionProposal(
        round_id=round_.id, kind=kind, bid_id=bid, text=text, digest=digest, proposed_by_id=actor.id
    )
    session.add(proposal)
    session.flush()
    _log(session, "decision.proposed", proposal, actor=actor, text_sha256=services.text_sha256(text))
    return proposal


def confirm(session: DbSession, *, proposal: DecisionProposal, actor: User, now: datetime) -> Any:
    """A second member of staff confirms a colleague's proposal, which takes the decision (checked again, now)."""
    round_ = _round_of(session, proposal)
    _lock(session, round_, actor=actor, field=FIELDS[proposal.kind])
    session.refresh(proposal)
    if not proposal.pending:
        raise DomainError(NOT_PENDING, FIELDS[proposal.kind])
    if proposal.proposed_by_id == actor.id:
        raise DomainError(OWN_PROPOSAL, FIELDS[proposal.kind])
    proposal.confirmed_by_id, proposal.confirmed_at = actor.id, now
    session.flush()
    _log(session, "decision.confirmed", proposal, actor=actor)
    asked = Asked(proposal.kind, proposal.text, proposal.bid_id)
    return _take(session, asked, round_=round_, actor=actor, now=now, proposal=proposal)


def withdraw(session: DbSession, *, proposal: DecisionProposal, actor: User, now: datetime) -> None:
    """Withdraw a proposal nobody has confirmed (the proposer changed their mind, or a colleague will not confirm)."""
    _lock(session, _round_of(session, proposal), actor=actor, field=FIELDS[proposal.kind])
    session.refresh(proposal)
    if not proposal.pending:
        raise DomainError(NOT_PENDING)
    proposal.withdrawn_by_id, proposal.withdrawn_at = actor.id, now
    session.flush()
    _log(session, "decision.proposal_withdrawn", proposal, actor=actor)


def decide(session: DbSession, *, round_: Round, asked: Asked, actor: User, now: datetime) -> Decided:
    """What the tally page's buttons do: propose the decision where the funder asks for two people, else take it."""
    if round_.funder.two_person_decisions:
        return Decided(propose(session, round_=round_, asked=asked, actor=actor, now=now))
    _lock(session, round_, actor=actor, field=FIELDS[asked.kind])
    return Decided(None, _take(session, asked, round_=round_, actor=actor, now=now, proposal=None))


def _log(session: DbSession, action: str, proposal: DecisionProposal, *, actor: User, **extra: str) -> None:
    facts: dict[str, Any] = {"round_id": proposal.round_id, "proposal_id": proposal.id, "kind": proposal.kind.value}
    facts |= {"bid_id": proposal.bid_id, "proposed_by_id": proposal.proposed_by_id, "digest": proposal.digest}
    facts |= extra
    by, about = actor.id, proposal.id
    record_event(session, action, by=by, role=STAFF, about=about, facts=facts)
