"""The checks, in order: the export's public key, the chain's every hash and link, every checkpoint's signature
and place in the chain, any published checkpoint given by hand, and every tally re-run from its inputs.

Each check either adds a line saying in plain words what it checked, or raises `Problem` naming the first thing
that does not hold.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from grants.tally import ALGORITHM_VERSION, TallyInputError, inputs_from_document, run_tally, tally_digest

EXPORT_FORMAT = "common-pot-audit-export/1"
STATEMENT_KIND = "common-pot checkpoint/1"
EVENT_FIELDS = ("chain", "seq", "occurred_at", "actor_id", "actor_role", "action", "object_type", "object_id", "facts")


class Problem(Exception):
    """The first thing in the export that does not hold."""


@dataclass
class Export:
    """An export read into its parts."""

    header: dict[str, Any]
    key: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    tally_runs: list[dict[str, Any]] = field(default_factory=list)
    retired_keys: list[dict[str, Any]] = field(default_factory=list)  # keys that signed before a rotation


def genesis_hash(chain: int) -> str:
    return hashlib.sha256(f"common-pot audit chain {chain}".encode("ascii")).hexdigest()


def event_hash(prev_hash: str, event: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the RFC 8785 canonical JSON of the event's fields."""
    payload = {name: event[name] for name in EVENT_FIELDS}
    return hashlib.sha256(prev_hash.encode("ascii") + rfc8785.dumps(payload)).hexdigest()


def read_export(path: Path) -> Export:
    """The export's lines sorted by type; Problem if it is not an export this verifier reads."""
    parts: dict[str, list[dict[str, Any]]] = {"event": [], "checkpoint": [], "tally_run": [], "retired_public_key": []}
    header: dict[str, Any] | None = None
    key: dict[str, Any] | None = None
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise Problem(f"line {number} of the export is not JSON ({exc.msg})") from exc
            kind = item.get("type") if isinstance(item, dict) else None
            if kind == "export":
                header = item
            elif kind == "public_key":
                key = item
            elif kind in parts:
                parts[kind].append(item)
            else:
                raise Problem(f"line {number} of the export is of an unknown type {kind!r}")
    if header is None or header.get("format") != EXPORT_FORMAT:
        raise Problem(f"this is not a Common Pot audit export (its first line should say format {EXPORT_FORMAT})")
    if key is None:
        raise Problem("the export holds no public key")
    return Export(
        header, key, parts["event"], parts["checkpoint"], parts["tally_run"], retired_keys=parts["retired_public_key"]
    )


def _fingerprint(key_id: str) -> str:
    return " ".join(key_id[i : i + 4] for i in range(0, len(key_id), 4))


def _read_key(item: dict[str, Any], what: str) -> tuple[Ed25519PublicKey, str]:
    try:
        raw = base64.b64decode(str(item.get("ed25519_base64")), validate=True)
        public_key = Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise Problem(f"{what} is not an Ed25519 public key") from exc
    key_id = hashlib.sha256(raw).hexdigest()[:32]
    if item.get("key_id") != key_id:
        raise Problem(f"{what} does not have the key id the export gives it")
    return public_key, key_id


def retired_keys(export: Export) -> dict[str, Ed25519PublicKey]:
    """The keys the installation signed with before its current one, by id (each checked against its id)."""
    return dict(
        (key_id, public_key)
        for public_key, key_id in (
            _read_key(item, "a retired public key in the export") for item in export.retired_keys
        )
    )


def check_key(export: Export, expected_fingerprint: str | None) -> tuple[Ed25519PublicKey, str]:
    """The export's public key, checked against its id (and the fingerprint the auditor was given)."""
    public_key, key_id = _read_key(export.key, "the export's public key")
    if expected_fingerprint is not None and expected_fingerprint.replace(" ", "").lower() != key_id:
        raise Problem(
            f"the export's public key has fingerprint {_fingerprint(key_id)}, not the {expected_fingerprint}"
            " you gave: it is not the key published on the funder's page"
        )
    return public_key, key_id


