"""From a closed vote to money and feedback, in a real browser (CSRF on): staff propose ratifying the tally as it
stands and a colleague confirms it, staff make an offer to the funded group, the group accepts it, staff record a
payment and send feedback to the group that was not funded, and that group reads it on its bid's page without any
panellist's name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from grants.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    ConflictDeclaration,
    ConflictKind,
    Criterion,
    Feedback,
    PanelMember,
    Payment,
    Round,
    RoundStatus,
    Score,
    VotingMethod,
    utcnow,
)
from tests.awards.helpers import future, london_today
from tests.decisions.helpers import add_ballot
from tests.e2e.conftest import sign_in_as
from tests.support.db import app_session
from tests.support.factories import make_funder, make_group_with_member, make_round, make_staff, make_user

pytestmark = pytest.mark.e2e

STAFF = "staff@example.com"
COLLEAGUE = "colleague@example.com"  # the second member of staff, who confirms what staff propose
FUNDED_MEMBER = "maria@example.com"
UNFUNDED_MEMBER = "sam@example.com"
PANELLISTS = ["Winifred Quarrington", "Bartholomew Ashdown", "Ottoline Fairweather"]
NEED_COMMENT = "A clear need: the pitch has no goals at all."
PLAN_COMMENT = "The plan needs more detail on who will look after the goalposts."


@dataclass(frozen=True)
class ClosedVote:
    round_id: int
    funded_id: int  # GROW26-0001, asks for £800: approved by all three panellists
    unfunded_id: int  # GROW26-0002, asks for £600: approved by two, and does not fit in the £200 left


def _bid(
    s: Session, round_: Round, *, member_email: str, member_name: str, group: str, title: str, amount_pence: int
) -> Bid:
    member = make_user(s, email=member_email, name=member_name)
    bid = Bid(
        round_id=round_.id,
        group_id=make_group_with_member(s, member, name=group).id,
        number=round_.bid_counter + 1,
        title=title,
        amount_pence=amount_pence,
        status=BidStatus.ELIGIBLE,
        submitted_at=utcnow() - timedelta(days=25),
        screened_at=utcnow() - timedelta(days=18),
    )
    round_.bid_counter += 1
    s.add(bid)
    s.flush()
    return bid


@pytest.fixture
def closed_vote(app: Flask) -> ClosedVote:
    """An approval round (K = 2, budget £1,000) whose vote closed an hour ago, with two eligible bids from two
    groups (each with a member account), three panellists who accepted the code of conduct, declared no
    conflict, scored both bids (with comments on the second) and cast current ballots."""
    now = utcnow()
    with app_session(app) as s:
        funder = make_funder(s, name="Riverside Community Fund")
        make_staff(s, funder, email=STAFF, name="Priya Shah")
        make_staff(s, funder, email=COLLEAGUE, name="Daniel Okafor")
        round_ = make_round(
            s,
            funder,
            code="GROW26",
            title="Green Spaces 2026",
            status=RoundStatus.VOTING,
            budget_pence=1_000_00,
            max_grant_pence=1_000_00,
            opens_at=now - timedelta(days=60),
            closes_at=now - timedelta(days=30),
            scoring_closes_at=now - timedelta(days=5),
            voting_closes_at=now - timedelta(hours=1),
            voting_method=VotingMethod.APPROVAL,
            approval_limit=2,
            quorum=2,
        )
        round_.criteria.append(Criterion(position=2, name="Plan", weight=1))
        s.flush()
        need, plan = round_.criteria
        funded = _bid(
            s,
            round_,
            member_email=FUNDED_MEMBER,
            member_name="Maria Okafor",
            group="Friends of Elm Park",
            title="Saturday growing club",
            amount_pence=800_00,
        )
        unfunded = _bid(
            s,
            round_,
            member_email=UNFUNDED_MEMBER,
            member_name="Sam Lee",
            group="Northside Youth Football",
            title="New goalposts",
            amount_pence=600_00,
        )
        for i, name in enumerate(PANELLISTS):
            panellist = make_user(s, name=name)
            s.add(PanelMember(round_id=round_.id, user_id=panellist.id, conduct_accepted_at=now - timedelta(days=20)))
            for bid in (funded, unfunded):
                s.add(
                    ConflictDeclaration(round_id=round_.id, user_id=panellist.id, bid_id=bid.id, kind=ConflictKind.NONE)
                )
            for criterion in (need, plan):
                s.add(
                    Score(
                        round_id=round_.id, user_id=panellist.id, bid_id=funded.id, criterion_id=criterion.id, value=5
                    )
                )
            s.add_all(
                [
                    Score(
                        round_id=round_.id,
                        user_id=panellist.id,
                        bid_id=unfunded.id,
                        criterion_id=need.id,
                        value=4,
                        comment=NEED_COMMENT if i == 0 else "",
                    ),
                    Score(
                        round_id=round_.id,
                        user_id=panellist.id,
                        bid_id=unfunded.id,
                        criterion_id=plan.id,
                        value=2,
                        comment=PLAN_COMMENT if i == 1 else "",
                    ),
                ]
            )
            s.flush()
            add_ballot(s, round_, panellist.id, [funded.id, unfunded.id] if i < 2 else [funded.id])
        return ClosedVote(round_id=round_.id, funded_id=funded.id, unfunded_id=unfunded.id)


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def _fill_date(page: Page, legend: str, day: date) -> None:
    when = page.get_by_role("group", name=legend, exact=True)
    when.get_by_label("Day").fill(str(day.day))
    when.get_by_label("Month").fill(str(day.month))
    when.get_by_label("Year").fill(str(day.year))


def test_staff_ratify_the_group_accepts_staff_pay_and_an_unfunded_group_reads_its_feedback(
    app: Flask, live_server: str, page: Page, closed_vote: ClosedVote
) -> None:
    round_id = closed_vote.round_id

    # Staff ratify the tally as it stands: the £800 bid is funded, the £600 bid does not fit in the £200 left.
    sign_in_as(page, live_server, STAFF)
    page.goto(f"{live_server}/staff/rounds/{round_id}/tally")
    expect(page.get_by_role("heading", name="Tally and decision")).to_be_visible()
    expect(page.get_by_role("heading", name="The result", exact=True)).to_be_visible()
    expect(page.get_by_text("Funded, in the order the money went:")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="GROW26-0001 Saturday growing club, £800")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="GROW26-0001")).to_contain_text("Funded")
    expect(page.get_by_role("row").filter(has_text="GROW26-0002")).to_contain_text(
        "Not funded: ranked below the bids that used the budget"
    )
    # Two people take the decision: staff propose ratifying, their colleague confirms.
    page.get_by_role("button", name="Propose ratifying as it stands").click()
    expect(page.get_by_text("You have proposed to ratify the result.")).to_be_visible()
    expect(page.get_by_text("You proposed this, so a colleague must confirm it.")).to_be_visible()
    _sign_out(page)
    sign_in_as(page, live_server, COLLEAGUE)
    page.goto(f"{live_server}/staff/rounds/{round_id}/tally")
    expect(page.get_by_text("Priya Shah proposes to ratify the result")).to_be_visible()
    page.get_by_role("button", name="Confirm Priya Shah's proposal").click()
    expect(page.get_by_text("Confirmed and ratified: the round is decided.")).to_be_visible()
    expect(page.get_by_role("heading", name="Ratified", exact=True)).to_be_visible()
    expect(page.get_by_text("by Priya Shah")).to_be_visible()
    _sign_out(page)
    sign_in_as(page, live_server, STAFF)

    # The offer: the amount asked for is filled in; one report date, in the future.
    page.goto(f"{live_server}/staff/rounds/{round_id}/awards")
    expect(page.get_by_role("heading", name="Awards and feedback")).to_be_visible()
    page.get_by_role("link", name="Make an offer for GROW26-0001").click()
    expect(page.get_by_role("heading", name="Make an offer")).to_be_visible()
    expect(page.get_by_label("Amount offered")).to_have_value("800")
    page.get_by_label("Conditions of the grant (optional)").fill("Spend it by the end of the year.")
    _fill_date(page, "First report date", future(90))
    page.get_by_role("button", name="Make the offer and tell the group").click()
    expect(page.get_by_text("Offer of £800 made for GROW26-0001. We have emailed the group.")).to_be_visible()
    expect(page.get_by_role("heading", name="Award of £800")).to_be_visible()
    expect(page.get_by_text("Payments can be recorded once the group has accepted the offer.")).to_be_visible()
    _sign_out(page)

    # The funded group's member opens their bid, reads the offer and accepts it.
    sign_in_as(page, live_server, FUNDED_MEMBER)
    expect(page.get_by_role("heading", name="Your bids")).to_be_visible()
    page.get_by_role("link", name="Saturday growing club").click()
    expect(page.get_by_role("heading", name="Your award")).to_be_visible()
    page.get_by_role("link", name="Read the offer and accept or decline it").click()
    expect(page.get_by_role("heading", name="An offer of £800")).to_be_visible()
    expect(page.get_by_text("Spend it by the end of the year.")).to_be_visible()
    page.get_by_label("Your full name").fill("Maria Okafor")
    page.get_by_label("We accept the conditions").check()
    page.get_by_role("button", name="Accept the offer").click()
    expect(
        page.get_by_text("You have accepted the offer. Thank you: we will be in touch about payment.")
    ).to_be_visible()
    expect(page.get_by_text("£800, accepted")).to_be_visible()
    _sign_out(page)

    # Staff record a first payment of £500, paid today.
    sign_in_as(page, live_server, STAFF)
    page.goto(f"{live_server}/staff/rounds/{round_id}/awards")
    page.get_by_role("link", name="View award for GROW26-0001").click()
    expect(page.get_by_text("by Maria Okafor")).to_be_visible()
    page.get_by_label("Amount paid").fill("500")
    _fill_date(page, "Date paid", london_today())
    page.get_by_label("Payment reference (optional)").fill("BACS 0412")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text("Payment of £500 recorded.")).to_be_visible()
    payments = page.get_by_role("table").filter(has_text="BACS 0412")
    expect(payments).to_contain_text("£500")

    # Staff compose the feedback for the unfunded bid from the panel's comments (no names) and send it.
    page.get_by_role("link", name="Awards for Green Spaces 2026").click()
    page.get_by_role("link", name="Write feedback for GROW26-0002").click()
    expect(page.get_by_role("heading", name="Feedback to the group")).to_be_visible()
    expect(page.get_by_text(NEED_COMMENT).first).to_be_visible()
    text = page.get_by_label("Feedback the group will read")
    expect(text).to_have_value(re.compile(re.escape(PLAN_COMMENT)))
    drafted = text.input_value()
    assert not any(name in drafted for name in PANELLISTS)
    text.fill(drafted + "\n\nDo apply again next year: we would be glad to read a new bid.")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_text("Feedback sent for GROW26-0002. We have emailed the group.")).to_be_visible()
    expect(page.get_by_role("link", name="Read feedback for GROW26-0002")).to_be_visible()
    _sign_out(page)

    # The unfunded group's member reads the feedback on their bid's page; no panellist is named.
    sign_in_as(page, live_server, UNFUNDED_MEMBER)
    page.get_by_role("link", name="New goalposts").click()
    expect(page.get_by_role("heading", name="Feedback from the panel")).to_be_visible()
    expect(page.get_by_text("Your bid was not chosen for funding this time.")).to_be_visible()
    expect(page.get_by_text(PLAN_COMMENT)).to_be_visible()
    expect(page.get_by_text("Do apply again next year")).to_be_visible()
    for name in PANELLISTS:
        expect(page.get_by_text(name)).to_have_count(0)
    expect(page.get_by_role("heading", name="Your award")).to_have_count(0)

    with app_session(app) as s:
        round_ = s.get(Round, round_id)
        assert round_ is not None and round_.status == RoundStatus.AWARDING
        award = s.scalars(sa.select(Award).where(Award.round_id == round_id)).one()
        assert award.bid_id == closed_vote.funded_id
        assert award.status == AwardStatus.ACCEPTED
        assert (award.amount_pence, award.paid_pence, award.accepted_name) == (800_00, 500_00, "Maria Okafor")
        assert [d.due_on for d in award.report_dates] == [future(90)]
        payment = s.scalars(sa.select(Payment).where(Payment.award_id == award.id)).one()
        assert (payment.amount_pence, payment.paid_on, payment.reference) == (500_00, london_today(), "BACS 0412")
        feedback = s.scalars(sa.select(Feedback)).one()
        assert feedback.bid_id == closed_vote.unfunded_id
        assert feedback.sent_at is not None
        assert NEED_COMMENT in feedback.text and PLAN_COMMENT in feedback.text
        assert not any(name in feedback.text for name in PANELLISTS)
