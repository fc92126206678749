"""Reads for the integrity pages: the events of a funder flagged for auditors by the audit registry
(`grants.audit.events.flagged`), and every paper ballot of a round. A fixed number of queries per page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from grants.audit.events import FLAGGABLE, Action, flagged
from grants.database import DbSession
from grants.models import AuditEvent, Award, Ballot, Bid, Funder, Round, User


@dataclass(frozen=True)
class Flag:
    """One event an auditor should look at, in plain words."""

    seq: int
    occurred_at: datetime
    round: Round | None
    words: str
    why: str
    actor: str
    actor_role: str
    bid_id: int | None


@dataclass(frozen=True)
class _Owners:
    """Which round each bid and award of the funder belongs to, to place an event in its round."""

    rounds: dict[int, Round]
    bid_rounds: dict[int, int]
    award_rounds: dict[int, int]
    award_bids: dict[int, int]

    def round_of(self, event: AuditEvent) -> int | None:
        facts_round = event.facts.get("round_id")
        if isinstance(facts_round, int) and facts_round in self.rounds:
            return facts_round
        object_id = event.object_id or 0
        match event.object_type:
            case "round":
                return object_id if object_id in self.rounds else None
            case "bid":
                return self.bid_rounds.get(object_id)
            case "award":
                return self.award_rounds.get(object_id)
        return None

    def bid_of(self, event: AuditEvent) -> int | None:
        if event.object_type == "bid":
            return event.object_id
        if event.object_type == "award":
            return self.award_bids.get(event.object_id or 0)
        bid_id = event.facts.get("bid_id")
        return bid_id if isinstance(bid_id, int) else None


def _names(session: DbSession, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return {
        user_id: name for user_id, name in session.execute(sa.select(User.id, User.name).where(User.id.in_(user_ids)))
    }


def _owners(session: DbSession, funder: Funder) -> _Owners:
    rounds = {r.id: r for r in session.scalars(sa.select(Round).where(Round.funder_id == funder.id))}
    bids = session.execute(sa.select(Bid.id, Bid.round_id).where(Bid.round_id.in_(rounds)))
    awards = list(session.execute(sa.select(Award.id, Award.round_id, Award.bid_id).where(Award.round_id.in_(rounds))))
    return _Owners(
        rounds=rounds,
        bid_rounds={bid_id: round_id for bid_id, round_id in bids},
        award_rounds={award_id: round_id for award_id, round_id, _ in awards},
        award_bids={award_id: bid_id for award_id, _, bid_id in awards},
    )


def funder_flags(session: DbSession, funder: Funder) -> list[Flag]:
    """Every event of the funder's rounds that the audit registry flags for auditors, newest first."""
    owners = _owners(session, funder)
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.in_(sorted(FLAGGABLE))).order_by(AuditEvent.seq.desc())
    )
    found: list[tuple[AuditEvent, Action, int]] = []
    for event in events:
        action = flagged(event.action, event.facts)
        round_id = owners.round_of(event)
        if action is not None and round_id is not None:
            found.append((event, action, round_id))
    actor_ids = {e.actor_id for e, _, _ in found if e.actor_id is not None}
    names = _names(session, actor_ids)
    return [
        Flag(
            seq=event.seq,
            occurred_at=event.occurred_at,
            round=owners.rounds[round_id],
            words=action.words,
            why=action.why,
            actor=names.get(event.actor_id, "The platform") if event.actor_id else "The platform",
            actor_role=event.actor_role or "",
            bid_id=owners.bid_of(event),
        )
        for event, action, round_id in found
    ]


@dataclass(frozen=True)
class PaperBallotLine:
    """One paper ballot: who recorded it, for whom, when, what it replaced, and whether it still counts."""

    ballot_id: int
    panellist: str
    recorded_by: str
    recorded_at: datetime
    replaced: str  # "an online ballot", "a paper ballot" or "" (their first ballot)
    is_current: bool


def paper_ballots(session: DbSession, round_: Round) -> list[PaperBallotLine]:
    """Every ballot staff recorded from paper in the round, oldest first, with the ballot each one replaced."""
    ballots = list(session.scalars(sa.select(Ballot).where(Ballot.round_id == round_.id).order_by(Ballot.id)))
    people = {b.user_id for b in ballots} | {b.recorded_by_staff_id for b in ballots if b.recorded_by_staff_id}
    names = _names(session, people)
    previous: dict[int, Ballot] = {}
    lines: list[PaperBallotLine] = []
    for ballot in ballots:
        before = previous.get(ballot.user_id)
        previous[ballot.user_id] = ballot
        if ballot.recorded_by_staff_id is None:
            continue
        replaced = "" if before is None else "a paper ballot" if before.recorded_by_staff_id else "an online ballot"
        lines.append(
            PaperBallotLine(
                ballot_id=ballot.id,
                panellist=names.get(ballot.user_id, ""),
                recorded_by=names.get(ballot.recorded_by_staff_id, ""),
                recorded_at=ballot.created_at,
                replaced=replaced,
                is_current=ballot.is_current,
            )
        )
    return lines
