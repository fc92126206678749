"""A draft is still the group's own: staff and auditors of the funder cannot reach it until the group sends it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from grants.models import BidStatus, RoundStatus
from tests.support.db import app_session
from tests.support.factories import (
    make_auditor,
    make_bid,
    make_funder,
    make_group_with_member,
    make_round,
    make_staff,
    make_user,
)
from tests.support.signin import sign_in


@dataclass(frozen=True)
class Drafts:
    round_id: int
    draft_id: int
    draft_title: str
    sent_id: int


@pytest.fixture
def drafts(app: Flask) -> Drafts:
    with app_session(app) as s:
        funder = make_funder(s)
        make_staff(s, funder, email="staff@example.com")
        make_auditor(s, funder, email="auditor@example.com")
        round_ = make_round(s, funder, status=RoundStatus.OPEN)
        group = make_group_with_member(s, make_user(s))
        draft = make_bid(s, round_, group, title="Half-written idea")
        sent = make_bid(s, round_, make_group_with_member(s, make_user(s), name="Other"), status=BidStatus.SUBMITTED)
        return Drafts(round_.id, draft.id, draft.title or "", sent.id)


@pytest.mark.parametrize("email", ["staff@example.com", "auditor@example.com"])
def test_the_audit_pages_do_not_show_a_draft(client: FlaskClient, drafts: Drafts, email: str) -> None:
    sign_in(client, email)
    assert client.get(f"/audit/bids/{drafts.draft_id}").status_code == 404
    assert client.get(f"/audit/bids/{drafts.sent_id}").status_code == 200
    page = client.get(f"/audit/rounds/{drafts.round_id}")
    assert page.status_code == 200
    assert drafts.draft_title not in page.get_data(as_text=True)


@pytest.mark.parametrize("page", ["offer", "feedback"])
def test_staff_cannot_offer_or_give_feedback_on_a_draft(client: FlaskClient, drafts: Drafts, page: str) -> None:
    sign_in(client, "staff@example.com")
    assert client.get(f"/staff/bids/{drafts.draft_id}/{page}").status_code == 404
    assert client.post(f"/staff/bids/{drafts.draft_id}/{page}").status_code == 404
