"""Payments and offers made at the same moment: each thread has its own app context, session and connection,
and a barrier releases them together. The award is never overpaid and the budget never overspent."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from grants.audit.walk import verify_all_chains
from grants.awards import services
from grants.database import DbSession
from grants.domain import DomainError
from grants.models import Award, AwardStatus, Bid, Payment, User, utcnow
from tests.awards.helpers import accepted_award, future, london_today, make_setting
from tests.support.db import app_session
from tests.support.threads import in_own_transaction, run_together


def _pay_in_own_context(app: Flask, award_id: int, staff_id: int, amount_pence: int) -> None:
    def pay(session: DbSession) -> None:
        award, staff = session.get(Award, award_id), session.get(User, staff_id)
        assert award is not None and staff is not None
        services.record_payment(
            session,
            award=award,
            amount_pence=amount_pence,
            paid_on=london_today(),
            reference="",
            actor=staff,
            now=utcnow(),
        )

    in_own_transaction(app, pay)


def test_two_payments_at_once_that_together_pass_the_award_only_one_lands(app: Flask) -> None:
    setting = make_setting(app)
    award_id = accepted_award(app, setting)

    errors = run_together(2, lambda i: _pay_in_own_context(app, award_id, setting.staff_id, 300_00))

    assert len(errors) == 1 and isinstance(errors[0], DomainError), errors
    assert "more than the award of £500" in errors[0].message
    with app_session(app) as s:
        award = s.get(Award, award_id)
        assert award is not None and award.paid_pence == 300_00 and award.status == AwardStatus.ACCEPTED
        assert s.scalar(sa.select(sa.func.count(Payment.id))) == 1
        assert all(report.ok for report in verify_all_chains(s))


def test_payments_at_once_that_exactly_fill_the_award_all_land(app: Flask) -> None:
    setting = make_setting(app)
    award_id = accepted_award(app, setting)

    errors = run_together(5, lambda i: _pay_in_own_context(app, award_id, setting.staff_id, 100_00))

    assert errors == []
    with app_session(app) as s:
        award = s.get(Award, award_id)
        assert award is not None and award.paid_pence == 500_00 and award.status == AwardStatus.PAID_IN_FULL
        assert s.scalar(sa.select(sa.func.count(Payment.id))) == 5
        assert all(report.ok for report in verify_all_chains(s))


def test_two_offers_at_once_cannot_together_pass_the_budget(app: Flask) -> None:
    setting = make_setting(app, budget_pence=800_00)
    bids = [(setting.funded_id, 500_00), (setting.funded2_id, 400_00)]

    def offer(i: int) -> None:
        def make(session: DbSession) -> None:
            bid, staff = session.get(Bid, bids[i][0]), session.get(User, setting.staff_id)
            assert bid is not None and staff is not None
            services.make_offer(
                session,
                bid=bid,
                amount_pence=bids[i][1],
                reduced_reason="",
                conditions="",
                report_dates=[future(90)],
                withhold_name=False,
                actor=staff,
                now=utcnow(),
            )

        in_own_transaction(app, make)

    errors = run_together(2, offer)

    assert len(errors) == 1 and isinstance(errors[0], DomainError), errors
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count(Award.id))) == 1
        assert all(report.ok for report in verify_all_chains(s))
