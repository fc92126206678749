"""The browser test walks a panellist from the invitation link to a cast ballot and a checked receipt: they create
their account from the link, agree to the code of conduct, declare their conflicts (one of them a conflict), vote
in an approval round, and once the round is decided check their receipt code. In a real browser, CSRF on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from grants.auth.invitations import invite
from grants.models import (
    Ballot,
    BidStatus,
    ConflictDeclaration,
    ConflictKind,
    Role,
    Round,
    RoundStatus,
    User,
    VotingMethod,
    utcnow,
)
from tests.support.db import app_session
from tests.support.factories import PASSWORD, make_funder, make_round, make_sent_bid, make_staff

pytestmark = pytest.mark.e2e

RESIDENT = "resident@example.com"
# (group, bid title, amount in pence), in reference order.
BIDS = [
    ("Friends of Elm Park", "Saturday growing club", 800_00),
    ("Northside Youth Football", "New goalposts", 600_00),
    ("Riverside Food Share", "A second fridge", 400_00),
]
CONFLICTED = 1  # the resident declares a conflict with the second bid
RECEIPT_CODE = re.compile(r"^[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}$")


@dataclass(frozen=True)
class Invited:
    round_id: int
    bid_ids: list[int]
    invitation_path: str


@pytest.fixture
def invited(app: Flask) -> Invited:
    """An approval round (K = 2) in voting with three eligible bids, and a panel invitation for the resident."""
    now = utcnow()
    with app_session(app) as s, app.test_request_context():
        funder = make_funder(s, name="Riverside Community Fund")
        make_staff(s, funder, email="staff@example.com", name="Priya Shah")
        round_ = make_round(
            s,
            funder,
            code="WARM26",
            title="Warm Spaces 2026",
            status=RoundStatus.VOTING,
            budget_pence=1_500_00,
            max_grant_pence=1_000_00,
            opens_at=now - timedelta(days=60),
            closes_at=now - timedelta(days=30),
            scoring_closes_at=now - timedelta(days=2),
            voting_closes_at=now + timedelta(days=7),
            voting_method=VotingMethod.APPROVAL,
            approval_limit=2,
        )
        bids = [
            make_sent_bid(
                s,
                round_,
                number=i + 1,
                group_name=group,
                title=title,
                amount_pence=amount,
                status=BidStatus.ELIGIBLE,
            )
            for i, (group, title, amount) in enumerate(BIDS)
        ]
        assert all(bid.submitted_at is not None for bid in bids)
        issued = invite(s, email=RESIDENT, role=Role.PANELLIST, round=round_)
        return Invited(
            round_id=round_.id,
            bid_ids=[bid.id for bid in bids],
            invitation_path=f"/invitations/{issued.token}",
        )


def test_a_panellist_goes_from_the_invitation_to_a_cast_ballot_and_a_checked_receipt(
    app: Flask, live_server: str, page: Page, invited: Invited
) -> None:
    # The invitation link: create the account (the email is the invited one, so it is not asked for).
    page.goto(f"{live_server}{invited.invitation_path}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You are invited to join the community panel for Warm Spaces 2026"
    )
    expect(page.get_by_text(RESIDENT)).to_be_visible()
    page.get_by_label("Your name").fill("Rosa Patel")
    page.get_by_label("Create a password", exact=True).fill(PASSWORD)
    page.get_by_label("Type the password again", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account and accept").click()

    expect(page.get_by_text("Welcome. Your account is ready and your invitation is accepted.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your panels")).to_be_visible()
    page.get_by_role("link", name="Read the code of conduct for Warm Spaces 2026").click()

    # The code of conduct: read it, then agree.
    expect(page.get_by_role("heading", name="Before you start: the panel's code of conduct")).to_be_visible()
    expect(page.get_by_role("heading", name="Be honest about conflicts of interest")).to_be_visible()
    page.get_by_role("button", name="I agree to the code of conduct").click()
    expect(page.get_by_text("Thank you for agreeing to the code of conduct.")).to_be_visible()

    # Conflicts of interest: none with two bids, a personal conflict (with a note) with the third.
    page.get_by_role("link", name="Say if you have a conflict with any bid").click()
    expect(page.get_by_role("heading", name="Do you have a conflict of interest with any bid?")).to_be_visible()
    expect(page.get_by_text("You have answered for 0 of 3 bids.")).to_be_visible()
    for i, ((group, title, _), bid_id) in enumerate(zip(BIDS, invited.bid_ids, strict=True)):
        question = page.get_by_role("group", name=f"{group}: {title}", exact=True)
        if i == CONFLICTED:
            question.get_by_label("Personal (for example a friend or relative is involved)").check()
            page.locator(f"#bid-{bid_id}").get_by_label("If you have a conflict, say what it is").fill(
                "My brother coaches the under-12s."
            )
        else:
            question.get_by_label("No conflict", exact=True).check()
    page.get_by_role("button", name="Save your answers").click()
    expect(page.get_by_text("Your answers are saved. You have answered for every bid.")).to_be_visible()

    # The vote: the conflicted bid is shown but has no box to tick.
    expect(page.get_by_role("heading", name="Your panel tasks")).to_be_visible()
    page.get_by_role("link", name="Vote", exact=True).click()
    expect(page.get_by_role("heading", name="Your vote", exact=True)).to_be_visible()
    conflicted_title = BIDS[CONFLICTED][1]
    expect(page.get_by_role("checkbox")).to_have_count(2)
    expect(page.get_by_role("checkbox", name=conflicted_title)).to_have_count(0)
    expect(page.get_by_text(conflicted_title, exact=True)).to_be_visible()
    expect(page.get_by_text("You declared a conflict")).to_be_visible()
    page.get_by_label("Saturday growing club").check()
    page.get_by_label("A second fridge").check()
    page.get_by_role("button", name="Cast your ballot").click()

    expect(page.get_by_role("heading", name="Your ballot is cast")).to_be_visible()
    code_text = page.get_by_text(RECEIPT_CODE)
    expect(code_text).to_have_count(1)
    code = code_text.inner_text().strip()
    expect(page.get_by_role("listitem").filter(has_text="Saturday growing club")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="A second fridge")).to_be_visible()

    with app_session(app) as s:
        resident = s.scalars(sa.select(User).where(User.email == RESIDENT)).one()
        assert resident.name == "Rosa Patel"
        conflict = s.scalars(
            sa.select(ConflictDeclaration).where(
                ConflictDeclaration.user_id == resident.id, ConflictDeclaration.kind != ConflictKind.NONE
            )
        ).one()
        assert (conflict.bid_id, conflict.kind, conflict.note) == (
            invited.bid_ids[CONFLICTED],
            ConflictKind.PERSONAL,
            "My brother coaches the under-12s.",
        )
        ballot = s.scalars(sa.select(Ballot).where(Ballot.round_id == invited.round_id, Ballot.is_current)).one()
        assert ballot.user_id == resident.id
        assert ballot.receipt_code == code
        assert sorted(choice.bid_id for choice in ballot.choices) == [invited.bid_ids[0], invited.bid_ids[2]]

        # The round is decided (staff ratify it; not what this test is about).
        round_ = s.get(Round, invited.round_id)
        assert round_ is not None
        round_.status = RoundStatus.DECIDED

    # The receipts page: the code is on the list, and checking it says the ballot was counted as cast.
    page.goto(f"{live_server}/rounds/{invited.round_id}/receipts")
    expect(page.get_by_role("heading", name="Ballot receipts")).to_be_visible()
    expect(page.get_by_text("1 ballot was counted.")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=code)).to_be_visible()
    page.get_by_label("Your receipt code").fill(code)
    page.get_by_role("button", name="Check my ballot").click()
    expect(page.get_by_role("status")).to_contain_text("Your ballot was counted as cast")
    expect(page.get_by_role("heading", name="Your ballot was counted as cast")).to_be_visible()
