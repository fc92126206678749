"""Reminders about groups' reports: a week before a report date and once it is overdue, each at most once per
report date, ever (`flask reports remind`, safe to run daily, or twice at once)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from grants.bids.audience import bid_recipients
from grants.database import DbSession
from grants.mail import send_email
from grants.models import Award, ReminderKind, ReminderSent, Report, ReportDate, ReportStatus
from grants.reports.rules import WRITABLE_AWARDS

WEEK_BEFORE_DAYS = 7


def reminder_kind(due_on: date, today: date) -> ReminderKind | None:
    """Which reminder a report date not yet reported on is due today, if any."""
    if today > due_on:
        return ReminderKind.OVERDUE
    if due_on - timedelta(days=WEEK_BEFORE_DAYS) <= today < due_on:
        return ReminderKind.WEEK_BEFORE
    return None


def _reminders_due(session: DbSession, today: date) -> list[tuple[int, ReminderKind]]:
    """(report date id, kind) for each reminder due today and never sent: live awards, reports not sent."""
    sent_report = sa.select(Report.id).where(
        Report.report_date_id == ReportDate.id, Report.status == ReportStatus.SUBMITTED
    )
    rows = session.execute(
        sa.select(ReportDate.id, ReportDate.due_on)
        .join(Award, Award.id == ReportDate.award_id)
        .where(
            Award.status.in_(WRITABLE_AWARDS),
            ReportDate.due_on <= today + timedelta(days=WEEK_BEFORE_DAYS),
            ~sent_report.exists(),
        )
        .order_by(ReportDate.due_on, ReportDate.id)
    ).all()
    sent = {
        (rd_id, kind)
        for rd_id, kind in session.execute(
            sa.select(ReminderSent.report_date_id, ReminderSent.kind).where(
                ReminderSent.report_date_id.in_([r.id for r in rows])
            )
        )
    }
    due = []
    for rd_id, due_on in rows:
        kind = reminder_kind(due_on, today)
        if kind is not None and (rd_id, kind) not in sent:
            due.append((rd_id, kind))
    return due


def send_reminders(session: DbSession, *, today: date) -> int:
    """Send each reminder due `today` (London's date), each kind at most once per report date ever; safe to run
    daily, or twice.

    Each reminder is its own transaction: the ReminderSent row is inserted first, so a second run at the same
    moment fails on the unique constraint, rolls back that one reminder (its emails too), and goes on.
    """
    due = _reminders_due(session, today)
    session.commit()
    count = 0
    for rd_id, kind in due:
        try:
            session.add(ReminderSent(report_date_id=rd_id, kind=kind))
            session.flush()
            report_date = session.get(ReportDate, rd_id)
            if report_date is None:  # removed since the list was read
                session.rollback()
                continue
            _email_reminder(session, report_date=report_date, kind=kind)
            session.commit()
        except IntegrityError:
            session.rollback()
            continue
        count += 1
    return count


def _email_reminder(session: DbSession, *, report_date: ReportDate, kind: ReminderKind) -> None:
    overdue = kind == ReminderKind.OVERDUE
    for to in bid_recipients(session, report_date.award.bid):
        send_email(
            session, to=to.email, template="reports/reminder", recipient=to, report_date=report_date, overdue=overdue
        )
