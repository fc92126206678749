"""Separation of duties for staff: a member of staff who belongs to the bidding group, or who declared a conflict
with a bid, does not screen it, enter it, offer it an award, pay it, send it feedback, decide its round or sit on
its panel; the refusal says who else can, or, for a funder with one member of staff, why a second person is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.auth.invitations import accept_invitation, invite
from grants.decisions.tallies import compute_panel
from grants.domain import DomainError
from grants.models import (
    AuditEvent,
    Award,
    Bid,
    BidStatus,
    ConflictKind,
    Feedback,
    Funder,
    GroupMember,
    Payment,
    ProposalKind,
    Role,
    Round,
    RoundStatus,
    User,
)
from grants.models.base import utcnow
from grants.panel.services import declare_staff_conflict
from tests.decisions.helpers import make_setting as make_decided_setting
from tests.decisions.helpers import two_step
from tests.support.db import app_session
from tests.support.factories import make_bid, make_funder, make_group_with_member, make_round, make_staff
from tests.support.signin import sign_in


@dataclass(frozen=True)
class Own:
    """A closed round where a member of staff's own group has sent a bid; `colleague` is None for a funder with one
    member of staff."""

    round_id: int
    bid_id: int
    staff_email: str
    colleague_email: str | None


def _own_group_bid(app: Flask, *, colleague: bool = True) -> Own:
    """As in the finding: a member of staff made a group and applied to their own funder's round."""
    with app_session(app) as s:
        funder = make_funder(s)
        staff = make_staff(s, funder, email="priya@example.org", name="Priya Shah")
        other = make_staff(s, funder, email="daniel@example.org", name="Daniel Okafor") if colleague else None
        round_ = make_round(s, funder, status=RoundStatus.CLOSED)
        group = make_group_with_member(s, staff, name="Priya's Allotment Club")
        bid = make_bid(s, round_, group, status=BidStatus.SUBMITTED)
        return Own(round_.id, bid.id, staff.email, other.email if other else None)


def _status(app: Flask, bid_id: int) -> BidStatus:
    with app_session(app) as s:
        bid = s.get(Bid, bid_id)
        assert bid is not None
        return bid.status


def test_staff_cannot_screen_their_own_groups_bid_and_are_told_who_can(app: Flask, client: FlaskClient) -> None:
    own = _own_group_bid(app)
    sign_in(client, own.staff_email)
    page = client.get(f"/staff/bids/{own.bid_id}").text
    assert "You are a member of Priya&#39;s Allotment Club, the group that sent this bid." in page
    assert "Daniel Okafor can do it." in page
    assert 'action="/staff/bids/' + str(own.bid_id) + '"' not in page  # no screening form
    refused = client.post(f"/staff/bids/{own.bid_id}", data={"decision": "eligible", "reason": ""})
    assert refused.status_code == 403
    assert "You cannot screen this bid" in refused.text and "Daniel Okafor can do it." in refused.text
    assert _status(app, own.bid_id) == BidStatus.SUBMITTED

    client.post("/sign-out")
    assert own.colleague_email is not None
    sign_in(client, own.colleague_email)
    done = client.post(f"/staff/bids/{own.bid_id}", data={"decision": "eligible", "reason": ""})
    assert done.status_code == 302
    assert _status(app, own.bid_id) == BidStatus.ELIGIBLE


def test_staff_cannot_invite_themselves_onto_the_panel_of_a_round_their_group_bid_in(
    app: Flask, client: FlaskClient
) -> None:
    own = _own_group_bid(app)
    sign_in(client, own.staff_email)
    response = client.post(f"/staff/rounds/{own.round_id}/panel", data={"email": own.staff_email})
    assert response.status_code == 200
    assert "is on the funder&#39;s staff and has a conflict with a bid in this round" in response.text
    with app_session(app) as s:
        assert s.scalar(sa.text("SELECT COUNT(*) FROM invitation WHERE role = 'panellist'")) == 0


def test_a_member_of_staff_conflicted_in_a_round_cannot_join_its_panel_by_an_earlier_invitation(app: Flask) -> None:
    with app_session(app) as s:
        funder = make_funder(s)
        staff = make_staff(s, funder)
        round_ = make_round(s, funder, status=RoundStatus.CLOSED)
        issued = invite(s, email=staff.email, role=Role.PANELLIST, round=round_, invited_by=staff)
        group = make_group_with_member(s, staff, name="Later Group")  # joined after the invitation
        make_bid(s, round_, group, status=BidStatus.SUBMITTED)
        with pytest.raises(DomainError, match="cannot sit on its panel"):
            accept_invitation(s, token=issued.token, user=staff)


