"""Two-step sign-in: the rules for an authenticator app (TOTP, RFC 6238) and single-use recovery codes.

Staff, auditors and site admins must use it; anyone else may turn it on from their account page. A code is
accepted from the 30 seconds before or after now (clocks drift), never twice: the time-step of the last code
accepted is kept, and a code of that step or an earlier one is refused. Wrong codes (and wrong passwords on
these pages) are counted per account in the security log: after FAILED_CODE_LIMIT in FAILED_CODE_WINDOW even
the right code is refused until the window has passed.

Every change and every code goes in the security log (grants.auth.security_log): two_factor.enabled, .disabled,
.code_accepted, .failed, .throttled, .recovery_code_used and .recovery_codes_renewed. A change to the second factor
(a new device, new recovery codes, turning it off) ends every session of the account; the page signs this browser in
again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import sqlalchemy as sa
from flask import current_app

from grants.auth.passwords import check_password
from grants.auth.sealing import open_sealed, seal
from grants.auth.security_log import record_security_event
from grants.auth.sessions import end_all_sessions
from grants.database import DbSession
from grants.domain import DomainError
from grants.mail import send_email
from grants.models import RecoveryCode, Role, SecurityEvent, TwoFactor, User

# The roles whose holders must sign in with a second factor.
REQUIRED_FOR: frozenset[Role] = frozenset({Role.SITE_ADMIN, Role.STAFF, Role.AUDITOR})
FAILED_CODE_LIMIT = 5
FAILED_CODE_WINDOW = timedelta(minutes=15)
RECOVERY_CODE_COUNT = 10
# Lower-case letters and digits that cannot be mistaken for one another (no 0/o, 1/l/i); 24 of them are 118 bits,
# so a plain SHA-256 is enough to store them: nobody can try every code against a copied hash (ASVS V6.5.2 asks
# for 112 bits, or a slow password hash, which would cost ten argon2 checks a try).
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 6, 4

CODE_FORMAT = "Enter the 6-digit code from your authenticator app, like 123456"
WRONG_CODE = "That code is not right. Enter the code your authenticator app shows now"
REPLAYED_CODE = "That code has already been used. Wait for your app to show a new code, then enter it"
WRONG_RECOVERY_CODE = "That recovery code is not right, or it has already been used. Check it and try again"
WRONG_PASSWORD = "Your password is not correct"  # noqa: S105 - a message, not a password
TOO_MANY = "Too many wrong codes. Wait 15 minutes, then try again"


@dataclass(frozen=True)
class SetupKey:
    """A new authenticator key, as a person adds it to their app: the QR code's URI, or the key typed in."""

    secret: str
    uri: str

    @property
    def typed(self) -> str:
        """The key in groups of four, for typing into an app ("can't scan?")."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


# --- who has it, who needs it --------------------------------------------------------------------------------


def must_use_two_factor(user: User) -> bool:
    """Staff, auditors and site admins must sign in with a second factor."""
    return any(grant.role in REQUIRED_FOR for grant in user.role_grants)


def two_factor_for(session: DbSession, user: User) -> TwoFactor | None:
    """The account's authenticator app, if two-step sign-in is on."""
    return session.scalar(sa.select(TwoFactor).where(TwoFactor.user_id == user.id))


def recovery_codes_left(session: DbSession, user: User) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


# --- setting it up ------------------------------------------------------------------------------------------


def begin_setup(*, user: User, secret: str | None = None) -> SetupKey:
    """A new key for the person's app (nothing is stored until `confirm_setup`). `secret` keeps the one already
    shown, so reloading the page does not change the QR code under the person's phone."""
    secret = secret or pyotp.random_base32()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["PRODUCT_NAME"])
    return SetupKey(secret=secret, uri=uri)


def confirm_setup(
    session: DbSession, *, user: User, secret: str, code: str, now: datetime, replace: bool = False
) -> list[str]:
    """Turn two-step sign-in on with the key `secret` once a code from the app matches it; returns the new
    recovery codes, to be shown once. With `replace` (a signed-in person setting up a new device) the new device
    replaces the old one and its recovery codes; without, an account that has it on already is refused. Every
    sign-in session of the account ends (the caller signs this browser in again), as when a password changes."""
    existing = two_factor_for(session, user)
    if existing is not None and not replace:
        raise DomainError("Two-step sign-in is already on for this account. Sign in again with a code from your app.")
    step = _matching_step(secret, _six_digits(code), now)
    if step is None:
        raise DomainError(WRONG_CODE, "code")
    if existing is None:
        session.add(TwoFactor(user_id=user.id, secret_sealed=seal(secret), enabled_at=now, last_used_step=step))
    else:
        existing.secret_sealed, existing.enabled_at, existing.last_used_step = seal(secret), now, step
    codes = _replace_recovery_codes(session, user, now=now)
    ended = end_all_sessions(session, user)
    record_security_event(
        session,
        "two_factor.enabled",
        user=user,
        facts={"new_device": existing is not None, "sessions_ended": ended},
        now=now,
    )
    return codes


# --- signing in ---------------------------------------------------------------------------------------------


def verify_code(session: DbSession, *, user: User, code: str, now: datetime) -> None:
    """Check a code from the person's app; DomainError on the `code` field if it is wrong, used already, or the
    account has had too many wrong codes lately. A wrong or repeated code is logged and counted."""
    digits = _six_digits(code)
    row = _enabled(session, user)
    _refuse_if_throttled(session, user, now)
    secret = open_sealed(row.secret_sealed)
    step = _matching_step(secret, digits, now)
    if step is None:
        _failed(session, user, now, what="code")
        raise DomainError(WRONG_CODE, "code")
    if row.last_used_step is not None and step <= row.last_used_step:
        _failed(session, user, now, what="replayed code")
        raise DomainError(REPLAYED_CODE, "code")
    row.last_used_step = step
    record_security_event(session, "two_factor.code_accepted", user=user, now=now)


