"""Emails are templates: the subject is set by the template and is always one line; links use the public address."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import Flask

from grants.extensions import db
from grants.mail import absolute_url, send_email
from grants.models import OutboxEmail, Role
from grants.text import one_line
from tests.support.factories import make_user


def test_a_template_gives_the_subject_and_the_body_and_builds_its_links(app: Flask) -> None:
    with app.app_context():
        user = make_user(db.session, name="Maria Okafor")
        send_email(db.session, to=user.email, template="auth/password_reset", user=user, token="tok", hours=2)
        email = db.session.scalars(sa.select(OutboxEmail)).one()
        assert email.subject == "Reset your password"
        assert email.body_text.startswith("Hello Maria Okafor,\n")
        assert "\nhttp://localhost/reset-password/tok\n" in email.body_text
        assert absolute_url("public.index").startswith(app.config["PUBLIC_BASE_URL"])
        db.session.rollback()


@pytest.mark.parametrize(
    ("typed", "subject"),
    [("Friends of\nElm Park", "Friends of Elm Park"), ("Tab\there\r\n", "Tab here"), ("  plain  ", "plain")],
)
def test_a_subject_is_always_one_line(typed: str, subject: str) -> None:
    assert one_line(typed) == subject


def test_a_name_with_a_line_break_never_breaks_an_email_subject(app: Flask) -> None:
    with app.app_context():
        send_email(
            db.session,
            to="someone@example.com",
            template="auth/invitation",
            invitation=SimpleNamespace(role=Role.STAFF),
            group=None,
            round=None,
            funder=SimpleNamespace(name="Riverside\nCommunity Fund"),
            days=14,
            link="http://localhost/invitation/x",
        )
        email = db.session.scalars(sa.select(OutboxEmail)).one()
        assert "\n" not in email.subject and "Riverside Community Fund" in email.subject
        db.session.rollback()
