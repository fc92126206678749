"""A payment recorded in error is reversed by a reversing entry with a reason, never deleted: the award's total
and its cap count the reversal, the chain records it, and the award page shows both entries."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from grants.audit.walk import verify_all_chains
from grants.models import AuditEvent, Award, AwardStatus, Payment
from tests.awards.helpers import Setting, accepted_award, date_parts, london_today, make_setting
from tests.support.db import app_session
from tests.support.forms import once
from tests.support.signin import signed_in

REASON = "Recorded twice by mistake: the bank sent one transfer"


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_setting(app)


@pytest.fixture
def staff(app: Flask, setting: Setting) -> FlaskClient:
    return signed_in(app.test_client(), setting.staff_email)


def _pay(staff: FlaskClient, award_id: int, amount: str) -> None:
    data = once(amount=amount, paid_on=date_parts(london_today()), reference="BACS")
    assert staff.post(f"/staff/awards/{award_id}/payments", data=data).status_code == 302


def _payments(app: Flask, award_id: int) -> list[Payment]:
    with app_session(app) as s:
        return list(s.scalars(sa.select(Payment).where(Payment.award_id == award_id).order_by(Payment.id)))


def _award(app: Flask, award_id: int) -> Award:
    with app_session(app) as s:
        award = s.get(Award, award_id)
        assert award is not None
        return award


def _reverse(staff: FlaskClient, award_id: int, payment_id: int, reason: str = REASON) -> TestResponse:
    return staff.post(f"/staff/awards/{award_id}/payments/{payment_id}/reverse", data=once(reason=reason))


def test_a_payment_in_error_is_reversed_with_a_reason_and_kept(
    app: Flask, setting: Setting, staff: FlaskClient
) -> None:
    award_id = accepted_award(app, setting)
    _pay(staff, award_id, "500")
    assert _award(app, award_id).status == AwardStatus.PAID_IN_FULL
    (paid,) = _payments(app, award_id)

    response = _reverse(staff, award_id, paid.id)

    assert response.status_code == 302
    original, reversal = _payments(app, award_id)
    assert original.id == paid.id and original.amount_pence == 500_00  # kept, unchanged
    assert reversal.amount_pence == -500_00 and reversal.reverses_id == paid.id and reversal.reason == REASON
    award = _award(app, award_id)
    assert award.paid_pence == 0 and award.status == AwardStatus.ACCEPTED
    page = staff.get(f"/staff/awards/{award_id}").text
    assert "Reversal" in page and REASON in page and "(reversed)" in page
    with app_session(app) as s:
        event = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "payment.reversed")).one()
        assert event.facts["reverses_payment_id"] == paid.id and event.facts["amount_pence"] == -500_00
        assert all(report.ok for report in verify_all_chains(s))


def test_the_award_cap_counts_the_reversal(app: Flask, setting: Setting, staff: FlaskClient) -> None:
    award_id = accepted_award(app, setting)
    _pay(staff, award_id, "300")
    (wrong,) = _payments(app, award_id)
    _reverse(staff, award_id, wrong.id)

    _pay(staff, award_id, "500")  # the whole award, now that the wrong payment is reversed

    award = _award(app, award_id)
    assert award.paid_pence == 500_00 and award.status == AwardStatus.PAID_IN_FULL
    assert sum(p.amount_pence for p in _payments(app, award_id)) == award.paid_pence


def test_a_reversal_needs_a_reason_and_happens_once(app: Flask, setting: Setting, staff: FlaskClient) -> None:
    award_id = accepted_award(app, setting)
    _pay(staff, award_id, "200")
    (paid,) = _payments(app, award_id)

    missing = _reverse(staff, award_id, paid.id, reason="  ")
    assert missing.status_code == 200 and "Say why this payment is being reversed" in missing.text
    assert len(_payments(app, award_id)) == 1

    _reverse(staff, award_id, paid.id)
    twice = _reverse(staff, award_id, paid.id)
    assert twice.status_code == 200 and "already been reversed" in twice.text
    assert len(_payments(app, award_id)) == 2 and _award(app, award_id).paid_pence == 0
    reversal = _payments(app, award_id)[1]
    of_reversal = _reverse(staff, award_id, reversal.id)
    assert of_reversal.status_code == 200 and len(_payments(app, award_id)) == 2


def test_another_awards_payment_cannot_be_reversed_here(app: Flask, setting: Setting, staff: FlaskClient) -> None:
    award_id = accepted_award(app, setting)
    _pay(staff, award_id, "200")
    (paid,) = _payments(app, award_id)
    other = signed_in(app.test_client(), setting.other_staff_email)
    assert _reverse(other, award_id, paid.id).status_code == 404
    assert _reverse(staff, award_id, paid.id + 1000).status_code == 404
