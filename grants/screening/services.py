"""Screening: staff mark a submitted bid eligible or ineligible, with a reason the group reads."""

from __future__ import annotations

from grants.audit.chain import record_event
from grants.bids.audience import Recipient, bid_recipients
from grants.database import DbSession
from grants.domain import DomainError, StateTransitionError
from grants.mail import absolute_url, queue_email
from grants.models import Bid, BidStatus, Role, RoundStatus, User, utcnow

MAX_REASON_LENGTH = 2000
REASON_REQUIRED = "Tell the group why their bid is not eligible"
REASON_TOO_LONG = f"The reason must be {MAX_REASON_LENGTH:,} characters or fewer"
ROUND_NOT_CLOSED = "You can screen bids once the round has closed"
BID_WITHDRAWN = "This bid was withdrawn by the group, so it cannot be screened"
BID_NOT_SENT = "This bid has not been submitted by the group yet, so it cannot be screened"

# The moves screening may make: from a submitted (or already screened) bid to a decision. Screening again
# changes the decision; every change is logged with the status it replaced.
SCREENING_MOVES: frozenset[tuple[BidStatus, BidStatus]] = frozenset(
    (before, after)
    for before in (BidStatus.SUBMITTED, BidStatus.ELIGIBLE, BidStatus.INELIGIBLE)
    for after in (BidStatus.ELIGIBLE, BidStatus.INELIGIBLE)
)
SCREENING_ROUND_STATUSES = frozenset({RoundStatus.CLOSED, RoundStatus.SCREENING})


def can_screen(bid: Bid) -> bool:
    """Whether the bid may be screened now: sent (not withdrawn) and its round closed to new bids."""
    return bid.status in {b for b, _ in SCREENING_MOVES} and bid.round.status in SCREENING_ROUND_STATUSES


def _check(bid: Bid, new_status: BidStatus, reason: str) -> None:
    if (bid.status, new_status) not in SCREENING_MOVES:
        raise StateTransitionError(BID_WITHDRAWN if bid.status == BidStatus.WITHDRAWN else BID_NOT_SENT, "decision")
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


def screen_bid(session: DbSession, *, bid: Bid, eligible: bool, reason: str, actor: User) -> None:
    """Mark a bid eligible or ineligible, log it, and email the group the outcome and reason (caller commits)."""
    # Read the bid's current status under a row lock (PostgreSQL; SQLite's write lock is already held), so two
    # staff screening at once each log the decision they actually replaced.
    session.refresh(bid, with_for_update=True)
    reason = reason.strip()
    new_status = BidStatus.ELIGIBLE if eligible else BidStatus.INELIGIBLE
    _check(bid, new_status, reason)

    previous = bid.status
    bid.status = new_status
    bid.screening_reason = reason
    bid.screened_at = utcnow()
    bid.screened_by_id = actor.id
    session.flush()
    record_event(
        session,
        "bid.screened",
        actor_id=actor.id,
        actor_role=Role.STAFF.value,
        object_type="bid",
        object_id=bid.id,
        # Ids and statuses only: the reason is the group's to read on the bid, not a fact for the chain.
        facts={"round_id": bid.round_id, "outcome": new_status.value, "previous": previous.value},
    )
    _email_group(session, bid=bid, changed=previous in (BidStatus.ELIGIBLE, BidStatus.INELIGIBLE))


def _email_group(session: DbSession, *, bid: Bid, changed: bool) -> None:
    eligible = bid.status == BidStatus.ELIGIBLE
    funder = bid.round.funder.name
    title = bid.title or "your group's bid"
    if eligible:
        subject = f"Your bid {bid.reference} can go to the community panel"
    else:
        subject = f"Your bid {bid.reference} is not eligible for {bid.round.title}"
    for person in bid_recipients(session, bid):
        queue_email(
            session,
            to=person.email,
            subject=subject,
            body=_email_body(bid=bid, to=person, title=title, funder=funder, eligible=eligible, changed=changed),
        )


def _email_body(*, bid: Bid, to: Recipient, title: str, funder: str, eligible: bool, changed: bool) -> str:
    checked = "We have looked again at" if changed else "We have checked"
    lines = [f"Hello {to.name}," if to.name else "Hello,", ""]
    if eligible:
        lines += [
            f'{checked} "{title}" ({bid.reference}), your group\'s bid to {bid.round.title}, and it is eligible.',
            "",
            "It will now go to the community panel: local residents who will read it, score it and decide which"
            " bids are funded. We will tell you what they decide.",
        ]
        if bid.screening_reason:
            lines += ["", "A note from us:", "", bid.screening_reason]
    else:
        lines += [
            f'{checked} "{title}" ({bid.reference}), your group\'s bid to {bid.round.title}.',
            "",
            "We are sorry: it is not eligible for this round, so it will not go to the community panel.",
            "",
            "Why it is not eligible:",
            "",
            bid.screening_reason,
            "",
            f"If you think we have got this wrong, or you would like to talk about it, please get in touch with"
            f" {funder}.",
        ]
    if to.has_account:
        lines += ["", f"You can see your bid and its status at {absolute_url('home.applicant')}"]
    lines += ["", funder]
    return "\n".join(lines) + "\n"
