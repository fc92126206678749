"""The reports area's rules in permissions.py, its emails' exact words (now templates), and its pages taking
what they show from their routes."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from grants.auth.permissions import (
    can_edit_report,
    can_read_award_reports,
    can_record_report,
    can_respond_to_report,
    can_write_group_report,
)
from grants.extensions import db
from grants.models import AwardStatus, OutboxEmail, Report, ReportDate, ReportStatus, User, utcnow
from grants.reports import group_services, staff_services
from grants.reports.reminders import send_reminders
from tests.awards.helpers import london_today
from tests.reports.group_helpers import make_reporting
from tests.support.db import app_session


def _user(s: sa.orm.Session, email: str) -> User:
    return s.scalars(sa.select(User).where(User.email == email)).one()


def test_who_may_read_write_and_record_a_groups_reports(app: Flask) -> None:
    r = make_reporting(app)
    with app_session(app) as s:
        member = _user(s, r.setting.member_email)
        staff = _user(s, r.setting.staff_email)
        other_applicant = _user(s, r.setting.other_applicant_email)
        other_staff = _user(s, r.setting.other_staff_email)
        report_date = s.get(ReportDate, r.soon_id)
        assert report_date is not None
        award = report_date.award
        assert can_read_award_reports(member, award) and can_write_group_report(member, report_date)
        assert not can_read_award_reports(other_applicant, award) and not can_read_award_reports(staff, award)
        assert can_record_report(staff, report_date) and not can_record_report(member, report_date)
        assert not can_record_report(other_staff, report_date)
        assert can_edit_report(member, report_date) and can_edit_report(staff, report_date)
        assert not can_edit_report(other_applicant, report_date) and not can_edit_report(other_staff, report_date)
        # An offer not yet accepted has no reports to write or read, even for the group.
        award.status = AwardStatus.OFFERED
        assert not can_read_award_reports(member, award) and not can_edit_report(staff, report_date)


def test_staff_respond_only_to_a_sent_report_of_their_funder(app: Flask) -> None:
    r = make_reporting(app)
    with app_session(app) as s:
        member = _user(s, r.setting.member_email)
        staff = _user(s, r.setting.staff_email)
        report_date = s.get(ReportDate, r.soon_id)
        assert report_date is not None
        report = group_services.start_report(s, report_date=report_date)
        assert report.status == ReportStatus.DRAFT and not can_respond_to_report(staff, report)
        report.status, report.submitted_at = ReportStatus.SUBMITTED, utcnow()
        assert can_respond_to_report(staff, report)
        assert not can_respond_to_report(member, report)
        assert not can_respond_to_report(_user(s, r.setting.other_staff_email), report)


def _outbox(app: Flask) -> list[tuple[str, str, str]]:
    with app_session(app) as s:
        emails = s.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id))
        return [(e.to_address, e.subject, e.body_text) for e in emails]


def test_a_reminder_to_a_contact_with_no_name_says_hello_and_the_words_are_unchanged(app: Flask) -> None:
    r = make_reporting(app)
    with app_session(app) as s:
        report_date = s.get(ReportDate, r.soon_id)
        assert report_date is not None
        group = report_date.award.bid.group
        group.contact_name = ""
        group.contact_email = "contact@example.com"
        s.execute(sa.delete(OutboxEmail))
        due = report_date.due_on
        reference, funder = report_date.award.bid.reference, report_date.award.bid.round.funder.name
    with app.app_context():
        send_reminders(db.session, today=london_today() + timedelta(days=6))
        db.session.remove()
    sent = {to: (subject, body) for to, subject, body in _outbox(app)}
    day = f"{due.day} {due:%B %Y}"
    subject, body = sent["contact@example.com"]
    assert subject == f"Your story for {reference} was due on {day}"
    assert body == (
        "Hello,\n\n"
        f"Your report for {reference} was due on {day} and {funder} has not received it yet. It is not too late.\n\n"
        "Tell us in your own words what you did, what changed and for whom, and what you learned. A few sentences "
        "for each is plenty. If writing is hard, you can send a link to a short video or voice recording instead, "
        "or ask us to call you.\n\n"
        f"Write your report here: http://localhost/reports/{r.soon_id}\n"
    )
    assert sent[r.setting.member_email][1].startswith("Hello Maria Okafor,\n\n")


def test_the_report_received_and_conversation_emails_keep_their_words(app: Flask) -> None:
    r = make_reporting(app)
    with app_session(app) as s:
        s.execute(sa.delete(OutboxEmail))
        staff = _user(s, r.setting.staff_email)
        report_date = s.get(ReportDate, r.other_date_id)
        assert report_date is not None
        group_services.save_draft(s, report_date=report_date, texts=["We did it"], recording_url="", actor=staff)
        report = s.scalars(sa.select(Report).where(Report.report_date_id == report_date.id)).one()
        group_services.submit_report(s, report=report, share_publicly=False, actor=staff, now=utcnow())
        staff_services.send_message(s, report=report, author=staff, side=staff_services.STAFF, text="Thank you")
        bid, due = report.award.bid, report_date.due_on
        ref, group, title, funder = bid.reference, bid.group.name, bid.round.title, bid.round.funder.name
        idea, name, report_id = bid.title or bid.reference, staff.name, report.id
    received, replied = _outbox(app)[0], _outbox(app)[-1]
    assert received[1] == f"{ref}: report received"
    assert received[2] == (
        f"Hello {name},\n\n"
        f"{group} has sent its report (recorded by staff on behalf of the group) for {ref} in {title}, due "
        f"{due.day} {due:%B %Y}.\n\n"
        "They asked to keep their story between them and the funder.\n\n"
        f"Read it at http://localhost/staff/reports/{report_id}\n"
    )
    assert replied[1] == f"{funder} replied about your report on {ref}"
    assert replied[2] == (
        f"Hello,\n\n{funder} has written to you about the story your group sent for {idea} ({title}).\n\n"
        f"Read it and reply here:\nhttp://localhost/reports/{report_id}/conversation\n"
    )


def test_report_and_audit_pages_query_nothing_through_template_globals(app: Flask) -> None:
    assert "group_reports_url" not in app.jinja_env.globals
    assert "round_checkpoints" not in app.jinja_env.globals
