"""The bid's table of moves: every service that changes a bid's status follows it, and refuses what it lacks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from grants.bids import services
from grants.bids.lifecycle import MOVES, BidMove, accepting_bids, can_make, check_move
from grants.domain import DeadlinePassed, StateTransitionError
from grants.models import Bid, BidStatus, Round, RoundStatus, User, utcnow
from grants.screening.services import screen_bid
from tests.bids.helpers import writes_during
from tests.support.db import app_session
from tests.support.factories import (
    make_bid,
    make_funder,
    make_group_with_member,
    make_round,
    make_staff,
    make_user,
)
from tests.support.signin import sign_in

B = BidStatus


def _bid(session: Session, bid_status: BidStatus, **round_values: object) -> tuple[Bid, User]:
    member = make_user(session)
    round_ = make_round(session, make_funder(session), **round_values)
    screened = bid_status in (B.ELIGIBLE, B.INELIGIBLE)
    group = make_group_with_member(session, member)
    bid = make_bid(session, round_, group, status=B.SUBMITTED if screened else bid_status)
    if screened:
        bid.status, bid.screened_at = bid_status, utcnow()
        session.flush()
    return bid, member


def test_the_table_holds_the_moves_the_group_and_staff_make_and_no_others() -> None:
    assert {move: sorted((a.value, b.value) for (a, b), m in MOVES.items() if m == move) for move in BidMove} == {
        BidMove.SUBMIT: [("draft", "submitted")],
        BidMove.RETURN_TO_DRAFT: [("submitted", "draft"), ("withdrawn", "draft")],
        BidMove.WITHDRAW: [("submitted", "withdrawn")],
        BidMove.SCREEN: sorted(
            (a, b) for a in ("submitted", "eligible", "ineligible") for b in ("eligible", "ineligible")
        ),
    }
    assert can_make(B.ELIGIBLE, BidMove.SCREEN) and not can_make(B.WITHDRAWN, BidMove.SCREEN)
    assert not can_make(B.DRAFT, BidMove.WITHDRAW)


@pytest.mark.parametrize(
    ("start", "to", "message"),
    [
        (B.DRAFT, B.WITHDRAWN, "Only a bid that has been sent can be withdrawn"),
        (B.ELIGIBLE, B.WITHDRAWN, "Only a bid that has been sent can be withdrawn"),
        (B.ELIGIBLE, B.DRAFT, "Only a sent or withdrawn bid can be returned to draft"),
        (B.WITHDRAWN, B.SUBMITTED, "This bid was withdrawn, so it cannot be sent"),
        (B.DRAFT, B.ELIGIBLE, "has not been submitted by the group yet"),
        (B.WITHDRAWN, B.INELIGIBLE, "This bid was withdrawn by the group"),
    ],
)
def test_a_move_the_table_lacks_is_refused(session: Session, start: BidStatus, to: BidStatus, message: str) -> None:
    bid, _ = _bid(session, start)
    with pytest.raises(StateTransitionError, match=message):
        check_move(bid, to)
    assert bid.status == start


def test_the_services_refuse_an_illegal_move_and_change_nothing(session: Session) -> None:
    draft, member = _bid(session, B.DRAFT)
    with pytest.raises(StateTransitionError, match="Only a bid that has been sent can be withdrawn"):
        services.withdraw_bid(session, bid=draft, reason="", actor=member, now=utcnow())
    eligible, member = _bid(session, B.ELIGIBLE)
    with pytest.raises(StateTransitionError, match="Only a sent or withdrawn bid can be returned to draft"):
        services.return_to_draft(session, bid=eligible, actor=member, now=utcnow())
    withdrawn, _ = _bid(session, B.WITHDRAWN, status=RoundStatus.CLOSED)
    staff = make_staff(session, withdrawn.round.funder)
    with pytest.raises(StateTransitionError) as caught:
        screen_bid(session, bid=withdrawn, eligible=True, reason="", actor=staff, now=utcnow())
    assert caught.value.field == "decision"
    assert (draft.status, eligible.status, withdrawn.status) == (B.DRAFT, B.ELIGIBLE, B.WITHDRAWN)


def test_the_window_for_bids_is_read_at_the_time_given(session: Session) -> None:
    round_: Round = make_round(session, make_funder(session))
    assert accepting_bids(round_, now=utcnow())
    assert not accepting_bids(round_, now=round_.opens_at - timedelta(seconds=1))
    assert not accepting_bids(round_, now=round_.closes_at)


def test_a_bid_sent_after_the_deadline_is_refused_at_the_time_given(session: Session) -> None:
    bid, member = _bid(session, B.SUBMITTED)
    services.return_to_draft(session, bid=bid, actor=member, now=utcnow())
    late = bid.round.closes_at + timedelta(minutes=1)
    with pytest.raises(DeadlinePassed, match="The deadline for this round has passed"):
        services.submit_bid(session, bid=bid, declaration_name="Maria", confirmed=True, actor=member, now=late)
    assert bid.status == B.DRAFT
    sent, member = _bid(session, B.SUBMITTED)
    with pytest.raises(DeadlinePassed, match="can no longer be changed"):
        services.return_to_draft(session, bid=sent, actor=member, now=late)
    assert sent.status == B.SUBMITTED


def test_reading_a_bid_writes_nothing_even_when_a_question_has_no_answer_yet(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        member = make_user(s, email="maria@example.com")
        round_ = make_round(s, make_funder(s))
        bid_id = make_bid(s, round_, make_group_with_member(s, member)).id  # no answer rows at all
        make_staff(s, round_.funder, email="staff@example.com")
        round_id = round_.id
    sign_in(client, "maria@example.com")
    pages = [f"/bids/{bid_id}", f"/bids/{bid_id}/questions/1", f"/bids/{bid_id}/check", f"/rounds/{round_id}"]
    assert writes_during(app, lambda: [client.get(page) for page in pages]) == []
    assert "What will you do? answer this question" in client.get(f"/bids/{bid_id}/check").text


def test_staff_reading_a_round_and_its_bids_writes_nothing(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        round_ = make_round(s, make_funder(s))
        bid_id = make_bid(s, round_, make_group_with_member(s, make_user(s)), status=B.SUBMITTED).id
        make_staff(s, round_.funder, email="staff@example.com")
        round_id = round_.id
    sign_in(client, "staff@example.com")
    pages = [f"/staff/rounds/{round_id}{part}" for part in ("", "/details", "/questions", "/criteria", "/voting")]
    pages += [f"/staff/rounds/{round_id}/preview", f"/staff/rounds/{round_id}/move/closed"]
    pages += [f"/staff/rounds/{round_id}/bids", f"/staff/bids/{bid_id}"]
    responses = []
    assert writes_during(app, lambda: responses.extend(client.get(page) for page in pages)) == []
    assert [r.status_code for r in responses] == [200] * len(pages)