def check_chain(export: Export) -> dict[int, str]:
    """Every event's hash and link, from the chain's genesis to the head the export names; each seq's hash."""
    chain = export.header.get("chain")
    if not isinstance(chain, int):
        raise Problem("the export does not say which chain it holds")
    prev = genesis_hash(chain)
    hashes: dict[int, str] = {0: prev}
    for expected, event in enumerate(export.events, start=1):
        seq = event.get("seq")
        if event.get("chain") != chain:
            raise Problem(f"event {seq}: it belongs to chain {event.get('chain')}, not this funder's chain {chain}")
        if seq != expected:
            raise Problem(f"event {seq}: expected event {expected} here; event {expected} is missing")
        if event.get("prev_hash") != prev:
            raise Problem(
                f"event {seq}: its previous hash does not match event {expected - 1}"
                " (an event was removed, inserted or replaced before it)"
            )
        try:
            recomputed = event_hash(prev, event)
        except (KeyError, TypeError, ValueError) as exc:
            raise Problem(f"event {seq}: it cannot be hashed ({exc})") from exc
        if recomputed != event.get("hash"):
            raise Problem(f"event {seq}: its content does not match its hash (the event was edited)")
        prev = recomputed
        hashes[expected] = prev
    head_seq = len(export.events)
    if (head_seq, prev) != (export.header.get("head_seq"), export.header.get("head_hash")):
        raise Problem(
            f"the chain ends at event {head_seq}, but the export says its head is event"
            f" {export.header.get('head_seq')} (events were removed from the end, or added)"
        )
    return hashes


def check_checkpoints(
    export: Export,
    public_key: Ed25519PublicKey,
    key_id: str,
    hashes: dict[int, str],
    retired: dict[str, Ed25519PublicKey] | None = None,
) -> int:
    """Every checkpoint: signed over its statement by the key it names (the export's key, or one it retired), of
    this chain, naming an event with its hash."""
    keys = {**(retired or {}), key_id: public_key}
    for item in export.checkpoints:
        statement = item.get("statement") or {}
        where = f"checkpoint of round {statement.get('round_id')} at {statement.get('milestone')}"
        if statement.get("statement") != STATEMENT_KIND:
            raise Problem(f"{where}: it is not a checkpoint statement this verifier reads")
        signer = keys.get(str(statement.get("key_id")))
        if signer is None:
            raise Problem(
                f"{where}: it was signed by key {statement.get('key_id')}, which is neither the export's public key"
                " nor one it retired"
            )
        try:
            signer.verify(base64.b64decode(str(item.get("signature")), validate=True), rfc8785.dumps(statement))
        except (InvalidSignature, ValueError) as exc:
            raise Problem(f"{where}: its signature does not hold (the checkpoint was forged or changed)") from exc
        if statement.get("chain") != export.header.get("chain"):
            raise Problem(f"{where}: it is a checkpoint of another chain")
        seq = statement.get("seq")
        if not isinstance(seq, int) or hashes.get(seq) != statement.get("hash"):
            raise Problem(
                f"{where}: it was signed for event {seq} with hash {statement.get('hash')}, but the chain's event"
                f" {seq} is {hashes.get(seq, 'missing') if isinstance(seq, int) else 'missing'}"
                " (the chain was rewritten after the checkpoint was signed)"
            )
    return len(export.checkpoints)


def check_published(published: Iterable[str], hashes: dict[int, str]) -> int:
    """Checkpoints copied from a public page, as EVENT:HASH: the chain's event must have that hash."""
    count = 0
    for text in published:
        seq_text, _, digest = text.strip().partition(":")
        if not seq_text.isdigit() or len(digest) != 64:
            raise Problem(f"--checkpoint {text!r}: write it as EVENT:HASH, e.g. 42:3f5a... (64 hex digits)")
        seq = int(seq_text)
        if hashes.get(seq) != digest.lower():
            found = hashes.get(seq, "missing")
            raise Problem(
                f"the published checkpoint {seq}:{digest} does not match: the chain's event {seq} is {found}"
                " (the chain was rewritten after that checkpoint was published)"
            )
        count += 1
    return count


