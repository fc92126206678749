"""The installation's Ed25519 signing key as configuration text: parsing it, and the public demo key.

Plain cryptography, nothing of the app, so the config can check a key before the app exists.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# Development, tests and the demo sign with this fixed key. It is public, so nothing it signs proves anything:
# production refuses to start without a key of its own (grants/config.py).
DEMO_SIGNING_KEY = base64.b64encode(hashlib.sha256(b"common-pot demo audit signing key").digest()).decode("ascii")


class SigningKeyError(ValueError):
    """The configured signing key is not a base64-encoded raw 32-byte Ed25519 private key."""


def parse_private_key(text: str) -> Ed25519PrivateKey:
    """A private key from its base64 text (the raw 32 bytes); SigningKeyError if it is not one."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise SigningKeyError("the audit signing key must be base64 text") from exc
    if len(raw) != 32:
        raise SigningKeyError(f"the audit signing key must be 32 bytes once decoded, not {len(raw)}")
    return Ed25519PrivateKey.from_private_bytes(raw)
