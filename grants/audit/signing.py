"""The installation's Ed25519 key, and the signed statement each checkpoint carries.

A checkpoint's statement is the RFC 8785 canonical JSON of what it says (the chain, the funder, the round, the
milestone, the head's sequence number and hash, when, and which key signed it); the signature is over exactly
those bytes. The offline verifier (verifier/) builds the same statement from an export and checks the signature
against the public key published on the funder's page, so a chain rewritten by someone without the private key
no longer matches any signed checkpoint.

Rotating the key: set the new private key as AUDIT_SIGNING_KEY and add the old public key to
AUDIT_RETIRED_PUBLIC_KEYS. New checkpoints are signed with the new key; each old one names the key that signed it
(`key_id`), still verifies against it, and both keys stay published on the funder pages and in the export.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from grants.keys import parse_private_key

STATEMENT_KIND = "common-pot checkpoint/1"
# The checkpoint's own columns in its statement, beside its kind, its funder and its time.
STATEMENT_FIELDS = ("chain", "round_id", "milestone", "seq", "hash", "key_id")


def public_raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key's fingerprint: the first 32 hex digits of SHA-256 over the raw public key."""
    return hashlib.sha256(public_raw(public_key)).hexdigest()[:32]


@dataclass(frozen=True)
class PublishedKey:
    """The installation's public key as it is published: raw base64, PEM, and its fingerprint."""

    key_id: str
    base64: str
    pem: str

    @property
    def fingerprint(self) -> str:
        """The key id in groups of four, easier to read aloud and compare."""
        return " ".join(self.key_id[i : i + 4] for i in range(0, len(self.key_id), 4))


def _published(public: Ed25519PublicKey) -> PublishedKey:
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return PublishedKey(
        key_id=key_id(public), base64=base64.b64encode(public_raw(public)).decode("ascii"), pem=pem.decode("ascii")
    )


def retired_keys() -> list[Ed25519PublicKey]:
    """The keys the installation signed with before its current one (AUDIT_RETIRED_PUBLIC_KEYS)."""
    keys = []
    for text in current_app.config.get("AUDIT_RETIRED_PUBLIC_KEYS", "").replace(",", " ").split():
        try:
            keys.append(Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True)))
        except ValueError as exc:
            raise ValueError(f"AUDIT_RETIRED_PUBLIC_KEYS: {text[:12]}... is not an Ed25519 public key") from exc
    return keys


def retired_published_keys() -> list[PublishedKey]:
    """The retired keys as they are published beside the current one, oldest rotation last as configured."""
    return [_published(key) for key in retired_keys()]


def key_for(wanted: str) -> Ed25519PublicKey | None:
    """The public key with this id: the current one or a retired one; None for a key this installation never had."""
    for public in (signing_key().public_key(), *retired_keys()):
        if key_id(public) == wanted:
            return public
    return None


def signing_key() -> Ed25519PrivateKey:
    """The installation's private key, from the app's config (AUDIT_SIGNING_KEY)."""
    return parse_private_key(current_app.config["AUDIT_SIGNING_KEY"])


def published_key() -> PublishedKey:
    """The installation's public key, for the funder pages and the auditor's export."""
    return _published(signing_key().public_key())


def sign(document: dict[str, Any]) -> str:
    """The base64 Ed25519 signature of the document's canonical JSON, with the installation's key."""
    return base64.b64encode(signing_key().sign(rfc8785.dumps(document))).decode("ascii")


def signature_holds(document: dict[str, Any], signature: str, *, signed_by: str) -> bool:
    """Whether `signature` (base64) is the signature of the document by the key `signed_by` names, which must be
    the installation's current key or one it retired."""
    public = key_for(signed_by)
    if public is None:
        return False
    try:
        public.verify(base64.b64decode(signature, validate=True), rfc8785.dumps(document))
    except (InvalidSignature, ValueError):
        return False
    return True
