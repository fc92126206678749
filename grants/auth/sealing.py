"""Seal and open the second-factor secrets kept in the database, so a copy of the database alone cannot make codes.

Sealing is Fernet (AES-128-CBC with HMAC-SHA256, from the kept `cryptography` library) under a key that is
TWO_FACTOR_KEY when set (a Fernet key: `python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"`), or else derived from SECRET_KEY with HKDF-SHA256.

A sealed value says how it was sealed (`fernet:` or `plain:`), so values stored before `cryptography` was
installed still open, and `needs_resealing` tells the caller to seal them properly the next time it writes.
Without `cryptography` installed a secret is stored as `plain:<secret>`: nothing here rolls its own cipher.
"""

from __future__ import annotations

import base64
from typing import Any

from flask import current_app

FERNET = "fernet:"
PLAIN = "plain:"

try:  # pragma: no cover - which branch runs depends on what is installed
    from cryptography.fernet import Fernet, InvalidToken  # type: ignore[import-not-found,unused-ignore]
    from cryptography.hazmat.primitives import hashes  # type: ignore[import-not-found,unused-ignore]
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover
    Fernet = None
    CAN_SEAL = False
else:
    CAN_SEAL = True


class SealError(RuntimeError):
    """A sealed value that cannot be opened: the key changed, or the value was altered."""


def _fernet() -> Any:
    key = current_app.config.get("TWO_FACTOR_KEY")
    if not key:
        # The salt names the purpose, so this key is never the key of anything else derived from SECRET_KEY.
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"grants.two-factor-secrets", info=b"fernet").derive(
            str(current_app.config["SECRET_KEY"]).encode()
        )
        key = base64.urlsafe_b64encode(derived)
    return Fernet(key)


def seal(secret: str) -> str:
    """The value to store for `secret`."""
    if not CAN_SEAL:
        return PLAIN + secret
    return FERNET + _fernet().encrypt(secret.encode()).decode()


def open_sealed(sealed: str) -> str:
    """The secret a stored value holds."""
    if sealed.startswith(PLAIN):
        return sealed.removeprefix(PLAIN)
    if sealed.startswith(FERNET) and CAN_SEAL:
        try:
            return str(_fernet().decrypt(sealed.removeprefix(FERNET).encode()).decode())
        except InvalidToken as exc:
            raise SealError(
                "a two-factor secret could not be opened: was TWO_FACTOR_KEY or SECRET_KEY changed?"
            ) from exc
    raise SealError("a two-factor secret is sealed with Fernet but the cryptography library is not installed")


def needs_resealing(sealed: str) -> bool:
    """True for a value stored without a cipher while one is now available."""
    return CAN_SEAL and not sealed.startswith(FERNET)
