"""The security log is kept for SECURITY_LOG_DAYS, then pruned; the decision chain is never touched by it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from grants.auth.security_log import prune_security_log, record_security_event, security_events_for
from grants.models import SecurityEvent, utcnow
from tests.support.db import app_session
from tests.support.factories import make_user


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


def test_flask_security_prune_uses_the_configured_days(app: Flask) -> None:
    with app_session(app) as s:
        record_security_event(s, "sign_in.failed", now=utcnow() - timedelta(days=app.config["SECURITY_LOG_DAYS"] + 1))
        record_security_event(s, "sign_in.failed")
        s.commit()
    result = app.test_cli_runner().invoke(args=["security", "prune"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 security log entry" in result.output
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(SecurityEvent)) == 1