def _recorded(export: Export) -> dict[int, dict[str, Any]]:
    return {
        event["facts"]["tally_run_id"]: event["facts"]
        for event in export.events
        if event.get("action") == "tally.recorded" and isinstance(event.get("facts", {}).get("tally_run_id"), int)
    }


def check_tallies(export: Export) -> int:
    """Every tally run: its inputs re-hash to the digest the chain recorded, and re-run to the same funded set."""
    recorded = _recorded(export)
    for run in export.tally_runs:
        where = f"tally run {run.get('tally_run_id')} ({run.get('kind')}) of round {run.get('round_id')}"
        if run.get("algorithm_version") != ALGORITHM_VERSION:
            raise Problem(
                f"{where}: recorded with {run.get('algorithm_version')}; this verifier runs {ALGORITHM_VERSION}"
            )
        facts = recorded.get(run.get("tally_run_id"))  # type: ignore[arg-type]
        if facts is None:
            raise Problem(f"{where}: the chain has no event recording it")
        try:
            arguments = inputs_from_document(run["inputs"])
            digest = tally_digest(**arguments)
            result = run_tally(**arguments)
        except (TallyInputError, KeyError, TypeError, ValueError) as exc:
            raise Problem(f"{where}: its inputs cannot be re-run ({exc})") from exc
        if digest != facts.get("digest"):
            raise Problem(
                f"{where}: its inputs hash to {digest}, but the chain recorded digest {facts.get('digest')}"
                " (the inputs were changed after the tally was recorded)"
            )
        funded = sorted(result.funded_ids)
        in_chain = sorted(facts.get("funded_ids") or [])
        if funded != in_chain or funded != sorted(run.get("funded_ids") or []):
            raise Problem(f"{where}: re-running it funds bids {funded}, but the chain recorded {in_chain}")
    return len(export.tally_runs)


def verify(path: Path, *, published: Iterable[str] = (), fingerprint: str | None = None) -> list[str]:
    """Check the export; the lines saying what was checked. Raises Problem at the first thing that does not hold."""
    export = read_export(path)
    header = export.header
    said = [
        f"Export of {header.get('funder_name')}'s audit chain (chain {header.get('chain')}),"
        f" taken at {header.get('exported_at')}."
    ]
    public_key, key_id = check_key(export, fingerprint)
    said.append(
        f"Public key: fingerprint {_fingerprint(key_id)}"
        + (" (the one you gave)." if fingerprint else " (compare it with the one on the funder's public page).")
    )
    retired = retired_keys(export)
    if retired:
        said.append(
            "Retired keys (signed earlier checkpoints; compare them with those on the funder's public page): "
            + ", ".join(_fingerprint(key) for key in retired)
            + "."
        )
    hashes = check_chain(export)
    said.append(
        f"Chain: {len(export.events)} events; every hash recomputed and every event linked to the one before,"
        f" from the chain's start to its head (event {header.get('head_seq')}, hash {header.get('head_hash')})."
    )
    count = check_checkpoints(export, public_key, key_id, hashes, retired)
    said.append(
        f"Checkpoints: {count} checked; each signature holds with the public key, and each names an event of"
        " the chain with the same hash."
    )
    given = list(published)
    if given:
        said.append(f"Published checkpoints: {check_published(given, hashes)} given, each matches the chain.")
    runs = check_tallies(export)
    said.append(
        f"Tallies: {runs} re-run from their recorded inputs; each gives the digest and the funded bids the chain"
        " recorded."
    )
    return said
