"""The security log is kept for SECURITY_LOG_DAYS, then pruned; the decision chain is never touched by it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from grants.auth.saved_forms import KEEP_FOR
from grants.auth.security_log import prune_security_log, record_security_event, security_events_for
from grants.idempotency import FORM_TOKEN_HOURS, new_form_token
from grants.models import PasswordReset, PendingRegistration, SavedForm, SecurityEvent, UsedFormToken, utcnow
from tests.support.db import app_session
from tests.support.factories import make_user
from tests.support.signin import sign_in


def test_prune_removes_only_entries_older_than_the_kept_period(session: Session) -> None:
    user = make_user(session, email="ada@example.com")
    now = utcnow()
    record_security_event(session, "sign_in.failed", user=user, now=now - timedelta(days=200))
    record_security_event(session, "sign_in.succeeded", user=user, now=now - timedelta(days=10))
    record_security_event(session, "sign_in.failed", source_ip="203.0.113.9", now=now - timedelta(days=181))
    session.flush()
    assert prune_security_log(session, days=180, now=now) == 2
    assert [e.kind for e in security_events_for(session, user)] == ["account.registered", "sign_in.succeeded"]


def test_an_unknown_kind_is_a_programming_error(session: Session) -> None:
    with pytest.raises(ValueError, match="unknown security event kind"):
        record_security_event(session, "sign_in.maybe")


def test_flask_security_prune_removes_what_is_past_its_keeping_time_and_nothing_else(app: Flask) -> None:
    now = utcnow()
    with app_session(app) as s:
        ada = make_user(s, email="ada@example.com")
        record_security_event(s, "sign_in.failed", now=now - timedelta(days=app.config["SECURITY_LOG_DAYS"] + 1))
        record_security_event(s, "sign_in.failed")
        for age, name in ((KEEP_FOR + timedelta(minutes=1), "old"), (timedelta(minutes=5), "new")):
            s.add(SavedForm(user_id=ada.id, path=f"/bids/{name}", token_hash="b" * 64, data=[], created_at=now - age))
        for hours, token in ((-1, "a"), (1, "b")):
            s.add(
                PendingRegistration(
                    email=f"{token}@example.com",
                    name="Bo",
                    password_hash="x",
                    token_hash=token * 64,
                    expires_at=now + timedelta(hours=hours),
                )
            )
        s.add(PasswordReset(user_id=ada.id, token_hash="c" * 64, expires_at=now - timedelta(hours=1)))
        for hours, purpose in ((FORM_TOKEN_HOURS + 1, "old"), (FORM_TOKEN_HOURS - 1, "recent")):
            used = now - timedelta(hours=hours)
            s.add(UsedFormToken(token=new_form_token(used), purpose=purpose, user_id=ada.id, used_at=used))
        s.commit()
    result = app.test_cli_runner().invoke(args=["security", "prune"])
    assert result.exit_code == 0, result.output
    assert (
        "Removed 1 security log entry, 1 kept form, 1 unconfirmed registration, 1 expired reset link and 1 used form"
        " token" in result.output
    )
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(SecurityEvent)) == 2  # the new failure, the sign-up
        assert s.scalars(sa.select(SavedForm.path)).all() == ["/bids/new"]
        assert s.scalars(sa.select(PendingRegistration.email)).all() == ["b@example.com"]
        assert s.scalar(sa.select(sa.func.count()).select_from(PasswordReset)) == 0
        assert s.scalars(sa.select(UsedFormToken.purpose)).all() == ["recent"]


def test_a_sign_in_entry_says_when_from_where_who_and_what(app: Flask) -> None:
    with app_session(app) as s:
        ada_id = make_user(s, email="ada@example.com").id
    before = utcnow()
    client = app.test_client()
    sign_in(client, "ada@example.com", "not the password", ip="198.51.100.4")
    sign_in(client, "ada@example.com", ip="198.51.100.4")
    with app_session(app) as s:
        entries = [
            (e.kind, e.user_id, e.source_ip, e.occurred_at >= before)
            for e in s.scalars(
                sa.select(SecurityEvent).where(SecurityEvent.kind.startswith("sign_in")).order_by(SecurityEvent.id)
            )
        ]
    assert entries == [
        ("sign_in.failed", ada_id, "198.51.100.4", True),
        ("sign_in.succeeded", ada_id, "198.51.100.4", True),
    ]


def test_every_entry_made_during_a_request_says_where_it_came_from(app: Flask) -> None:
    # Not only sign-ins: signing out, turning things on and off, ending sessions elsewhere (ASVS V16.2.1).
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    client = app.test_client()
    sign_in(client, "ada@example.com", ip="198.51.100.7")
    client.post("/account/sessions/end-others", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    other = app.test_client()
    sign_in(other, "ada@example.com", ip="203.0.113.9")
    client.post("/account/sessions/end-others", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    client.post("/sign-out", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    with app_session(app) as s:
        entries = {e.kind: e.source_ip for e in s.scalars(sa.select(SecurityEvent).order_by(SecurityEvent.id))}
    assert entries["session.ended_elsewhere"] == "198.51.100.7"
    assert entries["signed_out"] == "198.51.100.7"
    del entries["account.registered"]  # made by the test's factory, outside any request
    assert None not in entries.values(), entries