def test_the_only_member_of_staff_is_told_why_a_second_person_is_needed(app: Flask, client: FlaskClient) -> None:
    own = _own_group_bid(app, colleague=False)
    sign_in(client, own.staff_email)
    refused = client.post(f"/staff/bids/{own.bid_id}", data={"decision": "eligible", "reason": ""})
    assert refused.status_code == 403
    assert "You are the funder's only member of staff, and this needs a second person" in refused.text
    assert 'href="/staff"' in refused.text and "Invite a colleague or an auditor" in refused.text


def test_staff_declare_their_own_conflict_on_the_bid_page_and_then_cannot_screen_it(
    app: Flask, client: FlaskClient
) -> None:
    with app_session(app) as s:
        funder = make_funder(s)
        make_staff(s, funder, email="priya@example.org", name="Priya Shah")
        make_staff(s, funder, email="daniel@example.org", name="Daniel Okafor")
        round_ = make_round(s, funder, status=RoundStatus.CLOSED)
        group = make_group_with_member(s, make_staff(s, make_funder(s)), name="Friends of Elm Park")
        bid_id = make_bid(s, round_, group, status=BidStatus.SUBMITTED).id
    sign_in(client, "priya@example.org")
    empty = client.post(f"/staff/bids/{bid_id}/conflict", data={"kind": "personal", "note": " "})
    assert (
        empty.status_code == 200 and "Say in a few words what your conflict with Friends of Elm Park is" in empty.text
    )
    declared = client.post(
        f"/staff/bids/{bid_id}/conflict", data={"kind": "personal", "note": "My sister runs the group."}
    )
    assert declared.status_code == 302
    assert "You have declared a conflict of interest with Friends of Elm Park" in client.get(declared.location).text
    refused = client.post(f"/staff/bids/{bid_id}", data={"decision": "eligible", "reason": ""})
    assert refused.status_code == 403 and "Daniel Okafor can do it." in refused.text
    assert _status(app, bid_id) == BidStatus.SUBMITTED
    with app_session(app) as s:
        (event,) = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "conflict.declared"))
        assert event.actor_role == "staff" and event.facts["bid_id"] == bid_id and event.facts["kind"] == "personal"


def test_a_staff_conflict_is_declared_once_and_not_for_a_group_they_belong_to(app: Flask) -> None:
    own = _own_group_bid(app)
    with app_session(app) as s:
        bid = s.get(Bid, own.bid_id)
        staff = s.scalars(sa.select(User).where(User.email == own.staff_email)).one()
        colleague = s.scalars(sa.select(User).where(User.email == own.colleague_email)).one()
        assert bid is not None
        with pytest.raises(DomainError, match="treated as conflicted on its bid already"):
            declare_staff_conflict(s, bid=bid, actor=staff, kind=ConflictKind.PERSONAL, note="Mine")
        with pytest.raises(DomainError, match="Choose what kind of conflict"):
            declare_staff_conflict(s, bid=bid, actor=colleague, kind=ConflictKind.NONE, note="")
        declare_staff_conflict(s, bid=bid, actor=colleague, kind=ConflictKind.FINANCIAL, note="I lend them money")
        with pytest.raises(DomainError, match="already declared a conflict"):
            declare_staff_conflict(s, bid=bid, actor=colleague, kind=ConflictKind.OTHER, note="Again")


