"""The award emails word for word: the offer, its withdrawal, the group's answer to staff, and feedback.

Each goes to the bid's recipients (members with an account, and the group's contact, who cannot sign in and so
is given no link) except the answer, which goes to the staff member who made the offer.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from grants.awards import services
from grants.models import Award, Bid, OutboxEmail, User, utcnow
from tests.awards.helpers import Setting, future, make_setting


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_setting(app)


def _get(session: Session, model: type[Any], id_: int) -> Any:
    found = session.get(model, id_)
    assert found is not None
    return found


def _with_contact(session: Session, bid: Bid) -> None:
    bid.group.contact_name = "Ada Contact"
    bid.group.contact_email = "ada@example.org"
    session.flush()


def _emails(session: Session) -> list[tuple[str, str, str]]:
    rows = session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id))
    return [(e.to_address, e.subject, e.body_text) for e in rows]


def _day(days: int) -> str:
    return future(days).strftime("%-d %B %Y")


def _offer(session: Session, setting: Setting, **overrides: Any) -> Award:
    values: dict[str, Any] = {
        "bid": _get(session, Bid, setting.funded_id),
        "amount_pence": 450_00,
        "reduced_reason": "The hall hire is covered by the council.",
        "conditions": "Spend it by the end of the year.",
        "report_dates": [future(180), future(90)],
        "withhold_name": False,
        "actor": _get(session, User, setting.staff_id),
        "now": utcnow(),
    }
    values.update(overrides)
    return services.make_offer(session, **values)


def test_the_offer_email_to_a_member_and_to_the_contact(app: Flask, session: Session, setting: Setting) -> None:
    bid = _get(session, Bid, setting.funded_id)
    _with_contact(session, bid)
    _offer(session, setting)
    member = _get(session, User, setting.member_id)
    subject = f"An offer of a grant for your bid {bid.reference}"
    opening = (
        f'Good news: Riverside Fund is offering your group a grant of £450 for "Our idea" ({bid.reference}), your bid'
        f" to {bid.round.title}.\n"
        "\n"
        "This is less than the £500 you asked for, because:\n"
        "\n"
        "The hall hire is covered by the council.\n"
        "\n"
        "The conditions of the grant:\n"
        "\n"
        "Spend it by the end of the year.\n"
        "\n"
        "We will ask you to tell us how it went by:\n"
        f"- {_day(90)}\n"
        f"- {_day(180)}\n"
        "\n"
    )
    assert _emails(session) == [
        (
            member.email,
            subject,
            f"Hello {member.name},\n\n{opening}Read the offer and accept or decline it at "
            f"http://localhost/bids/{bid.id}/offer\n\nRiverside Fund\n",
        ),
        (
            "ada@example.org",
            subject,
            f"Hello Ada Contact,\n\n{opening}To accept or decline it, please get in touch with Riverside Fund.\n\n"
            "Riverside Fund\n",
        ),
    ]


def test_an_offer_of_the_full_amount_with_no_conditions(app: Flask, session: Session, setting: Setting) -> None:
    bid = _get(session, Bid, setting.funded_id)
    _offer(session, setting, amount_pence=500_00, reduced_reason="", conditions="", report_dates=[future(90)])
    member = _get(session, User, setting.member_id)
    (email,) = _emails(session)
    assert email[2] == (
        f"Hello {member.name},\n"
        "\n"
        f'Good news: Riverside Fund is offering your group a grant of £500 for "Our idea" ({bid.reference}), your bid'
        f" to {bid.round.title}.\n"
        "\n"
        "We will ask you to tell us how it went by:\n"
        f"- {_day(90)}\n"
        "\n"
        f"Read the offer and accept or decline it at http://localhost/bids/{bid.id}/offer\n"
        "\n"
        "Riverside Fund\n"
    )


def test_the_withdrawal_email(app: Flask, session: Session, setting: Setting) -> None:
    bid = _get(session, Bid, setting.funded_id)
    award = _offer(session, setting)
    _with_contact(session, bid)
    services.withdraw_offer(
        session, award=award, reason="Failed due diligence.", actor=_get(session, User, setting.staff_id), now=utcnow()
    )
    member = _get(session, User, setting.member_id)
    body = (
        f"We are sorry: Riverside Fund has withdrawn its offer of £450 for your bid {bid.reference}.\n"
        "\n"
        "Why:\n"
        "\n"
        "Failed due diligence.\n"
        "\n"
        "If you would like to talk about it, please get in touch with Riverside Fund.\n"
        "\n"
        "Riverside Fund\n"
    )
    subject = f"Offer withdrawn for your bid {bid.reference}"
    assert _emails(session)[1:] == [
        (member.email, subject, f"Hello {member.name},\n\n{body}"),
        ("ada@example.org", subject, f"Hello Ada Contact,\n\n{body}"),
    ]


def test_the_answers_emailed_to_the_staff_member_who_made_the_offer(
    app: Flask, session: Session, setting: Setting
) -> None:
    bid = _get(session, Bid, setting.funded_id)
    staff = _get(session, User, setting.staff_id)
    member = _get(session, User, setting.member_id)
    award = _offer(session, setting)
    services.accept_offer(
        session, award=award, name="Maria Okafor", conditions_accepted=True, actor=member, now=utcnow()
    )
    assert _emails(session)[-1] == (
        staff.email,
        f"{bid.reference}: offer accepted",
        f"Hello {staff.name},\n"
        "\n"
        f"Friends of Elm Park accepted the offer of £450 for {bid.reference}.\n"
        "\n"
        f"See the award at http://localhost/staff/awards/{award.id}\n",
    )

    second = _get(session, Bid, setting.funded2_id)
    declined = _offer(session, setting, bid=second, amount_pence=400_00, reduced_reason="")
    services.decline_offer(session, award=declined, reason="We found the money elsewhere.", actor=member, now=utcnow())
    assert _emails(session)[-1] == (
        staff.email,
        f"{second.reference}: offer declined",
        f"Hello {staff.name},\n"
        "\n"
        f"Youth Football declined the offer of £400 for {second.reference}.\n"
        "\n"
        "Their reason:\n"
        "\n"
        "We found the money elsewhere.\n"
        "\n"
        f"See the award at http://localhost/staff/awards/{declined.id}\n",
    )


def test_a_decline_without_a_reason(app: Flask, session: Session, setting: Setting) -> None:
    bid = _get(session, Bid, setting.funded_id)
    staff = _get(session, User, setting.staff_id)
    award = _offer(session, setting)
    services.decline_offer(session, award=award, reason="", actor=_get(session, User, setting.member_id), now=utcnow())
    assert _emails(session)[-1][2] == (
        f"Hello {staff.name},\n"
        "\n"
        f"Friends of Elm Park declined the offer of £450 for {bid.reference}.\n"
        "\n"
        f"See the award at http://localhost/staff/awards/{award.id}\n"
    )


def test_a_disabled_staff_member_is_not_emailed_the_answer(app: Flask, session: Session, setting: Setting) -> None:
    award = _offer(session, setting)
    _get(session, User, setting.staff_id).is_disabled = True
    services.accept_offer(
        session,
        award=award,
        name="Maria",
        conditions_accepted=True,
        actor=_get(session, User, setting.member_id),
        now=utcnow(),
    )
    assert len(_emails(session)) == 1  # the offer only


def test_the_feedback_email(app: Flask, session: Session, setting: Setting) -> None:
    bid = _get(session, Bid, setting.unfunded_id)
    _with_contact(session, bid)
    services.send_feedback(
        session,
        bid=bid,
        text="Work on the plan.\n\nTell us who runs it.",
        actor=_get(session, User, setting.staff_id),
        now=utcnow(),
    )
    member = session.scalars(sa.select(User).where(User.email == setting.unfunded_member_email)).one()
    said = (
        f"Thank you for your bid {bid.reference} to {bid.round.title}. The community panel did not choose it for"
        " funding this time. Here is what the panel said about it, to help with your next bid:\n"
        "\n"
        "Work on the plan.\n"
        "\n"
        "Tell us who runs it.\n"
        "\n"
    )
    subject = f"Feedback on your bid {bid.reference}"
    assert _emails(session) == [
        (
            member.email,
            subject,
            f"Hello {member.name},\n\n{said}You can read this again on your bid's page: "
            f"http://localhost/bids/{bid.id}\n\nRiverside Fund\n",
        ),
        ("ada@example.org", subject, f"Hello Ada Contact,\n\n{said}Riverside Fund\n"),
    ]
