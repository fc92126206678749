"""Receipt codes: a short code derived from a ballot's content and a secret random salt.

code = the first 16 characters of the base32 (Crockford's alphabet) encoding of
SHA-256(salt + RFC 8785 canonical JSON of {round_id, ballot_id, choices}), shown in groups of four.

The salt is stored with the ballot and never shown, so a code reveals nothing about what the ballot says, yet
recomputing it from the stored ballot proves that the ballot counted is the one that was cast. Crockford's
alphabet leaves out I, L, O and U, so a code copied by hand from a paper receipt reads back unambiguously.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

import rfc8785

# Crockford's base32: digits and letters, without I, L, O and U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARACTERS = 16
GROUP = 4
# What people mistype for what they meant (Crockford's decoding rules).
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_salt() -> str:
    """A fresh secret for one ballot: 16 random bytes as 32 hex characters."""
    return secrets.token_hex(16)


def ballot_content(*, round_id: int, ballot_id: int, choices: Sequence[int]) -> bytes:
    """The canonical form of what a ballot says: the bids chosen, in their positions (1 first)."""
    return rfc8785.dumps({"round_id": round_id, "ballot_id": ballot_id, "choices": list(choices)})


def _base32(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    bits = len(data) * 8
    # Left-align to whole characters, as RFC 4648 does, so the first characters come from the first bytes.
    pad = (-bits) % 5
    number <<= pad
    count = (bits + pad) // 5
    return "".join(ALPHABET[(number >> (5 * (count - 1 - i))) & 31] for i in range(count))


def receipt_code(*, salt: str, round_id: int, ballot_id: int, choices: Sequence[int]) -> str:
    """The receipt code for a ballot, formatted for people, e.g. 'K7QF-2MZD-9WXA-PV4C'."""
    digest = hashlib.sha256(
        salt.encode("ascii") + ballot_content(round_id=round_id, ballot_id=ballot_id, choices=choices)
    ).digest()
    raw = _base32(digest)[:CODE_CHARACTERS]
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_CHARACTERS, GROUP))


def normalise_code(text: str) -> str | None:
    """A code as someone typed it ('k7qf 2mzd-9wxa pv4c', with O for 0) in its stored form; None if it cannot
    be one."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum()).translate(_LOOKALIKES)
    if len(cleaned) != CODE_CHARACTERS or any(ch not in ALPHABET for ch in cleaned):
        return None
    return "-".join(cleaned[i : i + GROUP] for i in range(0, CODE_CHARACTERS, GROUP))
