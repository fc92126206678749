"""Staff are shown the bids of a round whose groups share a person (one account in two groups), so they can look."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import Bid, BidStatus, GroupMember, Round
from grants.screening.queries import shared_members
from tests.screening.helpers import make_setting
from tests.support.db import app_session
from tests.support.factories import make_sent_bid, make_user
from tests.support.signin import sign_in

TAG = "Shares a member with"


def _round_with_a_shared_member(app: Flask) -> tuple[str, int, dict[str, int]]:
    """The setting's round (with its one sent bid) and three more sent bids, 9002 to 9004, and a draft, 9005; one
    person belongs to the groups of 9002, 9003 and the draft; 9004 and the setting's bid stand apart."""
    setting = make_setting(app)
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        bids = {
            name: make_sent_bid(s, round_, number=n, group_name=name)
            for n, name in ((9002, "Elm Park Allotments"), (9003, "Elm Park Growers"), (9004, "Northside Food Share"))
        }
        draft = make_sent_bid(s, round_, number=9005, group_name="Elm Park Again", status=BidStatus.DRAFT)
        person = make_user(s, email="busy@example.org")
        for bid in (bids["Elm Park Allotments"], bids["Elm Park Growers"], draft):
            s.add(GroupMember(group_id=bid.group_id, user_id=person.id))
        # Another member of Northside only: no one shared.
        s.add(GroupMember(group_id=bids["Northside Food Share"].group_id, user_id=make_user(s).id))
        s.flush()
        return setting.staff_email, round_.id, {name: bid.id for name, bid in bids.items()} | {"draft": draft.id}


def test_the_query_finds_the_sent_bids_whose_groups_share_a_person(app: Flask) -> None:
    _, round_id, ids = _round_with_a_shared_member(app)
    with app_session(app) as s:
        round_ = s.get(Round, round_id)
        assert round_ is not None
        code = round_.code
        found = shared_members(s, round_)
    assert found == {
        ids["Elm Park Allotments"]: [f"{code}-9003"],
        ids["Elm Park Growers"]: [f"{code}-9002"],
    }


def test_the_screening_list_and_the_bid_page_flag_a_shared_member(app: Flask, client: FlaskClient) -> None:
    staff_email, round_id, ids = _round_with_a_shared_member(app)
    sign_in(client, staff_email)
    page = client.get(f"/staff/rounds/{round_id}/bids").text
    with app_session(app) as s:
        code = s.scalar(sa.select(Round.code).where(Round.id == round_id))
        rows = dict(s.execute(sa.select(Bid.id, Bid.number).where(Bid.round_id == round_id)).all())
    assert page.count(TAG) == 2
    assert f"{TAG} {code}-9003" in page and f"{TAG} {code}-9002" in page
    shared = client.get(f"/staff/bids/{ids['Elm Park Growers']}").text
    assert f"{TAG} {code}-9002." in shared and "not one group applying more than once" in shared
    apart = client.get(f"/staff/bids/{ids['Northside Food Share']}").text
    assert TAG not in apart
    assert rows[ids["Elm Park Growers"]] == 9003
