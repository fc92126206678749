"""The trail index: which rounds and bids each audit event is about, written beside the event as it is recorded.

A round's events and a bid's decision trail used to be found by reading the facts of every event in the funder's
chain; at a large funder's scale (a million events) that is every page view reading the whole chain. The index
(tables audit_round_event and audit_bid_event) finds them with one indexed query instead. It finds events and
nothing more: what a page shows is the event itself, covered by the chain's hash, and the funder's whole export
reads the chain, not the index.

An event is about
- a round: the round it names in its facts ("round_id"), or the round of its object (a round, a bid, an award,
  an award's report);
- a bid: its object (a bid, or the bid of an award or of a report), the bid its facts name ("bid_id", or the bid
  of the "award_id" or "report_id" they name), and every bid in its facts' lists of bids ("bids", "funded_ids",
  "departures": a ballot's choices, a tally's funded bids);
- every bid of its round: the events about the round's whole decision (DECISION_ACTIONS), in each bid's trail.

Migration 0020 wrote the index for the events recorded before it, by the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa

from grants.database import DbSession
from grants.models import AuditEvent, Award, Bid, BidEventLink, Report, RoundEventLink

# Events about the whole round's decision that belong in every bid's trail.
DECISION_ACTIONS = frozenset({"tally.recorded", "decision.ratified", "decision.undone"})
# Facts that list bids.
BID_LISTS = ("bids", "funded_ids", "departures")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ints(value: Any) -> list[int]:
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]


class Lookup(Protocol):
    """How the index finds the round and bid an object belongs to (from the database, or from maps)."""

    def bid_round(self, bid_id: int) -> int | None: ...

    def award(self, award_id: int) -> tuple[int, int] | None:
        """The award's (round id, bid id)."""

    def report_award(self, report_id: int) -> int | None: ...


@dataclass(frozen=True)
class Subjects:
    """The rounds and bids one event is about."""

    rounds: frozenset[int]
    bids: frozenset[int]
    every_bid: bool  # about the rounds' whole decision: in each of their bids' trails


def subjects(
    action: str, object_type: str | None, object_id: int | None, facts: Mapping[str, Any], lookup: Lookup
) -> Subjects:
    """What an event is about, by the rules in this module's docstring."""
    rounds: set[int] = set()
    bids: set[int] = set()

    def add_award(award_id: int | None) -> None:
        found = lookup.award(award_id) if award_id is not None else None
        if found is not None:
            rounds.add(found[0])
            bids.add(found[1])

    def add_report(report_id: int | None) -> None:
        add_award(lookup.report_award(report_id) if report_id is not None else None)

    if object_id is not None:
        if object_type == "round":
            rounds.add(object_id)
        elif object_type == "bid":
            bids.add(object_id)
            round_id = lookup.bid_round(object_id)
            if round_id is not None:
                rounds.add(round_id)
        elif object_type == "award":
            add_award(object_id)
        elif object_type == "report":
            add_report(object_id)
    round_id = _int(facts.get("round_id"))
    if round_id is not None:
        rounds.add(round_id)
    bid_id = _int(facts.get("bid_id"))
    if bid_id is not None:
        bids.add(bid_id)
    add_award(_int(facts.get("award_id")))
    add_report(_int(facts.get("report_id")))
    every_bid = action in DECISION_ACTIONS and bool(rounds)
    if not every_bid:  # a decision is in every bid's trail already
        for key in BID_LISTS:
            bids.update(_ints(facts.get(key)))
    return Subjects(frozenset(rounds), frozenset(bids), every_bid)


class SessionLookup:
    """Lookup through the session (the objects an event names are usually in its identity map already)."""

    def __init__(self, session: DbSession) -> None:
        self.session = session

    def bid_round(self, bid_id: int) -> int | None:
        bid = self.session.get(Bid, bid_id)
        return bid.round_id if bid is not None else None

    def award(self, award_id: int) -> tuple[int, int] | None:
        award = self.session.get(Award, award_id)
        return (award.round_id, award.bid_id) if award is not None else None

    def report_award(self, report_id: int) -> int | None:
        report = self.session.get(Report, report_id)
        return report.award_id if report is not None else None


def link_rows(chain: int, seq: int, about: Subjects) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The index rows of one event: (round links, bid links)."""
    rounds = [{"round_id": r, "chain": chain, "seq": seq, "every_bid": about.every_bid} for r in sorted(about.rounds)]
    bids = [{"bid_id": b, "chain": chain, "seq": seq} for b in sorted(about.bids)]
    return rounds, bids


def index_event(session: DbSession, event: AuditEvent) -> None:
    """Write the index rows of an event just recorded (and flushed), in the same transaction."""
    about = subjects(event.action, event.object_type, event.object_id, event.facts, SessionLookup(session))
    rounds, bids = link_rows(event.chain, event.seq, about)
    if rounds:
        session.execute(sa.insert(RoundEventLink), rounds)
    if bids:
        session.execute(sa.insert(BidEventLink), bids)
