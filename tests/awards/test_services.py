"""The award rules, without HTTP: offers, answers, withdrawals, payments and feedback."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from grants.audit.walk import verify_all_chains
from grants.awards import services
from grants.awards.queries import draft_feedback, panel_comments, round_money
from grants.domain import DomainError
from grants.extensions import db
from grants.models import (
    AuditEvent,
    Award,
    AwardStatus,
    Bid,
    Feedback,
    OutboxEmail,
    Payment,
    Round,
    RoundStatus,
    User,
    utcnow,
)
from tests.awards.helpers import PANELLIST_NAME, RECUSED_NAME, Setting, future, london_today, make_setting


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_setting(app)


def _get(session: Session, model: type[Any], id_: int) -> Any:
    found = session.get(model, id_)
    assert found is not None
    return found


def _offer(session: Session, setting: Setting, bid_id: int | None = None, **overrides: Any) -> Award:
    values: dict[str, Any] = {
        "bid": _get(session, Bid, bid_id or setting.funded_id),
        "amount_pence": 500_00,
        "reduced_reason": "",
        "conditions": "Spend it by the end of the year.",
        "report_dates": [future(90), future(180)],
        "withhold_name": False,
        "actor": _get(session, User, setting.staff_id),
        "now": utcnow(),
    }
    values.update(overrides)
    return services.make_offer(session, **values)


def _events(session: Session, prefix: str = "") -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.seq)
    return list(session.scalars(query))


def _counts(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(sa.select(sa.func.count(Award.id))) or 0,
        session.scalar(sa.select(sa.func.count(Payment.id))) or 0,
        session.scalar(sa.select(sa.func.count(OutboxEmail.id))) or 0,
    )


def _accepted(session: Session, setting: Setting, **overrides: Any) -> Award:
    award = _offer(session, setting, **overrides)
    member = _get(session, User, setting.member_id)
    services.accept_offer(
        session, award=award, name="Maria Okafor", conditions_accepted=True, actor=member, now=utcnow()
    )
    return award


# --- offers ------------------------------------------------------------------------------------------------------


def test_an_offer_is_made_emailed_audited_and_moves_the_round_to_awarding(session: Session, setting: Setting) -> None:
    award = _offer(session, setting, withhold_name=True)
    session.commit()

    assert award.status == AwardStatus.OFFERED and award.amount_pence == 500_00 and award.withhold_name
    assert [rd.due_on for rd in award.report_dates] == [future(90), future(180)]
    assert _get(session, Round, setting.round_id).status == RoundStatus.AWARDING
    email = session.scalars(sa.select(OutboxEmail)).one()
    assert email.to_address == setting.member_email
    assert "£500" in email.body_text and f"/bids/{setting.funded_id}/offer" in email.body_text


def test_offer_audit_event_has_the_facts(app: Flask, session: Session, setting: Setting) -> None:
    award = _offer(session, setting)
    session.commit()
    offered = [e for e in _events(session) if e.action == "award.offered"]
    assert len(offered) == 1
    assert offered[0].facts == {
        "round_id": setting.round_id,
        "bid_id": setting.funded_id,
        "award_id": award.id,
        "amount_pence": 500_00,
        "asked_pence": 500_00,
    }
    assert [e.facts["to"] for e in _events(session, "round.status_changed")] == ["awarding"]


@pytest.mark.parametrize(
    ("overrides", "message", "field"),
    [
        ({"amount_pence": 600_00}, "An award cannot be more than the group asked for (£500)", "amount"),
        ({"amount_pence": 450_00}, "Explain why you are offering less than the group asked for", "reduced_reason"),
        ({"amount_pence": None}, "Enter the amount you are offering, in pounds", "amount"),
        ({"report_dates": []}, "Enter at least one report date", "report_date_1"),
        ({"report_dates": [date(2020, 1, 1)]}, "Report dates must be in the future", "report_date_1"),
        ({"report_dates": [future(1), london_today()]}, "Report dates must be in the future", "report_date_2"),
        ({"report_dates": [future(i) for i in range(1, 6)]}, "Give at most 4 report dates", "report_date_1"),
    ],
)
def test_bad_offers_are_refused_and_change_nothing(
    session: Session, setting: Setting, overrides: dict[str, Any], message: str, field: str
) -> None:
    with pytest.raises(DomainError) as caught:
        _offer(session, setting, **overrides)
    session.rollback()
    assert caught.value.message == message and caught.value.field == field
    assert _counts(session) == (0, 0, 0)
    assert _get(session, Round, setting.round_id).status == RoundStatus.DECIDED


def test_a_reduced_offer_with_a_reason_is_made(session: Session, setting: Setting) -> None:
    award = _offer(session, setting, amount_pence=450_00, reduced_reason="One item is already paid for")
    assert award.amount_pence == 450_00 and award.reduced_reason == "One item is already paid for"


def test_offers_cannot_together_pass_the_budget(app: Flask) -> None:
    setting = make_setting(app, budget_pence=800_00)
    with app.app_context():
        _offer(db.session, setting)
        db.session.commit()
        with pytest.raises(DomainError) as caught:
            _offer(db.session, setting, setting.funded2_id, amount_pence=400_00)
        db.session.rollback()
        assert caught.value.message == (
            "This offer would take the total offered in the round to £900, more than the budget of £800 (£300 is left)"
        )
        assert _counts(db.session)[0] == 1
        # A declined offer no longer counts against the budget.
        award = db.session.scalars(sa.select(Award)).one()
        services.decline_offer(
            db.session, award=award, reason="", actor=_get(db.session, User, setting.member_id), now=utcnow()
        )
        _offer(db.session, setting, setting.funded2_id, amount_pence=400_00)
        db.session.commit()
        db.session.remove()


def test_only_a_bid_in_the_ratified_funded_set_gets_an_offer(app: Flask) -> None:
    setting = make_setting(app)
    with app.app_context():
        with pytest.raises(DomainError) as caught:
            _offer(db.session, setting, setting.unfunded_id)
        assert caught.value.message == services.NOT_FUNDED
        db.session.rollback()
        db.session.remove()
    unratified = make_setting(app, ratified=False)
    with app.app_context():
        with pytest.raises(DomainError) as caught:
            _offer(db.session, unratified)
        assert caught.value.message == services.ROUND_NOT_DECIDED
        db.session.rollback()
        db.session.remove()


def test_one_award_per_bid(session: Session, setting: Setting) -> None:
    _offer(session, setting)
    session.commit()
    with pytest.raises(DomainError, match="already has an offer"):
        _offer(session, setting)


# --- the group's answer ------------------------------------------------------------------------------------------


def test_accepting_records_the_name_and_tells_the_staff_member(app: Flask, session: Session, setting: Setting) -> None:
    award = _accepted(session, setting)
    session.commit()
    assert award.status == AwardStatus.ACCEPTED and award.accepted_name == "Maria Okafor"
    assert award.responded_at is not None
    staff_email = session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
    assert staff_email is not None and "accepted" in staff_email.subject
    assert [e.action for e in _events(session, "award.")] == ["award.offered", "award.accepted"]


def test_accepting_twice_is_refused(session: Session, setting: Setting) -> None:
    award = _accepted(session, setting)
    session.commit()
    with pytest.raises(DomainError, match="You have already accepted this offer"):
        services.accept_offer(
            session,
            award=award,
            name="Maria",
            conditions_accepted=True,
            actor=_get(session, User, setting.member_id),
            now=utcnow(),
        )


def test_accepting_after_withdrawal_is_refused(session: Session, setting: Setting) -> None:
    award = _offer(session, setting)
    services.withdraw_offer(
        session, award=award, reason="Failed due diligence", actor=_get(session, User, setting.staff_id), now=utcnow()
    )
    session.commit()
    with pytest.raises(DomainError) as caught:
        services.accept_offer(
            session,
            award=award,
            name="Maria",
            conditions_accepted=True,
            actor=_get(session, User, setting.member_id),
            now=utcnow(),
        )
    assert caught.value.message.startswith("This offer was withdrawn on ")
    assert caught.value.message.endswith(" and can no longer be accepted")
    session.rollback()
    assert _get(session, Award, award.id).status == AwardStatus.WITHDRAWN


def test_accepting_needs_a_name_and_the_conditions_ticked(session: Session, setting: Setting) -> None:
    award = _offer(session, setting)
    member = _get(session, User, setting.member_id)
    with pytest.raises(DomainError, match=services.ACCEPT_NAME_REQUIRED):
        services.accept_offer(session, award=award, name=" ", conditions_accepted=True, actor=member, now=utcnow())
    with pytest.raises(DomainError, match=services.ACCEPT_CONFIRM_REQUIRED):
        services.accept_offer(session, award=award, name="Maria", conditions_accepted=False, actor=member, now=utcnow())


def test_declining_with_a_reason(app: Flask, session: Session, setting: Setting) -> None:
    award = _offer(session, setting)
    services.decline_offer(
        session,
        award=award,
        reason="We found the money elsewhere",
        actor=_get(session, User, setting.member_id),
        now=utcnow(),
    )
    session.commit()
    assert award.status == AwardStatus.DECLINED and award.decline_reason == "We found the money elsewhere"
    staff_email = session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
    assert staff_email is not None and "declined" in staff_email.subject
    assert "We found the money elsewhere" in staff_email.body_text
    assert _events(session, "award.declined")[0].facts["award_id"] == award.id


def test_withdrawing_needs_a_reason(session: Session, setting: Setting) -> None:
    award = _offer(session, setting)
    session.commit()
    with pytest.raises(DomainError, match=services.WITHDRAW_REASON_REQUIRED):
        services.withdraw_offer(
            session, award=award, reason="  ", actor=_get(session, User, setting.staff_id), now=utcnow()
        )
    session.rollback()
    assert _get(session, Award, award.id).status == AwardStatus.OFFERED


def test_withdrawing_emails_the_group(app: Flask, session: Session, setting: Setting) -> None:
    award = _accepted(session, setting)
    services.withdraw_offer(
        session, award=award, reason="Failed due diligence", actor=_get(session, User, setting.staff_id), now=utcnow()
    )
    session.commit()
    last = session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
    assert last is not None and last.to_address == setting.member_email and "Failed due diligence" in last.body_text
    assert _events(session, "award.withdrawn")[0].facts["previous"] == "accepted"


def test_an_award_with_a_payment_cannot_be_withdrawn(session: Session, setting: Setting) -> None:
    award = _accepted(session, setting)
    staff = _get(session, User, setting.staff_id)
    services.record_payment(
        session, award=award, amount_pence=100_00, paid_on=london_today(), reference="", actor=staff, now=utcnow()
    )
    with pytest.raises(DomainError, match="a payment has been made"):
        services.withdraw_offer(session, award=award, reason="Changed our minds", actor=staff, now=utcnow())


# --- payments ----------------------------------------------------------------------------------------------------


def test_payments_until_paid_in_full_then_close(app: Flask, session: Session, setting: Setting) -> None:
    award = _accepted(session, setting)
    staff = _get(session, User, setting.staff_id)
    services.record_payment(
        session, award=award, amount_pence=200_00, paid_on=london_today(), reference="BACS 1", actor=staff, now=utcnow()
    )
    assert award.paid_pence == 200_00 and award.status == AwardStatus.ACCEPTED
    services.record_payment(
        session,
        award=award,
        amount_pence=300_00,
        paid_on=london_today() - timedelta(days=1),
        reference="BACS 2",
        actor=staff,
        now=utcnow(),
    )
    assert award.paid_pence == 500_00 and award.status == AwardStatus.PAID_IN_FULL
    services.close_award(session, award=award, actor=staff, now=utcnow())
    session.commit()
    assert award.status == AwardStatus.CLOSED
    recorded = _events(session, "payment.recorded")
    assert [(e.facts["amount_pence"], e.facts["paid_pence"]) for e in recorded] == [(200_00, 200_00), (300_00, 500_00)]
    assert _events(session, "award.closed")
    money = round_money(session, _get(session, Round, setting.round_id))
    assert (money.budget, money.offered, money.accepted, money.paid, money.remaining) == (
        1_000_00,
        500_00,
        500_00,
        500_00,
        500_00,
    )
    assert all(report.ok for report in verify_all_chains(session))


def test_a_payment_past_the_award_is_refused(session: Session, setting: Setting) -> None:
    award = _accepted(session, setting)
    staff = _get(session, User, setting.staff_id)
    services.record_payment(
        session, award=award, amount_pence=400_00, paid_on=london_today(), reference="", actor=staff, now=utcnow()
    )
    session.commit()
    with pytest.raises(DomainError) as caught:
        services.record_payment(
            session, award=award, amount_pence=150_00, paid_on=london_today(), reference="", actor=staff, now=utcnow()
        )
    session.rollback()
    assert caught.value.message == "This payment would take the total paid to £550, more than the award of £500"
    assert _get(session, Award, award.id).paid_pence == 400_00
    assert session.scalar(sa.select(sa.func.count(Payment.id))) == 1


def test_a_payment_past_what_an_amount_column_holds_is_refused_with_the_message(
    session: Session, setting: Setting
) -> None:
    """Found by the fuzz tests on PostgreSQL: a payment of £2,147,483,648 (a form reads up to twelve digits of
    pounds) went into the statement that checks and adds it, past the 32-bit column, and failed there (a 500)."""
    award = _accepted(session, setting)
    staff = _get(session, User, setting.staff_id)
    session.commit()
    with pytest.raises(DomainError) as caught:
        services.record_payment(
            session,
            award=award,
            amount_pence=2_147_483_648_00,
            paid_on=london_today(),
            reference="",
            actor=staff,
            now=utcnow(),
        )
    session.rollback()
    assert caught.value.message.endswith("more than the award of £500")
    assert _get(session, Award, award.id).paid_pence == 0


def test_a_payment_on_an_offer_not_yet_accepted_is_refused(session: Session, setting: Setting) -> None:
    award = _offer(session, setting)
    session.commit()
    with pytest.raises(DomainError, match="once the group has accepted the offer"):
        services.record_payment(
            session,
            award=award,
            amount_pence=100_00,
            paid_on=london_today(),
            reference="",
            actor=_get(session, User, setting.staff_id),
            now=utcnow(),
        )
    session.rollback()
    assert _get(session, Award, award.id).paid_pence == 0
    assert session.scalar(sa.select(sa.func.count(Payment.id))) == 0


def test_a_payment_dated_in_the_future_is_refused(session: Session, setting: Setting) -> None:
    award = _accepted(session, setting)
    with pytest.raises(DomainError, match=services.PAYMENT_DATE_FUTURE):
        services.record_payment(
            session,
            award=award,
            amount_pence=100_00,
            paid_on=future(1),
            reference="",
            actor=_get(session, User, setting.staff_id),
            now=utcnow(),
        )


def test_only_an_award_paid_in_full_can_be_closed(session: Session, setting: Setting) -> None:
    award = _accepted(session, setting)
    with pytest.raises(DomainError, match="paid in full"):
        services.close_award(session, award=award, actor=_get(session, User, setting.staff_id), now=utcnow())


# --- feedback ----------------------------------------------------------------------------------------------------


def test_feedback_draft_uses_comments_of_panellists_not_recused_and_no_names(
    session: Session, setting: Setting
) -> None:
    bid = _get(session, Bid, setting.unfunded_id)
    comments = panel_comments(session, bid)
    assert [(c.criterion.name, c.comments) for c in comments] == [
        ("Need", ["Clear need in the area."]),
        ("Plan", ["The plan needs more detail on who will run it."]),
    ]
    draft = draft_feedback(bid, comments)
    assert "Clear need in the area." in draft and "recused" not in draft
    assert PANELLIST_NAME not in draft and RECUSED_NAME not in draft


def test_feedback_is_sent_emailed_and_audited(app: Flask, session: Session, setting: Setting) -> None:
    bid = _get(session, Bid, setting.unfunded_id)
    services.send_feedback(
        session, bid=bid, text="Work on the plan.", actor=_get(session, User, setting.staff_id), now=utcnow()
    )
    session.commit()
    feedback = session.scalars(sa.select(Feedback)).one()
    assert feedback.sent_at is not None and feedback.sent_by_id == setting.staff_id
    email = session.scalars(sa.select(OutboxEmail)).one()
    assert email.to_address == setting.unfunded_member_email and "Work on the plan." in email.body_text
    assert _events(session, "feedback.sent")[0].facts == {"round_id": setting.round_id, "bid_id": setting.unfunded_id}
    with pytest.raises(DomainError, match=services.FEEDBACK_ALREADY_SENT):
        services.send_feedback(
            session, bid=bid, text="Again", actor=_get(session, User, setting.staff_id), now=utcnow()
        )


@pytest.mark.parametrize(
    ("which", "message"),
    [("funded_id", services.FEEDBACK_FOR_FUNDED), ("ineligible_id", services.FEEDBACK_NOT_ELIGIBLE)],
)
def test_feedback_only_for_eligible_unfunded_bids(session: Session, setting: Setting, which: str, message: str) -> None:
    bid = _get(session, Bid, getattr(setting, which))
    with pytest.raises(DomainError, match=message):
        services.send_feedback(
            session, bid=bid, text="Hello", actor=_get(session, User, setting.staff_id), now=utcnow()
        )
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Feedback.id))) == 0
    assert session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0
