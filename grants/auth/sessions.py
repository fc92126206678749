"""Sign-in sessions held in the database, so that signing out really ends them.

Flask-Login keeps `user.get_id()` in the cookie. Ours is a random token for one `LoginSession` row; ending
the row (sign out, password change, password reset) makes every copy of that cookie, and of the
remember-me cookie, worthless.

A session also ends by itself: "keep me signed in" lasts REMEMBER_COOKIE_DURATION_DAYS from sign-in; any
other session lasts SESSION_LIFETIME_HOURS from sign-in, and ends sooner after SESSION_IDLE_MINUTES unused.
Both are measured by the server: the lifetime from the row's `created_at`, the idle time from the last time
this browser was seen, which is kept in the signed Flask session cookie (`LAST_SEEN_KEY`, rewritten at most
once a minute) rather than in the row, so that reading a page never writes to the database. The cookie is
signed, so it cannot be moved forward; an old copy of it carries an old time, and is refused too.

The account page lists the person's open sessions (the browser and system each was opened on, from the user-agent
string by the ua-parser library, and when) and lets them end any other one, or all others.

Signing in and out starts a new Flask session (a new CSRF token, nothing carried over from before), keeping
only the keys registered with `keep_across_sign_in`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request
from flask import session as flask_session
from flask_login import login_user, logout_user
from ua_parser import parse as parse_user_agent

from grants.auth.security_log import record_security_event
from grants.auth.tokens import hash_token, new_token
from grants.database import DbSession
from grants.extensions import db, login_manager
from grants.models import LoginSession, User, utcnow

LAST_SEEN_KEY = "last_seen"  # seconds since the epoch, when this browser last used its session
LAST_SEEN_EVERY = 60  # seconds: how stale the cookie's time may be before it is written again
_KEPT_ACROSS_SIGN_IN: set[str] = set()


def keep_across_sign_in(*keys: str) -> None:
    """Keys of the Flask session that survive signing in (the factory registers the kept-form feature's)."""
    _KEPT_ACROSS_SIGN_IN.update(keys)


def configure_login_manager(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    # What a signed-out visitor meets is the web layer's: grants.auth.saved_forms, registered by the factory.

    @login_manager.user_loader
    def _load_user(token: str) -> User | None:
        now = utcnow()
        seen = flask_session.get(LAST_SEEN_KEY)
        last_seen = datetime.fromtimestamp(seen, UTC) if isinstance(seen, int | float) else None
        user = load_user_for_token(db.session, token, now=now, last_seen=last_seen)
        if user is not None and (last_seen is None or (now - last_seen).total_seconds() >= LAST_SEEN_EVERY):
            flask_session[LAST_SEEN_KEY] = int(now.timestamp())
        return user


def session_limits(*, remember: bool) -> tuple[timedelta, timedelta | None]:
    """How long a session may last from sign-in, and unused (None: no idle limit), from the settings."""
    config = current_app.config
    if remember:
        return timedelta(days=config["REMEMBER_COOKIE_DURATION_DAYS"]), None
    return timedelta(hours=config["SESSION_LIFETIME_HOURS"]), timedelta(minutes=config["SESSION_IDLE_MINUTES"])


def load_user_for_token(
    session: DbSession, token: str, *, now: datetime, last_seen: datetime | None = None
) -> User | None:
    """The user a session token signs in, if its session has not ended, is not too old and (unless it is a
    "keep me signed in" session) has not been idle too long since `last_seen`; otherwise None.

    Only reads: an expired session is refused at every request, so its row need not be written.
    """
    row = session.execute(
        sa.select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == hash_token(token), LoginSession.ended_at.is_(None))
    ).first()
    if row is None or row.User.is_disabled:
        return None
    lifetime, idle = session_limits(remember=row.LoginSession.remember)
    started: datetime = row.LoginSession.created_at
    if now >= started + lifetime:
        return None
    if idle is not None and now >= (last_seen or started) + idle:
        return None
    user: User = row.User
    user.session_token = token
    return user


def _renew_flask_session(*, keep: set[str]) -> None:
    """Start a fresh Flask session (so a fresh CSRF token), keeping only the keys named."""
    kept = {key: flask_session[key] for key in keep if key in flask_session}
    flask_session.clear()
    flask_session.update(kept)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # Flask-WTF's copy for this request


def describe_device(user_agent: str) -> str:
    """The browser and system a user-agent string names, in words a person recognises ("Firefox on Windows")."""
    parsed = parse_user_agent(user_agent[:1000])
    browser = parsed.user_agent.family if parsed.user_agent and parsed.user_agent.family != "Other" else ""
    system = parsed.os.family if parsed.os and parsed.os.family != "Other" else ""
    if browser and system:
        return f"{browser} on {system}"[:120]
    return (browser or system or "An unknown browser")[:120]


def start_session(user: User, *, remember: bool) -> None:
    """Open a new session row for this browser and sign the user in to it (the caller commits)."""
    token, token_hash = new_token()
    now = utcnow()
    db.session.add(
        LoginSession(
            user_id=user.id,
            token_hash=token_hash,
            remember=remember,
            created_at=now,
            device=describe_device(request.user_agent.string if has_request_context() else ""),
        )
    )
    user.session_token = token
    _renew_flask_session(keep=_KEPT_ACROSS_SIGN_IN)
    login_user(user, remember=remember)
    flask_session[LAST_SEEN_KEY] = int(now.timestamp())


def end_current_session(user: User) -> None:
    """End this browser's session (the caller commits)."""
    if user.session_token:
        db.session.execute(
            sa.update(LoginSession)
            .where(LoginSession.token_hash == hash_token(user.session_token), LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
    _renew_flask_session(keep=set())
    logout_user()  # after the renewal: it leaves a note in the new session to delete the remember-me cookie


def open_sessions(session: DbSession, user: User, *, now: datetime) -> list[LoginSession]:
    """The person's sessions not ended nor past their lifetime, newest first. (One not kept signed in may also have
    gone unused past the idle limit, which only its browser knows: it ends when that browser next asks.)"""
    rows = session.scalars(
        sa.select(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .order_by(LoginSession.created_at.desc(), LoginSession.id.desc())
    )
    return [row for row in rows if now < row.created_at + session_limits(remember=row.remember)[0]]


def is_this_browser(row: LoginSession, user: User) -> bool:
    return bool(user.session_token) and row.token_hash == hash_token(user.session_token or "")


def end_other_session(session: DbSession, user: User, session_id: int) -> bool:
    """End one of the person's sessions in another browser (the caller commits). False if there is no such
    session of theirs still open; this browser's own is ended by signing out."""
    row = session.get(LoginSession, session_id)
    if row is None or row.user_id != user.id or row.ended_at is not None or is_this_browser(row, user):
        return False
    row.ended_at = utcnow()
    record_security_event(session, "session.ended_elsewhere", user=user, facts={"sessions_ended": 1})
    return True


def end_other_sessions(session: DbSession, user: User) -> int:
    """End every session of the person but this browser's (the caller commits). Returns how many."""
    result = session.execute(
        sa.update(LoginSession)
        .where(
            LoginSession.user_id == user.id,
            LoginSession.ended_at.is_(None),
            LoginSession.token_hash != hash_token(user.session_token or ""),
        )
        .values(ended_at=utcnow())
    )
    ended = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if ended:
        record_security_event(session, "session.ended_elsewhere", user=user, facts={"sessions_ended": ended})
    return ended


def end_all_sessions(session: DbSession, user: User) -> int:
    """End every session of this user, in every browser (the caller commits). Returns how many."""
    result = session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
