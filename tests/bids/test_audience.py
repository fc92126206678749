"""Who hears about a bid: one rule for the receipt, screening, awards and reports (grants/bids/audience.py)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grants.bids.audience import bid_recipients
from grants.models import Bid, BidStatus, GroupMember, OutboxEmail, RoundStatus, User, utcnow
from grants.screening.services import screen_bid
from tests.support.factories import make_bid, make_funder, make_group_with_member, make_round, make_staff, make_user


def _bid_with_people(session: Session) -> tuple[Bid, User, User, User]:
    """A sent bid whose group has an active member, a disabled member, and a contact who is not a member."""
    funder = make_funder(session)
    staff = make_staff(session, funder)
    round_ = make_round(session, funder, status=RoundStatus.CLOSED)
    active = make_user(session, name="Maria Okafor")
    disabled = make_user(session, name="Left Thegroup")
    group = make_group_with_member(session, active, name="Friends of Elm Park")
    session.add(GroupMember(group_id=group.id, user_id=disabled.id))
    disabled.is_disabled = True
    group.contact_name = "Joyce Bennett"
    group.contact_email = "Joyce@Example.com"
    session.flush()
    return make_bid(session, round_, group, status=BidStatus.SUBMITTED), staff, active, disabled


def test_active_members_and_the_contact_hear_but_a_disabled_member_does_not(session: Session) -> None:
    bid, _, active, disabled = _bid_with_people(session)
    emails = [r.email for r in bid_recipients(session, bid)]
    assert emails == [active.email, "joyce@example.com"]
    assert disabled.email not in emails


def test_the_contact_is_told_once_when_also_a_member(session: Session) -> None:
    bid, _, active, _ = _bid_with_people(session)
    bid.group.contact_email = active.email.upper()
    assert [r.email for r in bid_recipients(session, bid)] == [active.email]


def test_a_group_with_no_members_online_is_reached_through_its_contact(session: Session) -> None:
    bid, *_ = _bid_with_people(session)
    session.execute(sa.delete(GroupMember).where(GroupMember.group_id == bid.group_id))
    [only] = bid_recipients(session, bid)
    assert (only.email, only.name, only.has_account) == ("joyce@example.com", "Joyce Bennett", False)


def test_the_screening_email_goes_to_exactly_those_the_rule_names(session: Session) -> None:
    bid, staff, _, _ = _bid_with_people(session)
    screen_bid(session, bid=bid, eligible=True, reason="", actor=staff, now=utcnow())
    sent_to = sorted(session.scalars(sa.select(OutboxEmail.to_address)))
    assert sent_to == sorted(r.email for r in bid_recipients(session, bid))
