"""Accounts, registration, sign-in and password resets: the rules, with no Flask routing. (Roles and invitations:
grants.auth.invitations.)"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from grants.auth import throttle
from grants.auth.passwords import (
    check_new_password,
    check_password,
    check_password_or_dummy,
    hash_password,
    needs_rehash,
)
from grants.auth.security_log import record_security_event
from grants.auth.sessions import end_all_sessions
from grants.auth.throttle import Throttled
from grants.auth.tokens import hash_token, new_token
from grants.database import DbSession
from grants.domain import DomainError
from grants.mail import send_email
from grants.models import (
    LoginSession,
    PasswordReset,
    PendingRegistration,
    User,
    utcnow,
)


class LinkInvalid(DomainError):
    """A reset or invitation link that does not exist, was used, was revoked or has expired: the page says so
    instead of showing its form."""


def normalise_email(email: str) -> str:
    """How an address is stored and compared: NFC (so "josé" typed either way is one account), trimmed, lower case."""
    from grants import text  # imported here so this function is the whole change to this module

    return text.normalise_email(email)


def find_user_by_email(session: DbSession, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == normalise_email(email)))


# --- registration and sign-in -------------------------------------------------------------------------------


def register_user(session: DbSession, *, name: str, email: str, password: str) -> User:
    """Create an account now (invitations, the CLI, the demo). The email must not already be in use, in any
    letter case. Someone registering on the site asks for an emailed link instead: `request_registration`."""
    email = normalise_email(email)
    check_new_password(password, email=email, name=name)
    if find_user_by_email(session, email) is not None:
        raise DomainError(
            "An account with this email address already exists. Sign in, or reset your password.", "email"
        )
    return _create_account(session, name=name.strip(), email=email, password_hash=hash_password(password))


def _create_account(session: DbSession, *, name: str, email: str, password_hash: str) -> User:
    user = User(name=name, email=email, password_hash=password_hash)
    session.add(user)
    session.flush()
    record_security_event(session, "account.registered", user=user)
    return user


def request_registration(
    session: DbSession, *, name: str, email: str, password: str, next_path: str | None = None, now: datetime
) -> None:
    """Someone asks for an account: email the address a link that makes it. Says nothing either way to the caller.

    If the address already has an account, it is sent a notice instead (sign in, or reset your password), so the
    page never says whether an account exists. The password is hashed either way, so the answer takes as long.
    Asking again replaces the last link.
    """
    email = normalise_email(email)
    check_new_password(password, email=email, name=name)
    password_hash = hash_password(password)
    existing = find_user_by_email(session, email)
    if existing is not None:
        send_email(session, to=existing.email, template="auth/registration_existing", user=existing)
        record_security_event(session, "account.registration_refused", user=existing, now=now)
        return
    session.execute(
        sa.delete(PendingRegistration).where(
            sa.or_(PendingRegistration.email == email, PendingRegistration.expires_at <= now)
        )
    )
    token, token_hash = new_token()
    hours = current_app.config["REGISTRATION_HOURS"]
    session.add(
        PendingRegistration(
            email=email,
            name=name.strip(),
            password_hash=password_hash,
            token_hash=token_hash,
            expires_at=now + timedelta(hours=hours),
        )
    )
    send_email(
        session,
        to=email,
        template="auth/confirm_registration",
        name=name.strip(),
        token=token,
        hours=hours,
        next_path=next_path,
    )


def find_pending_registration(session: DbSession, token: str, *, now: datetime) -> PendingRegistration:
    """The registration a link stands for, if it can still be finished; otherwise LinkInvalid."""
    pending = session.scalar(sa.select(PendingRegistration).where(PendingRegistration.token_hash == hash_token(token)))
    if pending is None:
        raise LinkInvalid(
            "This link is not valid. It may have been used already (then sign in), or a newer one sent: "
            "check you copied the whole link from the most recent email, or create your account again."
        )
    if pending.expires_at <= now:
        raise LinkInvalid("This link has expired. Create your account again: it takes a minute.")
    return pending


def complete_registration(session: DbSession, *, token: str, now: datetime) -> User:
    """Make the account a registration link stands for; the link stops working."""
    pending = find_pending_registration(session, token, now=now)
    # Claim the link atomically: a second request racing with this one deletes no row and is refused.
    claimed = session.execute(sa.delete(PendingRegistration).where(PendingRegistration.id == pending.id))
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise LinkInvalid("This link has already been used. Sign in with your email address and password.")
    if find_user_by_email(session, pending.email) is not None:
        raise LinkInvalid("There is already an account for this email address. Sign in, or reset your password.")
    return _create_account(session, name=pending.name, email=pending.email, password_hash=pending.password_hash)


def authenticate(session: DbSession, *, email: str, password: str, source_ip: str) -> User:
    """Check an email and password. A failure is logged (without the email typed) and raises DomainError;
    too many failures raise Throttled before the password is checked (grants.auth.throttle).

    An unknown address is checked against a dummy hash and counted like a real one, so neither the time taken nor
    the words of the answer say whether an account exists.
    """
    wait = throttle.sign_in_wait(email=email, source_ip=source_ip)
    if wait > 0:
        raise Throttled(wait)
    user = find_user_by_email(session, email)
    correct = check_password_or_dummy(user.password_hash if user is not None else None, password)
    if user is None or user.is_disabled or not correct:
        used_up = throttle.sign_in_failed(email=email, source_ip=source_ip)
        record_security_event(
            session, "sign_in.failed", user=user, source_ip=source_ip, facts={"known_account": user is not None}
        )
        if used_up:
            record_security_event(session, "sign_in.throttled", user=user, source_ip=source_ip)
        raise DomainError("Enter a correct email address and password.", "email")
    throttle.sign_in_succeeded(email=email, source_ip=source_ip)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record_security_event(session, "sign_in.succeeded", user=user, source_ip=source_ip)
    return user


def end_sessions(session: DbSession, *, user: User | None, now: datetime, disable: bool = False) -> int:
    """A site admin ends every session of one account (a lost laptop, a copied cookie), or of every account with
    `user=None`; `disable` also stops the account signing in at all. Returns how many sessions ended."""
    if user is None:
        result = session.execute(sa.update(LoginSession).where(LoginSession.ended_at.is_(None)).values(ended_at=now))
        ended = int(result.rowcount or 0)  # type: ignore[attr-defined]
    else:
        user.is_disabled = user.is_disabled or disable
        ended = end_all_sessions(session, user)
    kind = "account.disabled" if disable else "sessions.ended"
    record_security_event(session, kind, user=user, facts={"sessions_ended": ended, "everyone": user is None}, now=now)
    return ended


def record_sign_out(session: DbSession, user: User) -> None:
    record_security_event(session, "signed_out", user=user)


def change_password(
    session: DbSession, *, user: User, current_password: str, new_password: str, source_ip: str | None = None
) -> None:
    """Change a password; every session of the user ends (the caller signs this browser in again).

    A wrong current password is logged (the caller keeps the log entry) and counted per account like a failed
    sign-in: too many raise Throttled before the password is checked.
    """
    wait = throttle.password_check_wait(user_id=user.id)
    if wait > 0:
        raise Throttled(wait, "current_password")
    if not check_password(user.password_hash, current_password):
        used_up = throttle.password_check_failed(user_id=user.id)
        record_security_event(
            session, "password.change_failed", user=user, source_ip=source_ip, facts={"throttled": used_up}
        )
        raise DomainError("Your current password is not correct.", "current_password")
    check_new_password(new_password, email=user.email, name=user.name)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    ended = end_all_sessions(session, user)
    record_security_event(session, "password.changed", user=user, facts={"sessions_ended": ended})


# --- password reset -----------------------------------------------------------------------------------------


def request_password_reset(session: DbSession, *, email: str) -> None:
    """Email a single-use reset link if the account exists. Says nothing either way to the caller.

    An account has one live link: a new one replaces the last, which stops working (a partial unique index holds
    it; the account's row is locked first so that two requests at once queue rather than collide).
    """
    user = find_user_by_email(session, email)
    if user is None or user.is_disabled:
        return
    now = utcnow()
    session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None), PasswordReset.replaced_at.is_(None))
        .values(replaced_at=now)
    )
    token, token_hash = new_token()
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    session.add(PasswordReset(user_id=user.id, token_hash=token_hash, expires_at=now + timedelta(hours=hours)))
    send_email(session, to=user.email, template="auth/password_reset", user=user, token=token, hours=hours)
    record_security_event(session, "password.reset_requested", user=user)


def find_password_reset(session: DbSession, token: str) -> PasswordReset:
    """The reset a link stands for, if it can still be used; otherwise LinkInvalid."""
    reset = session.scalar(sa.select(PasswordReset).where(PasswordReset.token_hash == hash_token(token)))
    if reset is None:
        raise LinkInvalid(
            "This password reset link is not valid. Check you copied the whole link, or ask for a new one."
        )
    if reset.used_at is not None:
        raise LinkInvalid("This password reset link has already been used. Ask for a new one if you need to.")
    if reset.replaced_at is not None:
        raise LinkInvalid(
            "This password reset link was replaced by a newer one. Use the link in the most recent email, "
            "or ask for a new one."
        )
    if reset.expires_at <= utcnow():
        raise LinkInvalid("This password reset link has expired. Ask for a new one.")
    return reset


def reset_password(session: DbSession, *, token: str, new_password: str, source_ip: str | None = None) -> User:
    """Set a new password from a reset link; the link and any others for the account stop working, and the
    account's count of failed sign-ins is cleared, so its owner can sign in at once."""
    reset = find_password_reset(session, token)
    user = reset.user
    check_new_password(new_password, email=user.email, name=user.name)
    now = utcnow()
    session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now
    ended = end_all_sessions(session, user)
    throttle.password_reset(email=user.email, user_id=user.id, source_ip=source_ip)
    record_security_event(session, "password.reset", user=user, source_ip=source_ip, facts={"sessions_ended": ended})
    return user
