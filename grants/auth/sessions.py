"""Sign-in sessions held in the database, so that signing out really ends them.

Flask-Login keeps `user.get_id()` in the cookie. Ours is a random token for one `LoginSession` row; ending
the row (sign out, password change, password reset) makes every copy of that cookie, and of the
remember-me cookie, worthless.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask_login import login_user, logout_user

from grants.auth.tokens import hash_token, new_token
from grants.database import DbSession
from grants.extensions import db, login_manager
from grants.models import LoginSession, User, utcnow


def configure_login_manager(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    # What a signed-out visitor meets is the web layer's: grants.auth.saved_forms, registered by the factory.

    @login_manager.user_loader
    def _load_user(token: str) -> User | None:
        return load_user_for_token(db.session, token)


def load_user_for_token(session: DbSession, token: str) -> User | None:
    row = session.execute(
        sa.select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == hash_token(token), LoginSession.ended_at.is_(None))
    ).first()
    if row is None or row.User.is_disabled:
        return None
    user: User = row.User
    user.session_token = token
    return user


def start_session(user: User, *, remember: bool) -> None:
    """Open a new session row for this browser and sign the user in to it (the caller commits)."""
    token, token_hash = new_token()
    db.session.add(LoginSession(user_id=user.id, token_hash=token_hash, remember=remember))
    user.session_token = token
    login_user(user, remember=remember)


def end_current_session(user: User) -> None:
    """End this browser's session (the caller commits)."""
    if user.session_token:
        db.session.execute(
            sa.update(LoginSession)
            .where(LoginSession.token_hash == hash_token(user.session_token), LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
    logout_user()


def end_all_sessions(session: DbSession, user: User) -> int:
    """End every session of this user, in every browser (the caller commits). Returns how many."""
    result = session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
