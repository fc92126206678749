"""Reading the audit chain for auditors: a round's events, a bid's decision trail, and the round's audit summary.

Every read here is a fixed number of queries, whatever the size of the round, and none reads more of the chain
than it shows: a round's events and a bid's trail are found through the trail index (grants.audit.index), a
bid's trail a page at a time, and the chain's integrity is what was verified before plus the events since
(grants.audit.verification), never a walk of the whole chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants.audit.chain import record_event
from grants.audit.events import action_words
from grants.audit.verification import ChainStatus, chain_status
from grants.audit.walk import Row, plain_row_pages
from grants.database import DbSession, is_postgresql
from grants.models import (
    AuditEvent,
    Bid,
    BidEventLink,
    BidStatus,
    Criterion,
    DeliberationNote,
    Departure,
    Ratification,
    Round,
    RoundEventLink,
    TallyRun,
    User,
)
from grants.money import format_pounds

PANELLIST = "panellist"
TRAIL_PAGE_SIZE = 100  # events on one page of a bid's trail
BIDS_PAGE_SIZE = 200  # bids on one page of a round's audit
EXPORT_BATCH = 5_000  # events read per query by the exports


def _int_list(value: Any) -> set[int]:
    if isinstance(value, list):
        return {v for v in value if isinstance(v, int) and not isinstance(v, bool)}
    return set()


def round_event_pages(
    session: DbSession, round_id: int, chain: int, *, upto: int, batch: int = EXPORT_BATCH
) -> Iterator[list[Row]]:
    """Every event about the round or anything in it, up to event `upto` of its funder's chain, in chain order,
    as plain rows (grants.audit.chain.ROW_COLUMNS, prev_hash, hash), a page at a time by the trail index."""
    return plain_row_pages(session, chain, round_id=round_id, upto=upto, batch=batch)


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
        funded = _int_list(facts.get("funded_ids"))
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


@dataclass(frozen=True)
class TrailPage:
    """One page of a bid's decision trail: its rows, and where the page is in the whole trail."""

    rows: list[TrailRow]
    total: int  # events in the whole trail
    page: int
    pages: int
    per_page: int

    @property
    def first(self) -> int:
        """The position in the trail of the page's first row (from 1)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def _trail_links(bid: Bid) -> sa.Subquery:
    """The (chain, seq) of every event in the bid's trail: its own, and its round's whole-decision events."""
    return sa.union(
        sa.select(BidEventLink.chain, BidEventLink.seq).where(BidEventLink.bid_id == bid.id),
        sa.select(RoundEventLink.chain, RoundEventLink.seq).where(
            RoundEventLink.round_id == bid.round_id, RoundEventLink.every_bid == sa.true()
        ),
    ).subquery()


def bid_trail(
    session: DbSession, bid: Bid, *, name_panellists: bool, page: int = 1, per_page: int | None = None
) -> TrailPage:
    """One page (of TRAIL_PAGE_SIZE) of every audit event about the bid, in chain order: its own, its scores,
    conflicts, ballots, the tally, departures, ratification, offer, payments and reports. A page past the end is
    the last page."""
    per_page = per_page or TRAIL_PAGE_SIZE
    links = _trail_links(bid)
    chain = bid.round.funder_id
    total = session.scalar(sa.select(sa.func.count()).select_from(links).where(links.c.chain == chain)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    events = list(
        session.scalars(
            sa.select(AuditEvent)
            .join(links, sa.and_(AuditEvent.chain == links.c.chain, AuditEvent.seq == links.c.seq))
            .where(AuditEvent.chain == chain)
            .order_by(AuditEvent.seq)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    departure_ids = {
        int(e.facts["departure_id"])
        for e in events
        if e.action == "decision.departed" and isinstance((e.facts or {}).get("departure_id"), int)
    }
    reasons = (
        {d.id: d.reason for d in session.scalars(sa.select(Departure).where(Departure.id.in_(departure_ids)))}
        if departure_ids
        else {}
    )
    rows = trail_rows(
        session, events, round_=bid.round, bid_id=bid.id, name_panellists=name_panellists, departure_reasons=reasons
    )
    return TrailPage(rows, total, page, pages, per_page)


# --- the round's audit summary ---------------------------------------------------------------------------------

INPUT_KINDS = ("bids", "scores", "recusals", "ballots")


def inputs_summary(inputs: dict[str, Any]) -> dict[str, int]:
    """How many of each kind of input a stored tally run holds."""
    return {kind: len(list(inputs.get(kind, []))) for kind in INPUT_KINDS}


def input_counts(session: DbSession, run_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """How many of each kind of input each stored tally run holds, counted by the database: the inputs (megabytes
    for a large round) never come into Python."""
    ids = list(run_ids)
    if not ids:
        return {}
    inputs = TallyRun.__table__.c.inputs
    if is_postgresql(session):
        counts = [sa.func.coalesce(sa.func.json_array_length(inputs[kind]), 0) for kind in INPUT_KINDS]
    else:
        counts = [sa.func.coalesce(sa.func.json_array_length(inputs, f"$.{kind}"), 0) for kind in INPUT_KINDS]
    rows = session.execute(sa.select(TallyRun.id, *counts).where(TallyRun.id.in_(ids))).all()
    return {row[0]: dict(zip(INPUT_KINDS, row[1:], strict=True)) for row in rows}


@dataclass
class RoundAudit:
    """What an auditor sees of a round: the decision in force, its runs, the chain, notes and a page of its bids."""

    round: Round
    ratification: Ratification | None
    runs: list[TallyRun]
    chain: ChainStatus
    notes: list[DeliberationNote]
    bids: list[Bid]
    references: dict[int, str] = field(default_factory=dict)
    counts: dict[int, dict[str, int]] = field(default_factory=dict)  # each run's inputs, by kind
    bid_count: int = 0
    page: int = 1
    pages: int = 1
    per_page: int = BIDS_PAGE_SIZE

    @property
    def first_bid(self) -> int:
        """The position of the page's first bid among the round's (from 1)."""
        return (self.page - 1) * self.per_page + 1


def round_audit(session: DbSession, round_: Round, *, page: int = 1, per_page: int | None = None) -> RoundAudit:
    """Load the round's audit summary (a page of BIDS_PAGE_SIZE bids) in a fixed number of queries; the chain's
    integrity as recorded plus its events since (grants.audit.verification.chain_status), never a walk of the
    whole chain."""
    per_page = per_page or BIDS_PAGE_SIZE
    ratification = session.scalar(
        sa.select(Ratification)
        .where(Ratification.round_id == round_.id, Ratification.undone_at.is_(None))
        .options(
            selectinload(Ratification.panel_run).defer(TallyRun.inputs),
            selectinload(Ratification.ratified_run).defer(TallyRun.inputs),
        )
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
    sent = sa.and_(Bid.round_id == round_.id, Bid.status != BidStatus.DRAFT)  # a draft is still the group's own
    bid_count = session.scalar(sa.select(sa.func.count()).select_from(Bid).where(sent)) or 0
    pages = max(1, -(-bid_count // per_page))
    page = min(max(1, page), pages)
    bids = list(
        session.scalars(
            sa.select(Bid)
            .where(sent)
            .options(selectinload(Bid.group))
            .order_by(Bid.number)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    # The references of the bids the runs name (funded, departed from), whichever page of bids is shown.
    named = {i for run in runs for key in ("funded_ids", "departed_ids") for i in _int_list(run.result.get(key))}
    references = {b.id: b.reference for b in session.scalars(sa.select(Bid).where(Bid.id.in_(named)))} if named else {}
    return RoundAudit(
        round=round_,
        ratification=ratification,
        runs=runs,
        chain=chain_status(session, round_.funder_id),
        notes=notes,
        bids=bids,
        references=references,
        counts=input_counts(session, [run.id for run in runs]),
        bid_count=bid_count,
        page=page,
        pages=pages,
        per_page=per_page,
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
