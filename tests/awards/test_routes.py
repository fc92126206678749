"""The award pages: staff make offers and record payments, groups accept or decline, feedback reaches groups;
and who may reach each page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from grants.models import Award, AwardStatus, Feedback, OutboxEmail, Payment, Round, RoundStatus
from tests.awards.helpers import (
    PANELLIST_NAME,
    RECUSED_NAME,
    Setting,
    date_parts,
    london_today,
    make_setting,
    offer_form,
)
from tests.support.db import app_session, emails, events
from tests.support.forms import once
from tests.support.signin import signed_in


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_setting(app)


@pytest.fixture
def staff(app: Flask, setting: Setting) -> FlaskClient:
    return signed_in(app.test_client(), setting.staff_email)


@pytest.fixture
def member(app: Flask, setting: Setting) -> FlaskClient:
    return signed_in(app.test_client(), setting.member_email)


def _award(app: Flask) -> Award:
    with app_session(app) as s:
        award = s.scalars(sa.select(Award)).one()
        _ = award.payments
        return award


def _make_offer(staff: FlaskClient, setting: Setting, **overrides: object) -> int:
    response = staff.post(f"/staff/bids/{setting.funded_id}/offer", data=once(offer_form(**overrides)))
    assert response.status_code == 302, response.text
    match = re.fullmatch(r"/staff/awards/(\d+)", response.headers["Location"])
    assert match
    return int(match.group(1))


def _pay(staff: FlaskClient, award_id: int, amount: str) -> TestResponse:
    return staff.post(
        f"/staff/awards/{award_id}/payments",
        data=once({"amount": amount, "paid_on": date_parts(london_today()), "reference": "BACS"}),
    )


def test_offer_accept_pay_in_full_and_close(
    app: Flask, setting: Setting, staff: FlaskClient, member: FlaskClient
) -> None:
    page = staff.get(f"/staff/rounds/{setting.round_id}/awards")
    assert page.status_code == 200 and "Make an offer" in page.text and "Reason given at screening" in page.text
    form = staff.get(f"/staff/bids/{setting.funded_id}/offer")
    assert form.status_code == 200 and 'value="500"' in form.text

    award_id = _make_offer(staff, setting, withhold_name="y")
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None and round_.status == RoundStatus.AWARDING
    offer_email = emails(app)[-1]
    assert offer_email.to_address == setting.member_email
    assert f"http://localhost/bids/{setting.funded_id}/offer" in offer_email.body_text

    bid_page = member.get(f"/bids/{setting.funded_id}").text
    assert "Read the offer and accept or decline it" in bid_page and "£500" in bid_page
    offer_page = member.get(f"/bids/{setting.funded_id}/offer")
    assert offer_page.status_code == 200 and "Spend it by the end of the year." in offer_page.text
    response = member.post(f"/bids/{setting.funded_id}/offer", data=once({"name": "Maria Okafor", "confirm": "y"}))
    assert response.headers["Location"] == f"/bids/{setting.funded_id}"
    assert _award(app).status == AwardStatus.ACCEPTED
    assert "accepted" in emails(app)[-1].subject

    assert _pay(staff, award_id, "200").status_code == 302
    assert _pay(staff, award_id, "300").status_code == 302
    award = _award(app)
    assert award.status == AwardStatus.PAID_IN_FULL and award.paid_pence == 500_00 and len(award.payments) == 2
    page = staff.get(f"/staff/awards/{award_id}").text
    assert "Paid in full" in page and "Close the award" in page

    bid_page = member.get(f"/bids/{setting.funded_id}").text
    assert "Paid so far" in bid_page and "(paid in full)" in bid_page

    assert staff.post(f"/staff/awards/{award_id}/close", data=once()).status_code == 302
    assert _award(app).status == AwardStatus.CLOSED
    actions = [e.action for e in events(app) if e.object_type == "award"]
    assert actions == [
        "award.offered",
        "award.accepted",
        "payment.recorded",
        "payment.recorded",
        "award.closed",
    ]
    summary = staff.get(f"/staff/rounds/{setting.round_id}/awards").text
    assert "Remaining to offer" in summary and "£500" in summary and "Closed" in summary


def test_decline_with_a_reason(app: Flask, setting: Setting, staff: FlaskClient, member: FlaskClient) -> None:
    _make_offer(staff, setting)
    response = member.post(f"/bids/{setting.funded_id}/offer/decline", data=once({"reason": "We have enough now"}))
    assert response.status_code == 302
    award = _award(app)
    assert award.status == AwardStatus.DECLINED and award.decline_reason == "We have enough now"
    assert "declined the offer" in member.get(f"/bids/{setting.funded_id}").text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": "600"}, "An award cannot be more than the group asked for (£500)"),
        ({"amount": "450"}, "Explain why you are offering less than the group asked for"),
        ({"amount": "lots"}, "Enter the amount in pounds, like 1250 or 1250.50"),
        ({"report_date_1": ["", "", ""], "report_date_2": ["", "", ""]}, "Enter at least one report date"),
        ({"report_date_1": ["1", "1", "2020"]}, "Report dates must be in the future"),
    ],
)
def test_bad_offers_are_explained_and_nothing_is_saved(
    app: Flask, setting: Setting, staff: FlaskClient, overrides: dict[str, object], message: str
) -> None:
    response = staff.post(f"/staff/bids/{setting.funded_id}/offer", data=once(offer_form(**overrides)))
    assert response.status_code == 200
    assert "There is a problem" in response.text and message in response.text
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count(Award.id))) == 0
        assert s.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0


def test_offers_above_the_budget_are_refused(app: Flask) -> None:
    setting = make_setting(app, budget_pence=800_00)
    staff = signed_in(app.test_client(), setting.staff_email)
    _make_offer(staff, setting)
    response = staff.post(f"/staff/bids/{setting.funded2_id}/offer", data=once(offer_form(amount="400")))
    assert response.status_code == 200
    assert "more than the budget of £800" in response.text
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count(Award.id))) == 1


def test_a_payment_past_the_award_or_before_acceptance_is_refused(
    app: Flask, setting: Setting, staff: FlaskClient, member: FlaskClient
) -> None:
    award_id = _make_offer(staff, setting)
    response = _pay(staff, award_id, "100")
    assert response.status_code == 200 and "once the group has accepted the offer" in response.text
    member.post(f"/bids/{setting.funded_id}/offer", data=once({"name": "Maria Okafor", "confirm": "y"}))
    assert _pay(staff, award_id, "400").status_code == 302
    response = _pay(staff, award_id, "150")
    assert response.status_code == 200
    assert "This payment would take the total paid to £550, more than the award of £500" in response.text
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count(Payment.id))) == 1
    assert _award(app).paid_pence == 400_00


def test_accepting_without_ticking_and_after_withdrawal(
    app: Flask, setting: Setting, staff: FlaskClient, member: FlaskClient
) -> None:
    award_id = _make_offer(staff, setting)
    response = member.post(f"/bids/{setting.funded_id}/offer", data=once({"name": "Maria Okafor"}))
    assert response.status_code == 200 and "Tick to confirm that your group accepts the conditions" in response.text
    response = staff.post(f"/staff/awards/{award_id}/withdraw", data=once({"reason": ""}))
    assert response.status_code == 200 and "Enter why you are withdrawing this offer" in response.text
    assert _award(app).status == AwardStatus.OFFERED
    assert (
        staff.post(f"/staff/awards/{award_id}/withdraw", data=once({"reason": "Failed due diligence"})).status_code
        == 302
    )
    response = member.post(f"/bids/{setting.funded_id}/offer", data=once({"name": "Maria Okafor", "confirm": "y"}))
    assert response.status_code == 200 and "can no longer be accepted" in response.text
    assert _award(app).status == AwardStatus.WITHDRAWN
    assert "Failed due diligence" in member.get(f"/bids/{setting.funded_id}").text


def test_accepting_twice_says_so(app: Flask, setting: Setting, staff: FlaskClient, member: FlaskClient) -> None:
    _make_offer(staff, setting)
    member.post(f"/bids/{setting.funded_id}/offer", data=once({"name": "Maria Okafor", "confirm": "y"}))
    response = member.post(f"/bids/{setting.funded_id}/offer", data=once({"name": "Maria Okafor", "confirm": "y"}))
    assert response.status_code == 200 and "You have already accepted this offer" in response.text


def test_feedback_from_comments_without_names_read_by_the_group(
    app: Flask, setting: Setting, staff: FlaskClient
) -> None:
    page = staff.get(f"/staff/bids/{setting.unfunded_id}/feedback")
    assert page.status_code == 200
    assert "Clear need in the area." in page.text and "The plan needs more detail" in page.text
    assert PANELLIST_NAME not in page.text and RECUSED_NAME not in page.text
    assert "A comment from a recused panellist." not in page.text
    draft = page.text.split('name="text"')[1].split("</textarea>")[0]
    assert "Clear need in the area." in draft

    text = "Thank you. The panel liked the need but wanted more detail on who will run it."
    response = staff.post(f"/staff/bids/{setting.unfunded_id}/feedback", data={"text": text})
    assert response.headers["Location"] == f"/staff/rounds/{setting.round_id}/awards"
    with app_session(app) as s:
        feedback = s.scalars(sa.select(Feedback)).one()
        assert feedback.text == text and feedback.sent_by_id == setting.staff_id
    assert emails(app)[-1].to_address == setting.unfunded_member_email

    group = signed_in(app.test_client(), setting.unfunded_member_email)
    bid_page = group.get(f"/bids/{setting.unfunded_id}").text
    assert "Feedback from the panel" in bid_page and "wanted more detail on who will run it" in bid_page
    assert PANELLIST_NAME not in bid_page


def test_feedback_for_a_funded_bid_is_refused(app: Flask, setting: Setting, staff: FlaskClient) -> None:
    page = staff.get(f"/staff/bids/{setting.funded_id}/feedback")
    assert "the group gets an offer, not feedback" in page.text and 'name="text"' not in page.text
    response = staff.post(f"/staff/bids/{setting.funded_id}/feedback", data={"text": "Hello"})
    assert response.status_code == 200 and "the group gets an offer, not feedback" in response.text
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count(Feedback.id))) == 0


# --- who may reach what ------------------------------------------------------------------------------------------


def _staff_pages(setting: Setting, award_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", f"/staff/rounds/{setting.round_id}/awards"),
        ("GET", f"/staff/bids/{setting.funded2_id}/offer"),
        ("POST", f"/staff/bids/{setting.funded2_id}/offer"),
        ("GET", f"/staff/awards/{award_id}"),
        ("POST", f"/staff/awards/{award_id}/payments"),
        ("POST", f"/staff/awards/{award_id}/withdraw"),
        ("POST", f"/staff/awards/{award_id}/close"),
        ("GET", f"/staff/bids/{setting.unfunded_id}/feedback"),
        ("POST", f"/staff/bids/{setting.unfunded_id}/feedback"),
    ]


def test_access_to_award_pages(app: Flask, setting: Setting, staff: FlaskClient) -> None:
    award_id = _make_offer(staff, setting)
    pages = _staff_pages(setting, award_id)
    group_pages = [
        ("GET", f"/bids/{setting.funded_id}/offer"),
        ("POST", f"/bids/{setting.funded_id}/offer"),
        ("POST", f"/bids/{setting.funded_id}/offer/decline"),
    ]

    def call(client: FlaskClient, method: str, path: str) -> int:
        return (client.post(path, data={}) if method == "POST" else client.get(path)).status_code

    anonymous = app.test_client()
    for method, path in pages + group_pages:
        response = anonymous.post(path) if method == "POST" else anonymous.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in"), path

    for email in (setting.member_email, setting.panellist_email):
        client = signed_in(app.test_client(), email)
        for method, path in pages:
            assert call(client, method, path) == 403, (email, path)

    other_staff = signed_in(app.test_client(), setting.other_staff_email)
    for method, path in pages:
        assert call(other_staff, method, path) == 404, path

    other_applicant = signed_in(app.test_client(), setting.other_applicant_email)
    for method, path in group_pages:
        assert call(other_applicant, method, path) == 404, path
    # A member of a group with no award sees no offer page either.
    unfunded = signed_in(app.test_client(), setting.unfunded_member_email)
    assert unfunded.get(f"/bids/{setting.unfunded_id}/offer").status_code == 404
    assert _award(app).status == AwardStatus.OFFERED
