"""The outbox: emails are queued with the change that causes them and sent by `flask outbox send`."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask

from grants.mail import queue_email
from grants.models import OutboxEmail
from tests.support.db import app_session


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
