"""Write the append-only, hash-chained audit log (grants.audit.walk verifies it).

Every service that changes something that matters to a decision calls `record_event` inside its own
transaction, so the event lands if and only if the change does. Each funder has a chain of its own and the
installation one more (grants.audit.owners says which an event goes in), so a funder's chain can be exported and
verified without anyone else's events, and writers of one funder never wait for another's.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa

from grants.audit.canonical import canonical_json
from grants.audit.events import registered
from grants.audit.index import index_event
from grants.audit.owners import check_about, owning_funder
from grants.database import DbSession, is_postgresql
from grants.models.audit import INSTALLATION_CHAIN, AuditEvent, genesis_hash
from grants.models.base import utcnow

# The first half of the PostgreSQL advisory lock (two 32-bit keys) that serialises writers of one chain's head;
# the second half is the chain, so each funder's writers queue only behind each other.
AUDIT_CHAIN_LOCK_KEY = 0x61756474  # "audt"
MAX_FACT_STRING = 500


class AuditFactError(ValueError):
    """A fact given to the audit log is of a kind it must not hold (a float, an object, an overlong string)."""


def _check_fact(value: Any, path: str) -> None:
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        if len(value) > MAX_FACT_STRING:
            raise AuditFactError(f"{path}: strings in audit facts are short codes or reasons, not documents")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_fact(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise AuditFactError(f"{path}: keys must be strings")
            _check_fact(item, f"{path}.{key}")
        return
    raise AuditFactError(f"{path}: {type(value).__name__} is not allowed (use integers, e.g. pennies)")


def format_time(value: datetime) -> str:
    """The one textual form of an event's time that goes into its hash."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_payload(
    *,
    chain: int,
    seq: int,
    occurred_at: datetime,
    actor_id: int | None,
    actor_role: str | None,
    action: str,
    object_type: str | None,
    object_id: int | None,
    facts: dict[str, Any],
) -> dict[str, Any]:
    return {
        "chain": chain,
        "seq": seq,
        "occurred_at": format_time(occurred_at),
        "actor_id": actor_id,
        "actor_role": actor_role,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "facts": facts,
    }


def payload_of(event: AuditEvent) -> dict[str, Any]:
    """What an event's hash covers, read from the event (as written, or as stored)."""
    return event_payload(
        chain=event.chain,
        seq=event.seq,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_role=event.actor_role,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        facts=event.facts,
    )


def compute_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the RFC 8785 canonical JSON of the event."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(payload)).hexdigest()


class Identified(Protocol):
    """A stored object: what an event can be about, or who can do it."""

    @property
    def id(self) -> int: ...


def _id_of(obj: Identified | int | None) -> int | None:
    return obj if obj is None or isinstance(obj, int) else obj.id


def record_event(
    session: DbSession,
    action: str,
    *,
    about: Identified | int | None = None,
    by: Identified | int | None = None,
    role: str | None = None,
    facts: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to its chain in the session's current transaction (the caller commits).

    `about` is the object the event is about (or its id), of the kind the registry (grants/audit/events.py) names
    for the action; `by` is who did it and `role` in what capacity. The chain is the one of the funder the object
    belongs to (the installation's for an object of no funder)."""
    entry = registered(action)
    check_about(entry, about)
    object_type = entry.object_type
    object_id = _id_of(about)
    actor_id = _id_of(by)
    facts = dict(facts or {})
    _check_fact(facts, "facts")
    funder_id = owning_funder(session, object_type, object_id, facts)
    chain = funder_id if funder_id is not None else INSTALLATION_CHAIN
    if is_postgresql(session):
        # Held until this transaction ends: the chain's next writer reads its head only after we have committed.
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(AUDIT_CHAIN_LOCK_KEY, chain)))
    # On SQLite the write transaction began with BEGIN IMMEDIATE, which already excludes other writers.
    seq, prev_hash = chain_head(session, chain)
    event = AuditEvent(
        chain=chain,
        funder_id=funder_id,
        seq=seq + 1,
        occurred_at=utcnow(),
        actor_id=actor_id,
        actor_role=role,
        action=action,
        object_type=object_type,
        object_id=object_id,
        facts=facts,
        prev_hash=prev_hash,
    )
    event.hash = compute_hash(prev_hash, payload_of(event))
    session.add(event)
    session.flush()
    index_event(session, event)
    return event


def chain_head(session: DbSession, chain: int) -> tuple[int, str]:
    """A chain's last event (sequence, hash) as it stands; (0, its genesis hash) for a chain with no event yet."""
    head = session.execute(
        sa.select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return (head.seq, head.hash) if head else (0, genesis_hash(chain))


def chain_of_funder(funder_id: int | None) -> int:
    """The chain a funder's events are in (the installation's for None)."""
    return INSTALLATION_CHAIN if funder_id is None else funder_id


def chains(session: DbSession) -> list[int]:
    """Every chain with at least one event, the installation's first."""
    return list(session.scalars(sa.select(AuditEvent.chain).distinct().order_by(AuditEvent.chain)))
