"""The group's page of its bid shows its award or feedback from what the route passes: no template queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, render_template
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from grants.awards import services
from grants.awards.queries import GroupView, group_view_of_award
from grants.extensions import db
from grants.models import Award, Bid, User, utcnow
from tests.awards.helpers import Setting, future, make_setting
from tests.support.signin import signed_in


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_setting(app)


def _get(session: Session, model: type[Any], id_: int) -> Any:
    found = session.get(model, id_)
    assert found is not None
    return found


def _offer(session: Session, setting: Setting) -> Award:
    return services.make_offer(
        session,
        bid=_get(session, Bid, setting.funded_id),
        amount_pence=500_00,
        reduced_reason="",
        conditions="",
        report_dates=[future(90)],
        withhold_name=False,
        actor=_get(session, User, setting.staff_id),
        now=utcnow(),
    )


@contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_no_template_global_reads_awards_or_feedback(app: Flask) -> None:
    assert "award_for_bid" not in app.jinja_env.globals
    assert "feedback_for_bid" not in app.jinja_env.globals


def test_the_view_has_the_award_and_opens_reports_only_to_the_group_once_accepted(
    session: Session, setting: Setting
) -> None:
    bid = _get(session, Bid, setting.funded_id)
    assert group_view_of_award(session, bid, reader_in_group=True) == GroupView(None, None, reports_open=False)
    award = _offer(session, setting)
    offered = group_view_of_award(session, bid, reader_in_group=True)
    assert offered.award is award and not offered.reports_open
    services.accept_offer(
        session,
        award=award,
        name="Maria",
        conditions_accepted=True,
        actor=_get(session, User, setting.member_id),
        now=utcnow(),
    )
    assert group_view_of_award(session, bid, reader_in_group=True).reports_open
    assert not group_view_of_award(session, bid, reader_in_group=False).reports_open


def test_the_view_has_feedback_only_once_sent(session: Session, setting: Setting) -> None:
    bid = _get(session, Bid, setting.unfunded_id)
    assert group_view_of_award(session, bid, reader_in_group=True).feedback is None
    sent = services.send_feedback(
        session, bid=bid, text="Work on the plan.", actor=_get(session, User, setting.staff_id), now=utcnow()
    )
    view = group_view_of_award(session, bid, reader_in_group=True)
    assert view.award is None and view.feedback is sent and not view.reports_open


def test_the_partial_renders_what_it_is_given_without_a_query(app: Flask, session: Session, setting: Setting) -> None:
    award = _offer(session, setting)
    services.accept_offer(
        session,
        award=award,
        name="Maria",
        conditions_accepted=True,
        actor=_get(session, User, setting.member_id),
        now=utcnow(),
    )
    bid = _get(session, Bid, setting.funded_id)
    view = group_view_of_award(session, bid, reader_in_group=True)
    assert view.award is not None and bid.round.funder.name and view.award.report_dates
    with app.test_request_context(), _statements() as seen:
        html = render_template("awards/_for_group.html", bid=bid, group_award=view)
    assert seen == []
    assert "Your award" in html and "£500, accepted" in html and f"/awards/{award.id}/reports" in html
    with app.test_request_context():
        assert render_template("awards/_for_group.html", bid=bid).strip() == ""  # a page that passes nothing


def test_the_bid_page_shows_the_offer_and_then_the_award(app: Flask, setting: Setting) -> None:
    with app.app_context():
        _offer(db.session, setting)
        db.session.commit()
    member: FlaskClient = signed_in(app.test_client(), setting.member_email)
    page = member.get(f"/bids/{setting.funded_id}").text
    assert "Your award" in page and "Read the offer and accept or decline it" in page
    assert "/reports" not in page  # not accepted yet
