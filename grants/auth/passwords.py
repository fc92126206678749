"""Password hashing with argon2id (RFC 9106 parameters by default; tests may lower the cost)."""

from __future__ import annotations

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


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
