"""Reminders: a week before a report is due and once it is overdue, each at most once per report date, ever."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.extensions import db
from grants.models import AwardStatus, ReminderKind, ReminderSent, ReportDate
from grants.reports.reminders import send_reminders
from tests.awards.helpers import london_today
from tests.reports.group_helpers import make_reporting, story
from tests.support.db import app_session, emails
from tests.support.signin import signed_in


def _remind(app: Flask, days_from_now: int = 0) -> int:
    with app.app_context():
        count = send_reminders(db.session, today=london_today() + timedelta(days=days_from_now))
        db.session.remove()
        return count


def _sent(app: Flask) -> list[tuple[int, ReminderKind]]:
    with app_session(app) as s:
        return [(r.report_date_id, r.kind) for r in s.scalars(sa.select(ReminderSent).order_by(ReminderSent.id))]


def test_week_before_reminder_is_sent_once_to_the_group(app: Flask) -> None:
    r = make_reporting(app)  # dates in 5 and 60 days; the other group's in 30
    assert _remind(app) == 1
    assert _sent(app) == [(r.soon_id, ReminderKind.WEEK_BEFORE)]
    reminders = [e for e in emails(app) if "is due on" in e.subject]
    assert [e.to_address for e in reminders] == [r.setting.member_email]
    assert f"/reports/{r.soon_id}" in reminders[0].body_text
    # Running again (the same day, or the next) sends nothing more.
    assert _remind(app) == 0
    assert _remind(app, 1) == 0
    assert len([e for e in emails(app) if "is due on" in e.subject]) == 1


def test_overdue_reminder_is_sent_once(app: Flask) -> None:
    r = make_reporting(app)
    assert _remind(app, 6) == 1  # the day after the first date: overdue, no week-before left to send
    assert _sent(app) == [(r.soon_id, ReminderKind.OVERDUE)]
    assert _remind(app, 6) == 0
    assert _remind(app, 20) == 0
    assert len([e for e in emails(app) if "was due on" in e.subject]) == 1


def test_reminders_follow_the_calendar(app: Flask) -> None:
    r = make_reporting(app)  # the first date is in 5 days
    assert _remind(app, -3) == 0  # eight days before: too early
    assert _remind(app, 5) == 0  # on the due date itself: neither a week before nor overdue
    assert _remind(app, 4) == 1  # the day before: the week-before reminder
    assert _remind(app, 6) == 1  # the day after: overdue
    assert _sent(app) == [(r.soon_id, ReminderKind.WEEK_BEFORE), (r.soon_id, ReminderKind.OVERDUE)]


def test_no_overdue_reminder_once_the_report_is_sent(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    assert _remind(app) == 1
    signed_in(client, r.setting.member_email)
    client.post(f"/reports/{r.soon_id}", data=story("We did it all"))
    assert client.post(f"/reports/{r.soon_id}/check", data={"share": "no"}).status_code == 302
    assert _remind(app, 6) == 0
    assert _sent(app) == [(r.soon_id, ReminderKind.WEEK_BEFORE)]


def test_a_draft_still_gets_its_reminders(app: Flask, client: FlaskClient) -> None:
    r = make_reporting(app)
    signed_in(client, r.setting.member_email)
    client.post(f"/reports/{r.soon_id}", data=story("Half written", later=True))
    assert _remind(app) == 1


def test_no_reminders_for_awards_that_are_not_live(app: Flask) -> None:
    r = make_reporting(app)
    with app_session(app) as s:
        rd = s.get(ReportDate, r.soon_id)
        assert rd is not None
        rd.award.status = AwardStatus.CLOSED
    assert _remind(app, 6) == 0


def test_a_reminder_already_recorded_by_a_racing_run_is_not_sent_again(app: Flask) -> None:
    r = make_reporting(app)
    # Another run recorded it between this run reading the list and sending: the unique constraint stops it.
    with app.app_context():
        from grants.reports import reminders

        due = reminders._reminders_due(db.session, london_today())
        assert due == [(r.soon_id, ReminderKind.WEEK_BEFORE)]
        db.session.add(ReminderSent(report_date_id=r.soon_id, kind=ReminderKind.WEEK_BEFORE))
        db.session.commit()
        original = reminders._reminders_due
        reminders._reminders_due = lambda session, today: due  # type: ignore[assignment]
        try:
            assert send_reminders(db.session, today=london_today()) == 0
        finally:
            reminders._reminders_due = original  # type: ignore[assignment]
        db.session.remove()
    assert not [e for e in emails(app) if "is due on" in e.subject]
    assert _sent(app) == [(r.soon_id, ReminderKind.WEEK_BEFORE)]


def test_cli_prints_how_many_it_sent(app: Flask) -> None:
    make_reporting(app)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reports", "remind"])
    assert first.exit_code == 0, first.output
    assert "Sent 1 reminder(s)." in first.output
    second = runner.invoke(args=["reports", "remind"])
    assert "Sent 0 reminder(s)." in second.output
