"""Write and prune the security log (grants.models.security). The rules for what goes in it live here only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request

from grants.database import DbSession
from grants.models import SecurityEvent, User, utcnow

# Every kind of security event, with the words a person reading the log sees.
KINDS: dict[str, str] = {
    "account.registered": "Account created",
    "account.registration_refused": "Someone tried to create an account with this address",
    "sign_in.succeeded": "Signed in",
    "sign_in.failed": "Wrong email address or password",
    "sign_in.throttled": "Sign-in slowed after too many failures",
    "signed_out": "Signed out",
    "session.expired": "Session ended after a time",
    "sessions.ended": "Every session ended by a site admin",
    "session.ended_elsewhere": "Signed out of another browser from the account page",
    "account.disabled": "Account disabled by a site admin",
    "account.data_downloaded": "Everything held about the account downloaded",
    "account.deletion_requested": "Asked for the account to be deleted",
    "account.deletion_cancelled": "Took back the request to delete the account",
    "account.deleted": "Account deleted by a site admin, as asked",
    "password.changed": "Password changed",
    "password.change_failed": "Wrong current password when changing it",
    "password.reset_requested": "Password reset link asked for",
    "password.reset": "Password reset by link",
    "two_factor.enabled": "Two-step sign-in turned on",
    "two_factor.disabled": "Two-step sign-in turned off",
    "two_factor.reset": "Two-step sign-in reset by a site admin after a lost phone and lost recovery codes",
    "two_factor.code_accepted": "Sign-in code accepted",
    "two_factor.failed": "Wrong sign-in code",
    "two_factor.throttled": "Sign-in code refused after too many wrong ones",
    "two_factor.recovery_code_used": "Recovery code used",
    "two_factor.recovery_codes_renewed": "New recovery codes made",
}


def record_security_event(
    session: DbSession,
    kind: str,
    *,
    user: User | None = None,
    source_ip: str | None = None,
    facts: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> SecurityEvent:
    """Add one row to the security log (the caller's transaction commits it). The source address is the request's
    when none is given (as the app sees it: behind a proxy, what ProxyFix makes of X-Forwarded-For); a command run
    from a terminal has none."""
    if kind not in KINDS:
        raise ValueError(f"unknown security event kind {kind!r}: add it to grants.auth.security_log.KINDS")
    if source_ip is None and has_request_context():
        source_ip = request.remote_addr
    event = SecurityEvent(
        kind=kind,
        user_id=user.id if user is not None else None,
        source_ip=(source_ip or None) and source_ip[:45],
        facts=facts or {},
        occurred_at=now or utcnow(),
    )
    session.add(event)
    return event


def prune_security_log(session: DbSession, *, days: int, now: datetime | None = None) -> int:
    """Delete security events older than `days` days; returns how many went."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = session.execute(sa.delete(SecurityEvent).where(SecurityEvent.occurred_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def security_events_for(session: DbSession, user: User, *, limit: int = 20) -> list[SecurityEvent]:
    """The latest security events of one account, newest first (for the person's own account page)."""
    return list(
        session.scalars(
            sa.select(SecurityEvent)
            .where(SecurityEvent.user_id == user.id)
            .order_by(SecurityEvent.occurred_at.desc(), SecurityEvent.id.desc())
            .limit(limit)
        )
    )