def use_recovery_code(session: DbSession, *, user: User, code: str, now: datetime) -> int:
    """Sign in with a recovery code instead of the app: each works once. Returns how many are left."""
    _enabled(session, user)
    _refuse_if_throttled(session, user, now)
    found = session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if found is None:
        _failed(session, user, now, what="recovery code")
        raise DomainError(WRONG_RECOVERY_CODE, "code")
    found.used_at = now
    session.flush()
    left = recovery_codes_left(session, user)
    record_security_event(session, "two_factor.recovery_code_used", user=user, facts={"left": left}, now=now)
    return left


# --- changing it --------------------------------------------------------------------------------------------


def check_password_for_change(session: DbSession, *, user: User, password: str, now: datetime) -> None:
    """The person's password, asked again before a change to how they sign in; wrong ones count as failures."""
    _refuse_if_throttled(session, user, now, field="password")
    if not check_password(user.password_hash, password):
        _failed(session, user, now, what="password")
        raise DomainError(WRONG_PASSWORD, "password")


def renew_recovery_codes(session: DbSession, *, user: User, code: str, now: datetime) -> list[str]:
    """New recovery codes, for a code from the app; the old ones stop working. Returns them, to be shown once."""
    verify_code(session, user=user, code=code, now=now)
    codes = _replace_recovery_codes(session, user, now=now)
    ended = end_all_sessions(session, user)  # someone who signed in with an old code is signed out too
    record_security_event(
        session, "two_factor.recovery_codes_renewed", user=user, facts={"sessions_ended": ended}, now=now
    )
    return codes


def disable(session: DbSession, *, user: User, password: str, code: str, now: datetime) -> None:
    """Turn two-step sign-in off, with the password and a code from the app. Not for roles that must use it."""
    if must_use_two_factor(user):
        raise DomainError(
            "Staff, auditors and site admins must use two-step sign-in, so it cannot be turned off. "
            "To use a new phone, set up a new device instead."
        )
    row = _enabled(session, user)
    check_password_for_change(session, user=user, password=password, now=now)
    verify_code(session, user=user, code=code, now=now)
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.delete(row)
    ended = end_all_sessions(session, user)
    record_security_event(session, "two_factor.disabled", user=user, facts={"sessions_ended": ended}, now=now)


def reset_for_lost_device(session: DbSession, *, user: User, checked: str, now: datetime) -> None:
    """A site admin's way back for someone who lost both their phone and their recovery codes, once the admin has
    checked who they are as carefully as when the account was given its role (`checked` says how): their app and
    codes stop working, every session ends, and they are emailed. Their password then opens only the setting up
    of a new app, as for someone who has never set one up."""
    checked = checked.strip()
    if not checked:
        raise DomainError("Say how you checked that it is them (for example: a video call with their manager)")
    if len(checked) > 300:
        raise DomainError("Say how you checked that it is them in 300 characters or fewer")
    row = _enabled(session, user)
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.delete(row)
    ended = end_all_sessions(session, user)
    record_security_event(
        session, "two_factor.reset", user=user, facts={"checked": checked, "sessions_ended": ended}, now=now
    )
    send_email(session, to=user.email, template="auth/two_factor_reset", user=user)


# --- the parts ----------------------------------------------------------------------------------------------


def _enabled(session: DbSession, user: User) -> TwoFactor:
    row = two_factor_for(session, user)
    if row is None:
        raise DomainError("Two-step sign-in is not turned on for this account.")
    return row


def _six_digits(code: str) -> str:
    digits = re.sub(r"[\s-]", "", code)
    if not re.fullmatch(r"[0-9]{6}", digits):
        raise DomainError(CODE_FORMAT, "code")
    return digits


def _matching_step(secret: str, digits: str, now: datetime) -> int | None:
    """The time-step whose code is `digits`: now's, or the one before or after it (valid_window=1)."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def _recent_failures(session: DbSession, user: User, now: datetime) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(SecurityEvent)
            .where(
                SecurityEvent.kind == "two_factor.failed",
                SecurityEvent.user_id == user.id,
                SecurityEvent.occurred_at > now - FAILED_CODE_WINDOW,
            )
        )
        or 0
    )


def _refuse_if_throttled(session: DbSession, user: User, now: datetime, *, field: str = "code") -> None:
    # Counted from the security log for now, so it holds across workers; grants.auth.throttle (Flask-Limiter)
    # can take this over when it lands.
    if _recent_failures(session, user, now) >= FAILED_CODE_LIMIT:
        record_security_event(session, "two_factor.throttled", user=user, now=now)
        raise DomainError(TOO_MANY, field)


def _failed(session: DbSession, user: User, now: datetime, *, what: str) -> None:
    record_security_event(session, "two_factor.failed", user=user, facts={"what": what}, now=now)


def _new_recovery_code() -> str:
    groups = (
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH)) for _ in range(RECOVERY_GROUPS)
    )
    return "-".join(groups)


def _hash_recovery_code(code: str) -> str:
    """SHA-256 of the code as typed, less case, spaces and hyphens."""
    return hashlib.sha256(re.sub(r"[\s-]", "", code).lower().encode()).hexdigest()


def _replace_recovery_codes(session: DbSession, user: User, *, now: datetime) -> list[str]:
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery_code(c), created_at=now) for c in codes)
    session.flush()
    return codes
