"""The email outbox: queue in the caller's transaction; `flask outbox send` delivers by SMTP."""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for

from grants.database import DbSession
from grants.models import OutboxEmail, utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def absolute_url(endpoint: str, **values: Any) -> str:
    """A link for an email: the public base URL and the endpoint's path, in a request or from the CLI."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    return str(current_app.config["PUBLIC_BASE_URL"]) + path


def one_line(text: str) -> str:
    """A subject (or a name inside one) on one line: line breaks and other control characters become spaces."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def send_email(session: DbSession, *, to: str, template: str, **context: Any) -> OutboxEmail:
    """Queue the email `templates/email/<template>.txt` to one address (sent only if the transaction commits).

    The template sets its subject with `{% set subject %}...{% endset %}` and its body is the rest; it builds
    links with `absolute_url(endpoint, ...)`, so services pass objects and never know a page's address.
    """
    module = current_app.jinja_env.get_template(f"email/{template}.txt").make_module(
        {"product_name": current_app.config["PRODUCT_NAME"], "absolute_url": absolute_url, **context}
    )
    subject = one_line(str(getattr(module, "subject", "")))
    if not subject:
        raise ValueError(f"email/{template}.txt sets no subject")
    return queue_email(session, to=to, subject=subject, body=str(module).strip() + "\n")


def queue_email(session: DbSession, *, to: str, subject: str, body: str) -> OutboxEmail:
    """Add an email to the outbox; it is sent only if the caller's transaction commits."""
    email = OutboxEmail(to_address=to, subject=one_line(subject), body_text=body)
    session.add(email)
    if current_app.config.get("MAIL_LOG_BODIES"):
        log.warning("Email to %s: %s\n%s", to, subject, body)
    return email


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0


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
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = email.to_address
    msg["Subject"] = email.subject
    msg["Message-ID"] = make_msgid(idstring=f"outbox-{email.id}")
    msg.set_content(email.body_text)
    return msg


def send_pending(session: DbSession, *, limit: int = 200) -> SendResult:
    """Send pending emails one at a time, committing each as sent so a crash never sends one twice."""
    result = SendResult()
    pending_ids = list(
        session.scalars(
            sa.select(OutboxEmail.id)
            .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS)
            .order_by(OutboxEmail.id)
            .limit(limit)
        )
    )
    session.commit()
    if not pending_ids:
        return result
    smtp = _smtp()
    try:
        for email_id in pending_ids:
            # Claim the row: on PostgreSQL another sender skips it; on SQLite the write lock does the same.
            email = session.scalars(
                sa.select(OutboxEmail)
                .where(OutboxEmail.id == email_id, OutboxEmail.sent_at.is_(None))
                .with_for_update(skip_locked=True)
            ).first()
            if email is None:
                session.rollback()
                continue
            email.attempts += 1
            try:
                smtp.send_message(_message(email))
            except smtplib.SMTPException as exc:
                email.last_error = str(exc)[:1000]
                result.failed += 1
            else:
                email.sent_at = utcnow()
                email.last_error = None
                result.sent += 1
            session.commit()
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
    return result
