"""Feedback to a group the ratified result did not fund, composed by staff from the panel's comments. The caller
commits; sending writes an audit event in the same transaction and emails the group."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from grants.audit.chain import record_event
from grants.awards.rules import MAX_FEEDBACK, STAFF, too_long
from grants.bids.audience import bid_recipients
from grants.database import DbSession
from grants.decisions.queries import current_ratification, funded_bid_ids
from grants.domain import DomainError
from grants.mail import send_email
from grants.models import Bid, BidStatus, Feedback, User
from grants.panel.rules import check_free_to_act

FEEDBACK_REQUIRED = "Enter the feedback the group will read"
FEEDBACK_FOR_FUNDED = "This bid was funded: the group gets an offer, not feedback"
FEEDBACK_NOT_ELIGIBLE = "Feedback is for eligible bids the panel did not fund"
FEEDBACK_NOT_DECIDED = "Feedback can be sent once the round's decision is ratified"
FEEDBACK_ALREADY_SENT = "Feedback has already been sent to this group"


def check_feedback_allowed(session: DbSession, bid: Bid) -> None:
    """Feedback is for eligible bids that the ratified result did not fund."""
    if bid.status != BidStatus.ELIGIBLE:
        raise DomainError(FEEDBACK_NOT_ELIGIBLE, "text")
    if current_ratification(session, bid.round_id) is None:
        raise DomainError(FEEDBACK_NOT_DECIDED, "text")
    if bid.id in funded_bid_ids(session, bid.round_id):
        raise DomainError(FEEDBACK_FOR_FUNDED, "text")


def feedback_refused(session: DbSession, bid: Bid) -> str | None:
    """Why feedback cannot be sent for this bid, or None when it can."""
    try:
        check_feedback_allowed(session, bid)
    except DomainError as exc:
        return exc.message
    return None


def send_feedback(session: DbSession, *, bid: Bid, text: str, actor: User, now: datetime) -> Feedback:
    """Send an unfunded group, at `now`, the feedback staff composed from the panel's comments."""
    check_free_to_act(session, bid=bid, actor_id=actor.id, doing="send this group feedback")
    session.refresh(bid, with_for_update=True)
    check_feedback_allowed(session, bid)
    text = text.strip()
    if not text:
        raise DomainError(FEEDBACK_REQUIRED, "text")
    too_long(text, MAX_FEEDBACK, "The feedback", "text")
    feedback = session.scalar(sa.select(Feedback).where(Feedback.bid_id == bid.id))
    if feedback is not None and feedback.sent_at is not None:
        raise DomainError(FEEDBACK_ALREADY_SENT, "text")
    if feedback is None:
        feedback = Feedback(bid_id=bid.id, text=text)
        session.add(feedback)
    feedback.text = text
    feedback.sent_at = now
    feedback.sent_by_id = actor.id
    session.flush()
    record_event(
        session, "feedback.sent", by=actor, role=STAFF, about=bid, facts={"round_id": bid.round_id, "bid_id": bid.id}
    )
    for recipient in bid_recipients(session, bid):
        send_email(
            session, to=recipient.email, template="awards/feedback", recipient=recipient, bid=bid, feedback=feedback
        )
    return feedback
