"""Failed password checks slow an attacker down, and never lock the owner out.

Counted in the rate limiter's storage (`grants.extensions.limiter.storage`: memory in development and tests,
Redis in production, so every worker and machine sees the same counts), in moving windows. Only failures count.
A sign-in is held back, before its password is even checked, when

- its source address has failed too often against any accounts (`ADDRESS_LIMITS`: stops spraying a few
  passwords across many accounts from one address);
- that address has failed too often against this account (`PAIR_LIMITS`: stops guessing one account), with
  the same back-off as below;
- this account has failed too often from every address together (`ACCOUNT_LIMITS`: a botnet guessing one
  account), and this address is one of those that failed against it in the last 8 hours. Each failure past the
  fifth in a window doubles the wait (15 minutes, 15, 30, 60, 2 hours, 4 hours); no wait is ever longer than
  8 hours.

The account's limit never holds back an address that has not failed against the account, so the owner signing
in from their own device gets in however hard the account is being attacked; a password reset, or signing in
with the right password, clears the account's count (and this address's against it), so the owner always has a
way in. The account is the address
typed, normalised and keyed with the secret key: an address with no account is counted exactly like one with,
so the answer ("wait N minutes") never says whether an account exists.

Changing a password checks the current one; its failures are counted per account the same way
(`PASSWORD_CHECK_LIMITS`), so a stolen session cannot be used to guess the password.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask import current_app, request
from flask_login import current_user
from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from grants.domain import DomainError
from grants.extensions import limiter

T = TypeVar("T")

# 5 failures in 15 minutes, then 6 in 30, 7 in an hour, ... 10 in 8 hours: each failure doubles the wait.
BACK_OFF: tuple[RateLimitItem, ...] = tuple(RateLimitItemPerMinute(5 + k, 15 * 2**k) for k in range(6))
ACCOUNT_LIMITS = BACK_OFF
PAIR_LIMITS = BACK_OFF
ADDRESS_LIMITS: tuple[RateLimitItem, ...] = (RateLimitItemPerMinute(30, 15), RateLimitItemPerDay(100))
PASSWORD_CHECK_LIMITS = BACK_OFF

TOO_MANY = "You have tried this too many times. Wait {wait} and try again."

# Limits on pages, whatever their outcome, applied with Flask-Limiter's decorators in the route modules. Each
# registration is an argon2 hash and an email; each reset request an email; each invitation an email to anyone.
SIGN_IN_POSTS = "30 per minute"  # per address, right or wrong
REGISTRATIONS = "10 per hour"  # per address
RESET_REQUESTS = "10 per hour"  # per address
EMAILS_TO_ONE_ADDRESS = "3 per hour"  # registration and reset emails to one typed address, from anywhere
INVITATIONS_PER_MEMBER = "10 per hour; 30 per day"  # group invitations sent by one person
INVITATIONS_TO_ONE_ADDRESS = "3 per day"  # group invitations to one address, from anyone


def wait_words(seconds: float) -> str:
    """A wait for people: '1 minute', '15 minutes', '3 hours' (always rounded up, never 'now')."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes <= 90:
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    return f"{math.ceil(minutes / 60)} hours"


def too_many_message(seconds: float) -> str:
    return TOO_MANY.format(wait=wait_words(seconds))


class Throttled(DomainError):
    """Too many failed attempts: the person must wait `retry_after` seconds (the page answers 429 with it)."""

    def __init__(self, wait_seconds: float, field: str | None = None) -> None:
        super().__init__(too_many_message(wait_seconds), field)
        self.retry_after = max(1, math.ceil(wait_seconds))


# Where the counts go while the shared storage cannot be reached: this worker's memory. Limits then hold per
# worker (weaker, but never none) and nobody is shown an error page; the first failure after the storage comes
# back counts there again. Flask-Limiter does the same for the page limits (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED).
_FALLBACK = MovingWindowRateLimiter(MemoryStorage())


def _counted(count: Callable[[MovingWindowRateLimiter], T]) -> T:
    """Run `count` against the shared storage, or against this worker's memory while that is unreachable."""
    storage = limiter.storage
    try:
        return count(MovingWindowRateLimiter(storage))
    except storage.base_exceptions:
        current_app.logger.warning(
            "rate-limit storage %s unreachable: counting failed sign-ins in this worker's memory",
            current_app.config.get("RATELIMIT_STORAGE_URI"),
        )
        return count(_FALLBACK)


def account_key(email: str) -> str:
    """The account an email address stands for, whether or not it exists: never the address itself."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, email.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def typed_email() -> str:
    """Flask-Limiter key: the address typed in the form's `email` field, as an account key."""
    return account_key(request.form.get("email", ""))


