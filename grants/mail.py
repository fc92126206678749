"""The email outbox: queue in the caller's transaction; `flask outbox send` delivers by SMTP.

Each email is sent on its own: whatever goes wrong with one (the server refuses it, its headers cannot be
built, anything else) is recorded on that email, which waits longer after each failed attempt (`retry_delay`)
and, after MAX_ATTEMPTS, is set aside with its error; the emails behind it still go out. `flask outbox failed`
lists the ones set aside and `flask outbox retry` queues them again.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for

from grants.database import DbSession
from grants.models import OutboxEmail
from grants.text import one_line

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=5)  # then 10, 20 and 40 minutes: set aside about 75 minutes after the first try
MAX_SUBJECT = 200  # the column's length


def absolute_url(endpoint: str, **values: Any) -> str:
    """A link for an email: the public base URL and the endpoint's path, in a request or from the CLI."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    return str(current_app.config["PUBLIC_BASE_URL"]) + path


def retry_delay(attempts: int) -> timedelta:
    """How long an email waits after its `attempts`-th failed attempt: doubling from FIRST_RETRY."""
    return FIRST_RETRY * 2 ** max(attempts - 1, 0)


def _subject(text: str) -> str:
    subject = one_line(text)
    return subject if len(subject) <= MAX_SUBJECT else subject[: MAX_SUBJECT - 1].rstrip() + "…"


def send_email(session: DbSession, *, to: str, template: str, **context: Any) -> OutboxEmail:
    """Queue the email `templates/email/<template>.txt` to one address (sent only if the transaction commits).

    The template sets its subject with `{% set subject %}...{% endset %}` and its body is the rest; it builds
    links with `absolute_url(endpoint, ...)`, so services pass objects and never know a page's address.
    """
    module = current_app.jinja_env.get_template(f"email/{template}.txt").make_module(
        {"product_name": current_app.config["PRODUCT_NAME"], "absolute_url": absolute_url, **context}
    )
    subject = _subject(str(getattr(module, "subject", "")))
    if not subject:
        raise ValueError(f"email/{template}.txt sets no subject")
    return queue_email(session, to=to, subject=subject, body=str(module).strip() + "\n")


def queue_email(session: DbSession, *, to: str, subject: str, body: str) -> OutboxEmail:
    """Add an email to the outbox; it is sent only if the caller's transaction commits."""
    email = OutboxEmail(to_address=to, subject=_subject(subject), body_text=body)
    session.add(email)
    if current_app.config.get("MAIL_LOG_BODIES"):
        log.warning("Email to %s: %s\n%s", to, subject, body)
    return email


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0  # failed this time, to be tried again later
    set_aside: int = 0  # failed for the last allowed time: kept with the error until retried


def _smtp() -> smtplib.SMTP:
    cfg = current_app.config
    if cfg["MAIL_USE_SSL"]:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30)
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
    if cfg["MAIL_USERNAME"]:
        smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
    return smtp


def _message(email: OutboxEmail) -> EmailMessage:
    """The email as sent. Every header value goes through `one_line` here, the one place an email is built, so no
    header ever holds a line break or another control character, whatever was stored; and the recipient must be
    exactly one address (ValueError if not), so nothing stored can add another."""
    msg = EmailMessage()
    msg["From"] = one_line(current_app.config["MAIL_FROM"])
    to = one_line(email.to_address)
    msg["To"] = to
    if [address.addr_spec for address in msg["To"].addresses] != [to]:
        raise ValueError(f"{email.to_address!r} is not one email address")
    msg["Subject"] = one_line(email.subject)
    msg["Message-ID"] = make_msgid(idstring=f"outbox-{email.id}")
    msg.set_content(email.body_text)
    return msg


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        OutboxEmail.sent_at.is_(None),
        OutboxEmail.failed_at.is_(None),
        sa.or_(OutboxEmail.next_attempt_at.is_(None), OutboxEmail.next_attempt_at <= now),
    )


def _failed(email: OutboxEmail, exc: Exception, now: datetime, result: SendResult) -> None:
    email.last_error = f"{type(exc).__name__}: {exc}"[:1000]
    if email.attempts >= MAX_ATTEMPTS:
        email.failed_at = now
        result.set_aside += 1
        log.error("Email %s to %s set aside after %s attempts: %s", email.id, email.to_address, email.attempts, exc)
    else:
        email.next_attempt_at = now + retry_delay(email.attempts)
        result.failed += 1
        log.warning("Email %s to %s failed (attempt %s): %s", email.id, email.to_address, email.attempts, exc)


def send_pending(session: DbSession, *, now: datetime, limit: int = 200) -> SendResult:
    """Send the emails due at `now`, one at a time, committing each as sent (or failed) so a crash never sends
    one twice, and one email that cannot be sent never holds up the others. OSError if the mail server cannot be
    reached at all (then nothing is counted against the email it was for)."""
    result = SendResult()
    pending_ids = list(
        session.scalars(sa.select(OutboxEmail.id).where(_due(now)).order_by(OutboxEmail.id).limit(limit))
    )
    session.commit()
    if not pending_ids:
        return result
    smtp: smtplib.SMTP | None = _smtp()
    try:
        for email_id in pending_ids:
            if smtp is None:  # the server hung up during the last email: connect again (OSError if it cannot)
                smtp = _smtp()
            # Claim the row: on PostgreSQL another sender skips it; on SQLite the write lock does the same.
            email = session.scalars(
                sa.select(OutboxEmail).where(OutboxEmail.id == email_id, _due(now)).with_for_update(skip_locked=True)
            ).first()
            if email is None:
                session.rollback()
                continue
            email.attempts += 1
            try:
                smtp.send_message(_message(email))
            except Exception as exc:  # whatever stops this email must not stop the others
                _failed(email, exc, now, result)
                if _connection_lost(smtp, exc):
                    _quit(smtp)
                    smtp = None
            else:
                email.sent_at = now
                email.last_error = None
                email.next_attempt_at = None
                result.sent += 1
            session.commit()
    finally:
        if smtp is not None:
            _quit(smtp)
    return result


def _connection_lost(smtp: smtplib.SMTP, exc: Exception) -> bool:
    # smtplib closes the socket itself on a 421 ("closing the channel"); SMTPException is an OSError too, so only
    # a hang-up or a socket error of its own means the connection is gone.
    return (
        smtp.sock is None
        or isinstance(exc, smtplib.SMTPServerDisconnected)
        or (isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException))
    )


def _quit(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.quit()


def set_aside_emails(session: DbSession) -> Sequence[OutboxEmail]:
    """The emails set aside after their last failed attempt, oldest first."""
    return session.scalars(
        sa.select(OutboxEmail)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.failed_at.is_not(None))
        .order_by(OutboxEmail.id)
    ).all()


def retry_set_aside(session: DbSession, *, email_id: int | None = None) -> int:
    """Queue set-aside emails again (one by id, or all of them) with a fresh count of attempts; how many were."""
    condition = sa.and_(OutboxEmail.sent_at.is_(None), OutboxEmail.failed_at.is_not(None))
    if email_id is not None:
        condition = sa.and_(condition, OutboxEmail.id == email_id)
    done = session.execute(
        sa.update(OutboxEmail)
        .where(condition)
        .values(failed_at=None, next_attempt_at=None, attempts=0)
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]
