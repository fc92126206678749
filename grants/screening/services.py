"""Screening: staff mark a submitted bid eligible or ineligible, with a reason the group reads."""

from __future__ import annotations

from datetime import datetime

from grants.audit.chain import record_event
from grants.bids.audience import bid_recipients
from grants.bids.lifecycle import BidMove, can_make, check_move
from grants.database import DbSession
from grants.domain import DomainError
from grants.mail import send_email
from grants.models import Bid, BidStatus, Role, RoundStatus, User
from grants.panel.rules import check_free_to_act

MAX_REASON_LENGTH = 2000
REASON_REQUIRED = "Tell the group why their bid is not eligible"
REASON_TOO_LONG = f"The reason must be {MAX_REASON_LENGTH:,} characters or fewer"
ROUND_NOT_CLOSED = "You can screen bids once the round has closed"
SCREENING_ROUND_STATUSES = frozenset({RoundStatus.CLOSED, RoundStatus.SCREENING})


def can_screen(bid: Bid) -> bool:
    """Whether the bid may be screened now: sent (not withdrawn) and its round closed to new bids."""
    return can_make(bid.status, BidMove.SCREEN) and bid.round.status in SCREENING_ROUND_STATUSES


def _check(bid: Bid, new_status: BidStatus, reason: str) -> None:
    check_move(bid, new_status, field="decision")
    if bid.round.status not in SCREENING_ROUND_STATUSES:
        raise DomainError(ROUND_NOT_CLOSED, "decision")
    if new_status == BidStatus.INELIGIBLE and not reason:
        raise DomainError(REASON_REQUIRED, "reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(REASON_TOO_LONG, "reason")
    if bid.status == new_status and bid.screening_reason == reason:
        # A second click on the same decision must not email the group twice.
        raise DomainError(f"This bid is already marked {_outcome_words(new_status)} with this reason", "decision")


def _outcome_words(status: BidStatus) -> str:
    return "eligible" if status == BidStatus.ELIGIBLE else "not eligible"


def screen_bid(session: DbSession, *, bid: Bid, eligible: bool, reason: str, actor: User, now: datetime) -> None:
    """Mark a bid eligible or ineligible, log it, and email the group the outcome and reason (caller commits)."""
    check_free_to_act(session, bid=bid, actor_id=actor.id, doing="screen this bid")
    # Read the bid's current status under a row lock (PostgreSQL; SQLite's write lock is already held), so two
    # staff screening at once each log the decision they actually replaced.
    session.refresh(bid, with_for_update=True)
    reason = reason.strip()
    new_status = BidStatus.ELIGIBLE if eligible else BidStatus.INELIGIBLE
    _check(bid, new_status, reason)

    previous = bid.status
    bid.status = new_status
    bid.screening_reason = reason
    bid.screened_at = now
    bid.screened_by_id = actor.id
    session.flush()
    record_event(
        session,
        "bid.screened",
        by=actor,
        role=Role.STAFF.value,
        about=bid,
        facts={"round_id": bid.round_id, "outcome": new_status.value, "previous": previous.value},
    )
    _email_group(session, bid=bid, changed=previous in (BidStatus.ELIGIBLE, BidStatus.INELIGIBLE))


def _email_group(session: DbSession, *, bid: Bid, changed: bool) -> None:
    for person in bid_recipients(session, bid):
        send_email(session, to=person.email, template="screening/outcome", bid=bid, recipient=person, changed=changed)
