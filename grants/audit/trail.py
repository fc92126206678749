"""Reading the audit chain for auditors: a round's events, a bid's decision trail, and the round's audit summary.

Every read here is a fixed number of queries, whatever the size of the round: the round's events come in one query
and a bid's trail is picked out of them in Python.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants.audit.chain import ChainReport, record_event, verify_chain
from grants.audit.events import action_words
from grants.database import DbSession
from grants.models import (
    AuditEvent,
    Award,
    Bid,
    BidStatus,
    Criterion,
    DeliberationNote,
    Departure,
    Ratification,
    Report,
    Round,
    TallyRun,
    User,
)
from grants.money import format_pounds

# Events about the whole round's decision that belong in every bid's trail.
ROUND_DECISION_ACTIONS = frozenset({"tally.recorded", "decision.ratified", "decision.undone"})
PANELLIST = "panellist"


def round_events(session: DbSession, round_: Round) -> list[AuditEvent]:
    """Every event about the round or anything in it, in chain order (one query)."""
    bid_ids = sa.select(Bid.id).where(Bid.round_id == round_.id).scalar_subquery()
    award_ids = sa.select(Award.id).where(Award.round_id == round_.id).scalar_subquery()
    report_ids = sa.select(Report.id).join(Award, Award.id == Report.award_id).where(Award.round_id == round_.id)
    facts = AuditEvent.facts
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .where(
                AuditEvent.chain == round_.funder_id,
                sa.or_(
                    sa.and_(AuditEvent.object_type == "round", AuditEvent.object_id == round_.id),
                    sa.and_(AuditEvent.object_type == "bid", AuditEvent.object_id.in_(bid_ids)),
                    sa.and_(AuditEvent.object_type == "award", AuditEvent.object_id.in_(award_ids)),
                    sa.and_(AuditEvent.object_type == "report", AuditEvent.object_id.in_(report_ids.scalar_subquery())),
                    facts["round_id"].as_integer() == round_.id,
                ),
            )
            .order_by(AuditEvent.seq)
        )
    )


def _ints(value: Any) -> set[int]:
    if isinstance(value, list):
        return {v for v in value if isinstance(v, int) and not isinstance(v, bool)}
    return set()


def concerns_bid(event: AuditEvent, bid_id: int, award_ids: set[int], report_ids: set[int]) -> bool:
    """Whether an event of the bid's round is about the bid: directly, by its facts, or through its award."""
    facts = event.facts or {}
    if event.object_type == "bid" and event.object_id == bid_id:
        return True
    if event.object_type == "award" and event.object_id in award_ids:
        return True
    if event.object_type == "report" and event.object_id in report_ids:
        return True
    if facts.get("bid_id") == bid_id or facts.get("award_id") in award_ids or facts.get("report_id") in report_ids:
        return True
    if event.action in ROUND_DECISION_ACTIONS:
        return True
    return any(bid_id in _ints(facts.get(key)) for key in ("bids", "funded_ids", "departures"))


@dataclass(frozen=True)
class TrailRow:
    """One line of a decision trail, ready for a page."""

    seq: int
    occurred_at: datetime
    actor: str
    role: str
    action: str
    details: str
    event: AuditEvent


def _departure_details(facts: dict[str, Any], reasons: dict[int, str]) -> str:
    reason = reasons.get(int(facts.get("departure_id") or 0))
    if reason is None:
        return "the departure has since been withdrawn"
    logged = facts.get("reason_sha256")
    same = logged == hashlib.sha256(reason.encode("utf-8")).hexdigest()
    return f"reason: {reason}" + ("" if same else " (differs from the reason logged when it was made)")


def _details(event: AuditEvent, bid_id: int | None, criteria: dict[int, str], reasons: dict[int, str]) -> str:
    facts = event.facts or {}
    action = event.action
    if action == "decision.departed":
        return _departure_details(facts, reasons)
    if action in ("score.given", "score.changed"):
        name = criteria.get(int(facts.get("criterion_id") or 0), f"criterion {facts.get('criterion_id')}")
        return f"{name}: {facts.get('value')}"
    if action.startswith("conflict."):
        kind = str(facts.get("kind", ""))
        words = "no conflict" if kind == "none" else f"{kind} conflict: recused from this bid"
        return words + (" (recorded by the system)" if facts.get("by_system") else "")
    if action.startswith("ballot."):
        chosen = list(facts.get("bids") or [])
        position = chosen.index(bid_id) + 1 if bid_id in chosen else None
        where = f"included this bid (position {position} of {len(chosen)})" if position else "did not include this bid"
        return f"ballot {facts.get('ballot_id')} by panellist {facts.get('panellist_id')}: {where}"
    if action in ("tally.recorded", "decision.ratified"):
        funded = _ints(facts.get("funded_ids"))
        parts = []
        if bid_id is not None:
            parts.append("this bid funded" if bid_id in funded else "this bid not funded")
        digest = facts.get("digest") or facts.get("ratified_digest")
        if facts.get("kind"):
            parts.append(f"{facts['kind']} run")
        if digest:
            parts.append(f"digest {str(digest)[:12]}…")
        return "; ".join(parts)
    if action == "bid.screened":
        return f"marked {facts.get('outcome')} (was {facts.get('previous')})"
    if action == "round.status_changed":
        text = f"from {facts.get('from')} to {facts.get('to')}"
        return text + (f"; reason: {facts['reason']}" if facts.get("reason") else "")
    if "amount_pence" in facts and isinstance(facts["amount_pence"], int):
        return format_pounds(facts["amount_pence"]) + (
            f" (paid so far {format_pounds(facts['paid_pence'])})" if isinstance(facts.get("paid_pence"), int) else ""
        )
    shown = {
        k: v for k, v in facts.items() if k not in ("round_id", "bid_id", "group_id") and not k.endswith("_sha256")
    }
    return ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in sorted(shown.items()))


