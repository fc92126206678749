"""Password hashing with argon2id (RFC 9106 parameters by default; tests may lower the cost)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


def _hasher() -> PasswordHasher:
    cost = current_app.config.get("ARGON2_COST")
    if cost:  # a cheaper hash for the test suite only; production never sets it
        return PasswordHasher(time_cost=1, memory_cost=cost, parallelism=1)
    return PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    """A hash of a password nobody has, made once per set of parameters (so it costs what a real one does)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism).hash(
        "not anyone's password"
    )


def check_password_or_dummy(password_hash: str | None, password: str) -> bool:
    """Check a password against an account's hash; with no account, check it against a dummy hash and say no.

    Either way one argon2 verification runs, so how long a sign-in takes does not tell whether the account
    exists.
    """
    if password_hash is None:
        hasher = _hasher()
        check_password(_dummy_hash(hasher.time_cost, hasher.memory_cost, hasher.parallelism), password)
        return False
    return check_password(password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
