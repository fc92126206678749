"""Seal and open the second-factor secrets kept in the database, so a copy of the database alone cannot make codes.

Sealing is Fernet (AES-128-CBC with HMAC-SHA256, from the kept `cryptography` library) under a key that is
TWO_FACTOR_KEY when set (a Fernet key: `python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"`), or else derived from SECRET_KEY with HKDF-SHA256. A stored value starts
with `fernet:`, so a later change of cipher can tell old values from new.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

FERNET = "fernet:"


class SealError(RuntimeError):
    """A sealed value that cannot be opened: the key changed, or the value was altered."""


def _fernet() -> Fernet:
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
    return FERNET + _fernet().encrypt(secret.encode()).decode()


def open_sealed(sealed: str) -> str:
    """The secret a stored value holds."""
    if not sealed.startswith(FERNET):
        raise SealError("a two-factor secret is stored in a form this version cannot open")
    try:
        return _fernet().decrypt(sealed.removeprefix(FERNET).encode()).decode()
    except InvalidToken as exc:
        raise SealError("a two-factor secret could not be opened: was TWO_FACTOR_KEY or SECRET_KEY changed?") from exc