def trail_rows(
    session: DbSession,
    events: Iterable[AuditEvent],
    *,
    round_: Round,
    bid_id: int | None,
    name_panellists: bool,
    departure_reasons: dict[int, str] | None = None,
) -> list[TrailRow]:
    """Events as trail rows: who (panellists named only when `name_panellists`), what in plain words, key facts."""
    events = list(events)
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    names = {row.id: row.name for row in session.execute(sa.select(User.id, User.name).where(User.id.in_(actor_ids)))}
    criteria = {
        row.id: row.name
        for row in session.execute(sa.select(Criterion.id, Criterion.name).where(Criterion.round_id == round_.id))
    }
    rows = []
    for event in events:
        role = event.actor_role or ("system" if event.actor_id is None else "")
        if event.actor_id is None:
            actor = "The system"
        elif role == PANELLIST and not name_panellists:
            actor = "A panellist"
        else:
            actor = names.get(event.actor_id, f"person {event.actor_id}")
        rows.append(
            TrailRow(
                seq=event.seq,
                occurred_at=event.occurred_at,
                actor=actor,
                role=role,
                action=action_words(event.action),
                details=_details(event, bid_id, criteria, departure_reasons or {}),
                event=event,
            )
        )
    return rows


def bid_trail(session: DbSession, bid: Bid, *, name_panellists: bool) -> list[TrailRow]:
    """Every audit event about the bid, in chain order: its own, its scores, conflicts, ballots, the tally,
    departures, ratification, offer, payments and reports."""
    award_ids = set(session.scalars(sa.select(Award.id).where(Award.bid_id == bid.id)))
    report_ids = (
        set(session.scalars(sa.select(Report.id).where(Report.award_id.in_(award_ids)))) if award_ids else set()
    )
    reasons = {d.id: d.reason for d in session.scalars(sa.select(Departure).where(Departure.bid_id == bid.id))}
    events = [e for e in round_events(session, bid.round) if concerns_bid(e, bid.id, award_ids, report_ids)]
    return trail_rows(
        session, events, round_=bid.round, bid_id=bid.id, name_panellists=name_panellists, departure_reasons=reasons
    )


# --- the round's audit summary ---------------------------------------------------------------------------------


def inputs_summary(inputs: dict[str, Any]) -> dict[str, int]:
    """How many of each kind of input a stored tally run holds."""
    ballots = list(inputs.get("ballots", []))
    return {
        "bids": len(inputs.get("bids", [])),
        "scores": len(inputs.get("scores", [])),
        "recusals": len(inputs.get("recusals", [])),
        "ballots": len(ballots),
    }


@dataclass
class RoundAudit:
    """What an auditor sees of a round: the decision in force, its runs, the chain, notes and bids."""

    round: Round
    ratification: Ratification | None
    runs: list[TallyRun]
    chain: ChainReport
    notes: list[DeliberationNote]
    bids: list[Bid]
    references: dict[int, str] = field(default_factory=dict)


def round_audit(session: DbSession, round_: Round) -> RoundAudit:
    """Load the round's audit summary in a fixed number of queries (the chain check walks the funder's whole chain)."""
    ratification = session.scalar(
        sa.select(Ratification)
        .where(Ratification.round_id == round_.id, Ratification.undone_at.is_(None))
        .options(selectinload(Ratification.panel_run), selectinload(Ratification.ratified_run))
    )
    runs = [ratification.panel_run, ratification.ratified_run] if ratification else []
    notes = list(
        session.scalars(
            sa.select(DeliberationNote)
            .where(DeliberationNote.round_id == round_.id)
            .options(selectinload(DeliberationNote.author))
            .order_by(DeliberationNote.created_at, DeliberationNote.id)
        )
    )
    bids = list(
        session.scalars(
            sa.select(Bid)
            .where(Bid.round_id == round_.id, Bid.status != BidStatus.DRAFT)  # a draft is still the group's own
            .options(selectinload(Bid.group))
            .order_by(Bid.number)
        )
    )
    return RoundAudit(
        round=round_,
        ratification=ratification,
        runs=runs,
        chain=verify_chain(session, round_.funder_id),
        notes=notes,
        bids=bids,
        references={b.id: b.reference for b in bids},
    )


@dataclass(frozen=True)
class RerunResult:
    """The outcome of re-running a round's tally from its recorded inputs."""

    matched: bool
    problems: list[str]
    panel_digest: str
    ratified_digest: str


def rerun_tally(session: DbSession, *, round_: Round, actor: User, role: str) -> RerunResult:
    """Recompute the ratified tally from the recorded inputs (and the database now) and compare; changes nothing
    but logs that the auditor checked ("audit.tally_rerun"). The caller commits."""
    # The decisions area imports the rounds services, which import this package: import at call time.
    from grants.decisions.verify import verify_round

    report = verify_round(session, round_)
    record_event(
        session,
        "audit.tally_rerun",
        by=actor,
        role=role,
        about=round_,
        facts={"round_id": round_.id, "matched": report.ok, "differences": len(report.problems)},
    )
    return RerunResult(report.ok, list(report.problems), report.panel_digest, report.ratified_digest)