def no_email_typed() -> bool:
    return not request.form.get("email", "").strip()


def signed_in_person() -> str:
    """Flask-Limiter key: the signed-in person (the route requires a sign-in)."""
    return f"user-{current_user.id}"


def redirected(response: Any) -> bool:
    """Flask-Limiter `deduct_when`: count only a form that did its work (post/redirect/get)."""
    return 300 <= int(response.status_code) < 400


# Keyword arguments of `limiter.limit` for a limit per typed address (forms with no address typed are not
# counted here; the limit per client address still counts them).
PER_TYPED_EMAIL: dict[str, Any] = {
    "methods": ["POST"],
    "key_func": typed_email,
    "exempt_when": no_email_typed,
    "scope": "typed-email",
}


def _scoped(identifiers: tuple[str, ...]) -> tuple[str, ...]:
    """The identifiers of a count, under RATELIMIT_KEY_PREFIX when one is set (as Flask-Limiter's own are)."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX")
    return (prefix, *identifiers) if prefix else identifiers


def _wait(items: Sequence[RateLimitItem], *identifiers: str) -> float:
    """Seconds until every exhausted one of `items` has room again (0: none is exhausted)."""
    ids = _scoped(identifiers)

    def wait(strategy: MovingWindowRateLimiter) -> float:
        now, longest = time.time(), 0.0
        for item in items:
            if not strategy.test(item, *ids):
                longest = max(longest, strategy.get_window_stats(item, *ids).reset_time - now)
        return longest

    return _counted(wait)


def _has_failed(items: Sequence[RateLimitItem], *identifiers: str) -> bool:
    longest, ids = max(items, key=lambda item: item.get_expiry()), _scoped(identifiers)
    return _counted(lambda strategy: strategy.get_window_stats(longest, *ids).remaining < longest.amount)


def _hit(items: Sequence[RateLimitItem], *identifiers: str) -> bool:
    """Count one failure in each window; True when this failure used up a window (the next attempt waits)."""
    ids = _scoped(identifiers)

    def hit(strategy: MovingWindowRateLimiter) -> bool:
        for item in items:
            strategy.hit(item, *ids)
        return any(not strategy.test(item, *ids) for item in items)

    return _counted(hit)


def _clear(items: Sequence[RateLimitItem], *identifiers: str) -> None:
    ids = _scoped(identifiers)

    def clear(strategy: MovingWindowRateLimiter) -> None:
        for item in items:
            strategy.clear(item, *ids)

    _counted(clear)


# --- signing in ---------------------------------------------------------------------------------------------


def sign_in_wait(*, email: str, source_ip: str) -> float:
    """How many seconds this address must wait before it may try this email address again (0: try now)."""
    account = account_key(email)
    waits = [_wait(ADDRESS_LIMITS, "sign-in-address", source_ip), _wait(PAIR_LIMITS, "sign-in", source_ip, account)]
    if _has_failed(PAIR_LIMITS, "sign-in", source_ip, account):
        waits.append(_wait(ACCOUNT_LIMITS, "sign-in-account", account))
    return max(waits)


def sign_in_failed(*, email: str, source_ip: str) -> bool:
    """Count a failed sign-in; True when it used up a limit, so the next attempt from this address will wait."""
    account = account_key(email)
    used_up = [
        _hit(ADDRESS_LIMITS, "sign-in-address", source_ip),
        _hit(PAIR_LIMITS, "sign-in", source_ip, account),
        _hit(ACCOUNT_LIMITS, "sign-in-account", account),
    ]
    return any(used_up)


def sign_in_succeeded(*, email: str, source_ip: str) -> None:
    """The right password: forget this address's failures against the account, and the account's own count (the
    owner's typing mistakes must not add up to a wait). Other addresses' counts against it stay."""
    account = account_key(email)
    _clear(PAIR_LIMITS, "sign-in", source_ip, account)
    _clear(ACCOUNT_LIMITS, "sign-in-account", account)


def password_reset(*, email: str, user_id: int, source_ip: str | None) -> None:
    """A password reset by the owner clears the account's failures (and those from the address the reset came
    from), so nothing stops them signing in."""
    account = account_key(email)
    _clear(ACCOUNT_LIMITS, "sign-in-account", account)
    if source_ip:
        _clear(PAIR_LIMITS, "sign-in", source_ip, account)
    _clear(PASSWORD_CHECK_LIMITS, "password-check", str(user_id))


# --- the current password, when changing it -------------------------------------------------------------------


def password_check_wait(*, user_id: int) -> float:
    return _wait(PASSWORD_CHECK_LIMITS, "password-check", str(user_id))


def password_check_failed(*, user_id: int) -> bool:
    return _hit(PASSWORD_CHECK_LIMITS, "password-check", str(user_id))