def test_staff_entering_a_bid_for_a_group_cannot_go_on_once_conflicted(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        funder = make_funder(s)
        staff = make_staff(s, funder, email="priya@example.org", name="Priya Shah")
        round_ = make_round(s, funder)
        group = make_group_with_member(s, make_staff(s, make_funder(s)), name="Phone Group")
        bid = make_bid(s, round_, group, entered_by_staff_id=staff.id)
        bid_id = bid.id
    sign_in(client, "priya@example.org")
    assert client.get(f"/bids/{bid_id}").status_code == 200
    with app_session(app) as s:
        bid = s.get(Bid, bid_id)
        staff = s.scalars(sa.select(User).where(User.email == "priya@example.org")).one()
        assert bid is not None
        declare_staff_conflict(s, bid=bid, actor=staff, kind=ConflictKind.PERSONAL, note="A friend's group")
    refused = client.get(f"/bids/{bid_id}")
    assert refused.status_code == 403 and "You cannot enter this bid on the group" in refused.text


def test_staff_of_a_funded_or_unfunded_group_cannot_make_its_offer_or_send_its_feedback(
    app: Flask, client: FlaskClient
) -> None:
    setting = make_decided_setting(app)
    with app_session(app) as s:
        two_step(s, setting, ProposalKind.RATIFY)  # A, B and C funded; D not
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        member = make_staff(s, s.get(Funder, round_.funder_id), email="member@example.org", name="Cal Member")
        for name in "CD":
            bid = s.get(Bid, setting.bids[name])
            assert bid is not None
            s.add(GroupMember(group_id=bid.group_id, user_id=member.id))
    sign_in(client, "member@example.org")
    offer = client.get(f"/staff/bids/{setting.bids['C']}/offer")
    assert offer.status_code == 403 and "You cannot make this bid an offer" in offer.text
    assert "Daniel Okafor, Priya Shah" in offer.text  # who else can
    feedback = client.post(f"/staff/bids/{setting.bids['D']}/feedback", data={"text": "Sorry."})
    assert feedback.status_code == 403 and "You cannot send this group feedback" in feedback.text


def test_a_conflict_a_member_of_staff_declares_never_reaches_the_tally(app: Flask) -> None:
    setting = make_decided_setting(app)
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        bid = s.get(Bid, setting.bids["A"])
        staff = s.get(User, setting.staff_id)
        assert round_ is not None and bid is not None and staff is not None
        before = compute_panel(s, round_).result.digest
        declare_staff_conflict(s, bid=bid, actor=staff, kind=ConflictKind.PERSONAL, note="A neighbour")
        assert compute_panel(s, round_).result.digest == before


def test_the_services_themselves_refuse_conflicted_staff_whatever_calls_them(app: Flask) -> None:
    # The pages refuse first (above); a command, a script or a future page calling the services directly is held
    # to the same rule, and nothing is changed.
    from grants.awards import services as awards
    from grants.screening.services import screen_bid
    from tests.awards.helpers import accepted_award
    from tests.awards.helpers import make_setting as make_award_setting

    setting = make_award_setting(app)
    award_id = accepted_award(app, setting)
    with app_session(app) as s:
        funded, unfunded = s.get(Bid, setting.funded_id), s.get(Bid, setting.unfunded_id)
        award = s.get(Award, award_id)
        assert funded is not None and unfunded is not None and award is not None
        colleague = s.get(User, setting.staff_id)
        assert colleague is not None
        conflicted = make_staff(s, award.bid.round.funder, name="Cal Member")
        for bid in (funded, unfunded):
            s.add(GroupMember(group_id=bid.group_id, user_id=conflicted.id))
        funded2 = s.get(Bid, setting.funded2_id)
        assert funded2 is not None
        declare_staff_conflict(s, bid=funded2, actor=conflicted, kind=ConflictKind.PERSONAL, note="My neighbour")
        payment = awards.record_payment(
            s, award=award, amount_pence=100_00, paid_on=date.today(), reference="", actor=colleague, now=utcnow()
        )
        payment_id, funded2_id = payment.id, funded2.id
    attempts = {
        "screen this bid": lambda s, me: screen_bid(
            s, bid=s.get(Bid, setting.unfunded_id), eligible=False, reason="No", actor=me, now=utcnow()
        ),
        "make this bid an offer": lambda s, me: awards.make_offer(
            s,
            bid=s.get(Bid, funded2_id),
            amount_pence=400_00,
            reduced_reason="",
            conditions="",
            report_dates=[date.today() + timedelta(days=90)],
            withhold_name=False,
            actor=me,
            now=utcnow(),
        ),
        "record a payment on this award": lambda s, me: awards.record_payment(
            s,
            award=s.get(Award, award_id),
            amount_pence=1_00,
            paid_on=date.today(),
            reference="",
            actor=me,
            now=utcnow(),
        ),
        "reverse a payment on this award": lambda s, me: awards.reverse_payment(
            s, award=s.get(Award, award_id), payment=s.get(Payment, payment_id), reason="Typo", actor=me, now=utcnow()
        ),
        "withdraw this offer": lambda s, me: awards.withdraw_offer(
            s, award=s.get(Award, award_id), reason="Changed our mind", actor=me, now=utcnow()
        ),
        "close this award": lambda s, me: awards.close_award(s, award=s.get(Award, award_id), actor=me, now=utcnow()),
        "send this group feedback": lambda s, me: awards.send_feedback(
            s, bid=s.get(Bid, setting.unfunded_id), text="Sorry.", actor=me, now=utcnow()
        ),
    }
    for doing, attempt in attempts.items():
        with app_session(app) as s:
            before = s.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
            me = s.scalars(sa.select(User).where(User.name == "Cal Member")).one()
            with pytest.raises(DomainError, match=f"You have a conflict of interest with .*, so you cannot {doing}"):
                attempt(s, me)
            assert s.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before, doing
            s.rollback()
    with app_session(app) as s:
        award = s.get(Award, award_id)
        assert award is not None and award.paid_pence == 100_00 and award.status.value == "accepted"
        assert s.scalar(sa.select(sa.func.count()).select_from(Award)) == 1
        assert s.scalar(sa.select(sa.func.count()).select_from(Feedback)) == 0
