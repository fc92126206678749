"""A new group applies from the round's page to the confirmation page, and staff screen the bid: in a real
browser, with CSRF checks on as in production."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from grants.models import Bid, BidStatus, Question, Round, RoundStatus
from tests.e2e.conftest import sign_in_as
from tests.support.db import app_session
from tests.support.factories import PASSWORD, make_funder, make_round, make_staff
from tests.support.signin import last_emailed_link

pytestmark = pytest.mark.e2e


@pytest.fixture
def round_id(app: Flask) -> int:
    with app_session(app) as s:
        funder = make_funder(s, name="Riverside Community Fund")
        make_staff(s, funder, email="staff@example.com", name="Priya Shah")
        round_ = make_round(
            s, funder, code="RSS27", title="Small Sparks 2027", min_grant_pence=250_00, max_grant_pence=2_000_00
        )
        round_.questions.append(Question(position=2, prompt="Who will benefit?", word_limit=100))
        return round_.id


def test_a_new_group_applies_from_the_round_page_to_the_confirmation(
    app: Flask, live_server: str, page: Page, round_id: int
) -> None:
    page.goto(f"{live_server}/rounds/{round_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Small Sparks 2027")
    page.get_by_role("button", name="Start your bid").click()

    # Not signed in yet: create an account, and come straight back to the application.
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    page.get_by_role("link", name="create an account").click()
    page.get_by_label("Your name").fill("Maria Okafor")
    page.get_by_label("Email address").fill("maria@example.com")
    page.get_by_label("Create a password", exact=True).fill(PASSWORD)
    page.get_by_label("Type the password again", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    # The account is made by the link emailed to the address, which brings Maria back to her application.
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(live_server + last_emailed_link(app, "maria@example.com", "/register/"))
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("heading", name="Tell us about your group")).to_be_visible()
    page.get_by_label("Name of your group").fill("Friends of Elm Park")
    page.get_by_label("Where does your group work?").fill("Elm Park, RV3")
    page.get_by_label("Informal group").check()
    page.get_by_role("button", name="Save", exact=True).click()

    page.get_by_role("button", name="Start your bid").click()
    expect(page.get_by_text("RSS27-0001")).to_be_visible()

    page.get_by_role("link", name="Check your group's details").click()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Give your idea a short name").fill("Saturday growing club")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("What will you do?").fill("Start a Saturday growing club in the park for families.")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Who will benefit?").fill("About thirty families from the estate.")
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_label("Amount in pounds").fill("1450")
    page.get_by_label("Item 1", exact=True).fill("Raised beds")
    page.get_by_label("Cost of item 1 in pounds").fill("1000")
    page.get_by_label("Item 2", exact=True).fill("Tools")
    page.get_by_label("Cost of item 2 in pounds").fill("450")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Continue").click()

    page.get_by_role("link", name="Check your answers and send").click()
    expect(page.get_by_text("About thirty families from the estate.")).to_be_visible()
    page.get_by_label("Your full name").fill("Maria Okafor")
    page.get_by_label("I confirm that what we have written is true").check()
    page.get_by_role("button", name="Send the bid").click()

    expect(page.get_by_role("heading", name="Bid sent")).to_be_visible()
    expect(page.get_by_text("RSS27-0001")).to_be_visible()
    with app_session(app) as s:
        bid = s.scalars(sa.select(Bid)).one()
        assert bid.status == BidStatus.SUBMITTED and bid.amount_pence == 1_450_00


def test_staff_screen_a_bid_and_the_group_reads_the_reason(
    app: Flask, live_server: str, page: Page, round_id: int
) -> None:
    from tests.support.factories import make_bid, make_group_with_member, make_user

    with app_session(app) as s:
        applicant = make_user(s, email="maria@example.com", name="Maria Okafor")
        group = make_group_with_member(s, applicant, name="Friends of Elm Park")
        round_ = s.get(Round, round_id)
        assert round_ is not None
        bid = make_bid(s, round_, group, status=BidStatus.SUBMITTED)
        bid.title = "Floodlights for the park"
        round_.status = RoundStatus.CLOSED
        bid_id = bid.id

    sign_in_as(page, live_server, "staff@example.com")
    page.goto(f"{live_server}/staff/rounds/{round_id}/bids")
    page.get_by_role("link", name=re.compile(r"^RSS27-\d{4}$")).click()
    expect(page.get_by_text("Floodlights for the park").first).to_be_visible()
    page.get_by_label("Not eligible").check()
    page.get_by_label("Reason the group will read").fill("This round does not pay for lighting.")
    page.get_by_role("button", name="Save decision and tell the group").click()
    expect(page.get_by_text("Not eligible").first).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in_as(page, live_server, "maria@example.com")
    page.goto(f"{live_server}/bids/{bid_id}")
    expect(page.get_by_text("This round does not pay for lighting.")).to_be_visible()
    expect(page.get_by_text("Ineligible").first).to_be_visible()
