"""Money-moving forms act once: the same form sent twice (a double click, two tabs, a replay), or many times at
the same moment from several browsers, records one payment or offer, and the later posts say it was already
recorded. Threads post through the app itself, each with its own client, app context and database connection."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from werkzeug.test import TestResponse

from grants.idempotency import FORM_TOKEN_HOURS, new_form_token
from grants.models import AuditEvent, Award, Payment, utcnow
from tests.awards.helpers import accepted_award, date_parts, london_today, make_setting, offer_form
from tests.support.db import app_session
from tests.support.forms import token_on
from tests.support.signin import signed_in
from tests.support.threads import run_together

PARALLEL = 8
ALREADY = "was already recorded, so nothing was changed"


def _payment(token: str, amount: str = "100") -> dict[str, object]:
    return {"amount": amount, "paid_on": date_parts(london_today()), "reference": "BACS", "form_token": token}


def _counts(app: Flask) -> tuple[int, int, int]:
    """(payments, payment events, awards)"""
    with app_session(app) as s:
        payments = s.scalar(sa.select(sa.func.count(Payment.id))) or 0
        logged = (
            s.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "payment.recorded"))
            or 0
        )
        awards = s.scalar(sa.select(sa.func.count(Award.id))) or 0
        return int(payments), int(logged), int(awards)


def test_the_same_payment_form_sent_twice_records_one_payment(app: Flask) -> None:
    setting = make_setting(app)
    award_id = accepted_award(app, setting)
    staff = signed_in(app.test_client(), setting.staff_email)
    token = token_on(staff.get(f"/staff/awards/{award_id}").text)

    first = staff.post(f"/staff/awards/{award_id}/payments", data=_payment(token), follow_redirects=True)
    again = staff.post(f"/staff/awards/{award_id}/payments", data=_payment(token), follow_redirects=True)

    assert "Payment of £100 recorded" in first.text
    assert f"This payment {ALREADY}" in again.text
    assert _counts(app)[:2] == (1, 1)
    # A fresh page draws a fresh form, which records the next payment.
    token = token_on(again.text)
    staff.post(f"/staff/awards/{award_id}/payments", data=_payment(token))
    assert _counts(app)[:2] == (2, 2)


def test_a_money_form_without_its_token_changes_nothing(app: Flask) -> None:
    setting = make_setting(app)
    award_id = accepted_award(app, setting)
    staff = signed_in(app.test_client(), setting.staff_email)
    data = _payment("")
    del data["form_token"]

    response = staff.post(f"/staff/awards/{award_id}/payments", data=data)

    assert response.status_code == 200 and "This form is out of date, so nothing was changed" in response.text
    assert _counts(app)[0] == 0


def test_a_refused_payment_can_be_corrected_and_sent_again_with_the_same_form(app: Flask) -> None:
    setting = make_setting(app)
    award_id = accepted_award(app, setting)
    staff = signed_in(app.test_client(), setting.staff_email)
    token = token_on(staff.get(f"/staff/awards/{award_id}").text)

    too_much = staff.post(f"/staff/awards/{award_id}/payments", data=_payment(token, amount="900"))
    assert too_much.status_code == 200 and "more than the award" in too_much.text
    assert token_on(too_much.text) == token  # the page shows the same form again, errors and all
    fixed = staff.post(f"/staff/awards/{award_id}/payments", data=_payment(token, amount="90"), follow_redirects=True)
    assert "Payment of £90 recorded" in fixed.text and _counts(app)[0] == 1


def _post_together(app: Flask, email: str, path: str, data: dict[str, object]) -> list[TestResponse]:
    clients = [signed_in(app.test_client(), email) for _ in range(PARALLEL)]
    responses: list[TestResponse] = [None] * PARALLEL  # type: ignore[list-item]

    def post(i: int) -> None:
        responses[i] = clients[i].post(path, data=data)

    errors = run_together(PARALLEL, post)
    assert errors == []
    return responses


def test_the_same_payment_form_posted_many_times_at_once_records_one_payment(app: Flask) -> None:
    setting = make_setting(app)
    award_id = accepted_award(app, setting)
    staff = signed_in(app.test_client(), setting.staff_email)
    token = token_on(staff.get(f"/staff/awards/{award_id}").text)

    responses = _post_together(app, setting.staff_email, f"/staff/awards/{award_id}/payments", _payment(token))

    assert [r.status_code for r in responses] == [302] * PARALLEL
    assert _counts(app)[:2] == (1, 1)
    with app_session(app) as s:
        award = s.get(Award, award_id)
        assert award is not None and award.paid_pence == 100_00


def test_the_same_offer_form_posted_many_times_at_once_makes_one_offer(app: Flask) -> None:
    setting = make_setting(app)
    staff = signed_in(app.test_client(), setting.staff_email)
    token = token_on(staff.get(f"/staff/bids/{setting.funded_id}/offer").text)

    responses = _post_together(
        app, setting.staff_email, f"/staff/bids/{setting.funded_id}/offer", {**offer_form(), "form_token": token}
    )

    assert [r.status_code for r in responses] == [302] * PARALLEL
    assert _counts(app)[2] == 1
    with app_session(app) as s:
        offered = s.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "award.offered")
        )
        assert offered == 1


def test_a_form_left_open_for_more_than_a_day_is_refused_as_out_of_date_and_drawn_again(app: Flask) -> None:
    # A token is good for a day, so the used ones can be pruned: a form that old is refused before its token is
    # looked up (whether or not it was used), nothing changes, and the page it comes back on works.
    setting = make_setting(app)
    award_id = accepted_award(app, setting)
    staff = signed_in(app.test_client(), setting.staff_email)
    stale = new_form_token(utcnow() - timedelta(hours=FORM_TOKEN_HOURS, minutes=1))

    refused = staff.post(f"/staff/awards/{award_id}/payments", data=_payment(stale))

    assert refused.status_code == 200 and "This form is out of date, so nothing was changed" in refused.text
    assert _counts(app)[0] == 0
    fresh = token_on(refused.text)
    assert fresh != stale
    sent = staff.post(f"/staff/awards/{award_id}/payments", data=_payment(fresh), follow_redirects=True)
    assert "Payment of £100 recorded" in sent.text and _counts(app)[0] == 1
