"""Passwords: what a new one may be (`password_problem`), and hashing with argon2id (RFC 9106 parameters by
default; tests may lower the cost)."""

from __future__ import annotations

import gzip
import re
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from grants.domain import DomainError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
TOO_SHORT = f"Your password must be at least {MIN_PASSWORD_LENGTH} characters long"
TOO_LONG = f"Your password must be {MAX_PASSWORD_LENGTH} characters or fewer"
TOO_COMMON = "This password is one of the most common, so it is easy to guess. Choose another"
TOO_CLOSE = "Your password must not be your email address, your name or the name of this service. Choose another"
# Words that would be the first guesses at a password for this service (ASVS V6.2.11).
CONTEXT_WORDS = ("commonpot", "grantmaking", "participatorygrant")


@cache
def _common_passwords() -> frozenset[str]:
    data = resources.files("grants.auth").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split())


def _letters(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """What is wrong with a new password, in words for the person choosing it; None if nothing.

    At least MIN_PASSWORD_LENGTH characters (no other rule of composition: long phrases are best), not one of the
    commonest passwords, and not the person's email address or name, or this service's name, with a few characters
    around it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_PASSWORD_LENGTH:
        return TOO_LONG
    folded = password.casefold()
    if folded in _common_passwords() or _letters(folded) in _common_passwords():
        return TOO_COMMON
    letters = _letters(password)
    local_part = email.partition("@")[0]
    own = [_letters(email), _letters(local_part), _letters(name), *map(_letters, name.split()), *CONTEXT_WORDS]
    # The password is little more than one of these (within four characters of it, e.g. "CommonPot2026!").
    if any(word and len(word) >= 4 and word in letters and len(letters) - len(word) <= 4 for word in own):
        return TOO_CLOSE
    return None


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


def check_new_password(password: str, *, email: str = "", name: str = "") -> None:
    """DomainError on the password field if the new password breaks `password_problem`: every service that sets a
    password calls this, whatever form (or command) it came from."""
    if (problem := password_problem(password, email=email, name=name)) is not None:
        raise DomainError(problem, "password")
