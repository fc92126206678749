"""Screening rules without HTTP: who may be screened when, what is stored, logged and emailed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from grants.domain import DomainError
from grants.models import AuditEvent, Bid, BidStatus, GroupMember, OutboxEmail, RoundStatus, User, utcnow
from grants.screening.services import screen_bid
from tests.support.factories import make_bid, make_funder, make_group_with_member, make_round, make_staff, make_user

REASON = "Your group is based outside the three areas this round covers."


@dataclass
class Scene:
    bid: Bid
    staff: User
    members: list[User]


def _scene(session: Session, *, round_status: RoundStatus = RoundStatus.CLOSED) -> Scene:
    funder = make_funder(session, name="Riverside Community Fund")
    staff = make_staff(session, funder, name="Priya Shah")
    round_ = make_round(session, funder, status=round_status)
    first = make_user(session, name="Maria Okafor")
    second = make_user(session, name="Dan Whitfield")
    group = make_group_with_member(session, first, name="Friends of Elm Park")
    session.add(GroupMember(group_id=group.id, user_id=second.id))
    session.flush()
    bid = make_bid(session, round_, group, status=BidStatus.SUBMITTED)
    return Scene(bid, staff, [first, second])


def _emails(session: Session) -> list[OutboxEmail]:
    return list(session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)))


def _screen_events(session: Session) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "bid.screened")))


def test_eligible_bid_needs_no_reason_and_is_recorded(session: Session) -> None:
    scene = _scene(session)
    screen_bid(session, bid=scene.bid, eligible=True, reason="  ", actor=scene.staff, now=utcnow())
    assert scene.bid.status == BidStatus.ELIGIBLE
    assert scene.bid.screening_reason == ""
    assert scene.bid.screened_at is not None
    assert scene.bid.screened_by_id == scene.staff.id
    [event] = _screen_events(session)
    assert event.object_type == "bid" and event.object_id == scene.bid.id
    assert event.actor_id == scene.staff.id and event.actor_role == "staff"
    assert event.facts == {"round_id": scene.bid.round_id, "outcome": "eligible", "previous": "submitted"}
    emails = _emails(session)
    assert sorted(e.to_address for e in emails) == sorted(m.email for m in scene.members)
    assert "it is eligible" in emails[0].body_text
    assert "community panel" in emails[0].body_text
    assert "http://localhost/applicant" in emails[0].body_text


def test_ineligible_bid_without_a_reason_is_refused_and_nothing_changes(session: Session) -> None:
    scene = _scene(session)
    with pytest.raises(DomainError) as caught:
        screen_bid(session, bid=scene.bid, eligible=False, reason=" \n ", actor=scene.staff, now=utcnow())
    assert caught.value.message == "Tell the group why their bid is not eligible"
    assert caught.value.field == "reason"
    assert scene.bid.status == BidStatus.SUBMITTED and scene.bid.screened_at is None
    assert _screen_events(session) == [] and _emails(session) == []


def test_ineligible_bid_emails_every_member_the_reason(session: Session) -> None:
    scene = _scene(session)
    screen_bid(session, bid=scene.bid, eligible=False, reason=REASON, actor=scene.staff, now=utcnow())
    assert scene.bid.status == BidStatus.INELIGIBLE
    assert scene.bid.screening_reason == REASON
    emails = _emails(session)
    assert sorted(e.to_address for e in emails) == sorted(m.email for m in scene.members)
    for email in emails:
        assert scene.bid.reference in email.subject
        assert "not eligible" in email.subject
        assert REASON in email.body_text
        assert "Riverside Community Fund" in email.body_text
    assert {e.body_text.splitlines()[0] for e in emails} == {"Hello Maria Okafor,", "Hello Dan Whitfield,"}


def test_the_audit_event_holds_no_reason_text(session: Session) -> None:
    scene = _scene(session)
    screen_bid(session, bid=scene.bid, eligible=False, reason=REASON, actor=scene.staff, now=utcnow())
    [event] = _screen_events(session)
    assert event.facts == {"round_id": scene.bid.round_id, "outcome": "ineligible", "previous": "submitted"}
    assert "outside" not in str(event.facts)


def test_a_changed_decision_is_allowed_and_logged_with_what_it_replaced(session: Session) -> None:
    scene = _scene(session)
    screen_bid(session, bid=scene.bid, eligible=False, reason=REASON, actor=scene.staff, now=utcnow())
    screen_bid(
        session,
        bid=scene.bid,
        eligible=True,
        reason="We checked again: Elm Park is in.",
        actor=scene.staff,
        now=utcnow(),
    )
    assert scene.bid.status == BidStatus.ELIGIBLE
    assert scene.bid.screening_reason == "We checked again: Elm Park is in."
    assert [(e.facts["previous"], e.facts["outcome"]) for e in _screen_events(session)] == [
        ("submitted", "ineligible"),
        ("ineligible", "eligible"),
    ]
    last = _emails(session)[-1]
    assert "We have looked again at" in last.body_text and "it is eligible" in last.body_text


def test_the_same_decision_twice_is_refused_so_the_group_is_not_emailed_twice(session: Session) -> None:
    scene = _scene(session)
    screen_bid(session, bid=scene.bid, eligible=False, reason=REASON, actor=scene.staff, now=utcnow())
    with pytest.raises(DomainError, match="already marked not eligible"):
        screen_bid(session, bid=scene.bid, eligible=False, reason=REASON, actor=scene.staff, now=utcnow())
    assert len(_screen_events(session)) == 1
    assert len(_emails(session)) == 2


@pytest.mark.parametrize("round_status", [RoundStatus.DRAFT, RoundStatus.OPEN, RoundStatus.SCORING])
def test_screening_is_refused_unless_the_round_is_closed_or_in_screening(
    session: Session, round_status: RoundStatus
) -> None:
    scene = _scene(session, round_status=round_status)
    with pytest.raises(DomainError) as caught:
        screen_bid(session, bid=scene.bid, eligible=True, reason="", actor=scene.staff, now=utcnow())
    assert caught.value.message == "You can screen bids once the round has closed"
    assert caught.value.field == "decision"
    assert scene.bid.status == BidStatus.SUBMITTED
    assert _screen_events(session) == [] and _emails(session) == []


def test_screening_is_allowed_while_the_round_is_in_screening(session: Session) -> None:
    scene = _scene(session, round_status=RoundStatus.SCREENING)
    screen_bid(session, bid=scene.bid, eligible=True, reason="", actor=scene.staff, now=utcnow())
    assert scene.bid.status == BidStatus.ELIGIBLE


def test_a_withdrawn_bid_cannot_be_screened(session: Session) -> None:
    scene = _scene(session)
    scene.bid.status = BidStatus.WITHDRAWN
    session.flush()
    with pytest.raises(DomainError, match="This bid was withdrawn by the group, so it cannot be screened"):
        screen_bid(session, bid=scene.bid, eligible=True, reason="", actor=scene.staff, now=utcnow())
    assert scene.bid.status == BidStatus.WITHDRAWN
    assert _screen_events(session) == [] and _emails(session) == []


def test_a_draft_cannot_be_screened(session: Session) -> None:
    scene = _scene(session)
    scene.bid.status = BidStatus.DRAFT
    session.flush()
    with pytest.raises(DomainError, match="has not been submitted"):
        screen_bid(session, bid=scene.bid, eligible=False, reason=REASON, actor=scene.staff, now=utcnow())
    assert scene.bid.status == BidStatus.DRAFT


def test_a_reason_over_2000_characters_is_refused(session: Session) -> None:
    scene = _scene(session)
    with pytest.raises(DomainError, match="2,000 characters or fewer"):
        screen_bid(session, bid=scene.bid, eligible=False, reason="x" * 2001, actor=scene.staff, now=utcnow())
    screen_bid(session, bid=scene.bid, eligible=False, reason="x" * 2000, actor=scene.staff, now=utcnow())
    assert scene.bid.status == BidStatus.INELIGIBLE


def test_the_groups_contact_is_told_too_once_even_if_also_a_member(session: Session) -> None:
    scene = _scene(session)
    scene.bid.group.contact_name = "Joyce Bennett"
    scene.bid.group.contact_email = "joyce@example.com"
    session.flush()
    screen_bid(session, bid=scene.bid, eligible=True, reason="", actor=scene.staff, now=utcnow())
    emails = _emails(session)
    assert sorted(e.to_address for e in emails) == sorted([*(m.email for m in scene.members), "joyce@example.com"])
    assert "Hello Joyce Bennett," in emails[-1].body_text

    scene.bid.group.contact_email = scene.members[0].email.upper()
    session.flush()
    screen_bid(session, bid=scene.bid, eligible=False, reason=REASON, actor=scene.staff, now=utcnow())
    assert len(_emails(session)) == 3 + 2


def test_a_bid_entered_for_a_group_with_no_members_reaches_its_contact(session: Session) -> None:
    scene = _scene(session)
    for membership in session.scalars(sa.select(GroupMember).where(GroupMember.group_id == scene.bid.group_id)):
        session.delete(membership)
    scene.bid.group.contact_email = "tuesday.lunch@example.org"
    scene.bid.entered_by_staff_id = scene.staff.id
    session.flush()
    screen_bid(session, bid=scene.bid, eligible=True, reason="", actor=scene.staff, now=utcnow())
    [email] = _emails(session)
    assert email.to_address == "tuesday.lunch@example.org"
    assert email.body_text.startswith("Hello,\n")
    assert "/applicant" not in email.body_text  # the contact has no account to sign in with
