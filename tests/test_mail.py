"""The outbox: emails are queued with the change that causes them and sent by `flask outbox send`."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask

from grants.mail import MAX_ATTEMPTS, queue_email, retry_delay, send_email, send_pending
from grants.models import OutboxEmail, utcnow
from tests.support.db import app_session
from tests.support.factories import make_user


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def app_config(smtp_server: tuple[_Inbox, int]) -> dict[str, Any]:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server[1], "MAIL_FROM": "Fund <grants@example.org>"}


def test_outbox_send_delivers_pending_email_by_smtp_and_marks_it_sent(
    app: Flask, smtp_server: tuple[_Inbox, int]
) -> None:
    inbox, _ = smtp_server
    with app_session(app) as s, app.test_request_context():
        queue_email(s, to="ada@example.com", subject="Your bid", body="We received your bid.")
        queue_email(s, to="bob@example.com", subject="Your bid", body="We received your bid too.")
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 2 email(s)" in result.output
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["ada@example.com", "bob@example.com"]
    assert b"We received your bid." in inbox.messages[0].content
    with app_session(app) as s:
        assert all(e.sent_at is not None for e in s.scalars(sa.select(OutboxEmail)))
    again = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "Sent 0 email(s)" in again.output
    assert len(inbox.messages) == 2


def test_email_queued_in_a_transaction_that_rolls_back_is_never_sent(app: Flask) -> None:
    with app.app_context(), app.test_request_context():
        from grants.extensions import db

        queue_email(db.session, to="ada@example.com", subject="x", body="y")
        db.session.rollback()
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 0


def test_a_refused_recipient_stays_pending_with_the_error(app: Flask, smtp_server: tuple[_Inbox, int]) -> None:
    inbox, _ = smtp_server

    async def refuse(server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return "550 No such user"

    inbox.handle_RCPT = refuse  # type: ignore[attr-defined]
    with app_session(app) as s, app.test_request_context():
        queue_email(s, to="ghost@example.com", subject="x", body="y")
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 1
    with app_session(app) as s:
        email = s.scalars(sa.select(OutboxEmail)).one()
        assert email.sent_at is None and email.attempts == 1 and "550" in (email.last_error or "")


def _queue_reset_behind(app: Flask, *, first_to: str, first_subject: str = "Welcome") -> None:
    """An email stored as `first_to` / `first_subject` (written straight to the table, as an older version or
    another path might have), then a password reset queued behind it."""
    with app_session(app) as s, app.test_request_context():
        s.add(OutboxEmail(to_address=first_to, subject=first_subject, body_text="Hello\n"))
        s.flush()
        user = make_user(s, email="maria@example.org", name="Maria Okafor")
        send_email(s, to=user.email, template="auth/password_reset", user=user, token="tok", hours=2)


def _emails(app: Flask) -> list[OutboxEmail]:
    with app_session(app) as s:
        emails = list(s.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)))
        s.expunge_all()
        return emails


def test_an_email_that_makes_the_sender_raise_never_holds_up_the_password_reset_behind_it(
    app: Flask, smtp_server: tuple[_Inbox, int]
) -> None:
    # The standard library raises AttributeError (not an SMTP error) building a header for this address.
    inbox, _ = smtp_server
    _queue_reset_behind(app, first_to="ada@[300.1")
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 1, result.output
    assert "Sent 1 email(s); 1 failed and will be retried." in result.output
    assert [m.rcpt_tos for m in inbox.messages] == [["maria@example.org"]]
    assert b"Reset your password" in inbox.messages[0].content
    bad, reset = _emails(app)
    assert reset.sent_at is not None
    assert bad.sent_at is None and bad.failed_at is None and bad.attempts == 1
    assert "AttributeError" in (bad.last_error or "")
    assert bad.next_attempt_at is not None and bad.next_attempt_at > utcnow()


def test_a_stored_subject_with_a_line_break_goes_out_on_one_line_and_an_address_with_one_adds_no_recipient(
    app: Flask, smtp_server: tuple[_Inbox, int]
) -> None:
    inbox, _ = smtp_server
    with app_session(app) as s:
        s.add(OutboxEmail(to_address="ada@example.org", subject="Friends of\nElm Park\r\nBcc: x@y.z", body_text="Hi"))
    _queue_reset_behind(app, first_to="ada@example.org\r\nBcc: eve@example.org")
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "Sent 2 email(s); 1 failed" in result.output
    assert [m.rcpt_tos for m in inbox.messages] == [["ada@example.org"], ["maria@example.org"]]
    assert b"Subject: Friends of Elm Park Bcc: x@y.z\r\n" in inbox.messages[0].content
    subject_one, address_one, reset = _emails(app)
    assert subject_one.sent_at is not None and reset.sent_at is not None
    assert address_one.sent_at is None and "is not one email address" in (address_one.last_error or "")


def test_after_the_server_hangs_up_on_one_email_the_sender_connects_again_for_the_next(
    app: Flask, smtp_server: tuple[_Inbox, int]
) -> None:
    inbox, _ = smtp_server

    async def hang_up_on_ghost(server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("ghost@"):
            return "421 Closing the channel"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    inbox.handle_RCPT = hang_up_on_ghost  # type: ignore[attr-defined]
    _queue_reset_behind(app, first_to="ghost@example.org")
    app.test_cli_runner().invoke(args=["outbox", "send"])
    assert [m.rcpt_tos for m in inbox.messages] == [["maria@example.org"]]
    ghost, reset = _emails(app)
    assert reset.sent_at is not None and ghost.sent_at is None and ghost.attempts == 1


def test_a_failing_email_waits_longer_after_each_try_then_is_set_aside_and_can_be_retried(
    app: Flask, smtp_server: tuple[_Inbox, int]
) -> None:
    inbox, _ = smtp_server
    refusing = True

    async def refuse_ghost(server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if refusing and address.startswith("ghost@"):
            return "550 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    inbox.handle_RCPT = refuse_ghost  # type: ignore[attr-defined]
    with app_session(app) as s, app.test_request_context():
        queue_email(s, to="ghost@example.org", subject="Hello", body="Hi")
    now = utcnow()
    with app.app_context():
        from grants.extensions import db

        for attempt in range(1, MAX_ATTEMPTS + 1):
            result = send_pending(db.session, now=now)
            assert (result.sent, result.failed, result.set_aside) == (
                (0, 1, 0) if attempt < MAX_ATTEMPTS else (0, 0, 1)
            )
            (email,) = _emails(app)
            assert email.attempts == attempt and "550" in (email.last_error or "")
            if attempt < MAX_ATTEMPTS:
                assert email.next_attempt_at == now + retry_delay(attempt)
                assert retry_delay(attempt) == retry_delay(1) * 2 ** (attempt - 1)
                # Not due again until its time comes.
                assert send_pending(db.session, now=now + retry_delay(attempt) / 2).failed == 0
                assert _emails(app)[0].attempts == attempt
                now += retry_delay(attempt)
        assert email.failed_at == now
        # Set aside: never tried again by the sender, however long we wait.
        assert send_pending(db.session, now=now + retry_delay(MAX_ATTEMPTS) * 100).failed == 0
        db.session.remove()

    runner = app.test_cli_runner()
    listed = runner.invoke(args=["outbox", "failed"])
    assert "ghost@example.org" in listed.output and "No such user" in listed.output
    refusing = False
    assert runner.invoke(args=["outbox", "retry"]).exit_code != 0  # neither an id nor --all
    assert runner.invoke(args=["outbox", "retry", "999"]).exit_code != 0
    retried = runner.invoke(args=["outbox", "retry", str(email.id)])
    assert "Queued 1 email(s)" in retried.output
    sent = runner.invoke(args=["outbox", "send"])
    assert "Sent 1 email(s)" in sent.output
    assert [m.rcpt_tos for m in inbox.messages] == [["ghost@example.org"]]
    assert "No emails are set aside." in runner.invoke(args=["outbox", "failed"]).output
