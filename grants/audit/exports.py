"""Exports of the audit chain for auditors, each stamped with the chain's head at export time so it can later be
matched against the chain: a round's decision trail as CSV and its events as JSON Lines."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from grants.audit.chain import chain_head, format_time
from grants.audit.trail import round_events
from grants.csvsafe import csv_text
from grants.database import DbSession
from grants.models import AuditEvent, Round, User, utcnow

CSV_HEADER = ["seq", "time_utc", "actor_id", "actor_name", "role", "action", "object_type", "object_id", "facts"]


def _facts_json(facts: dict[str, Any] | None) -> str:
    return json.dumps(facts or {}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def stamp_line(session: DbSession, chain: int) -> tuple[int, str, str]:
    """(head seq, head hash, export time) of a chain, for the export's stamp."""
    seq, digest = chain_head(session, chain)
    return seq, digest, format_time(utcnow())


def round_trail_csv(session: DbSession, round_: Round) -> str:
    """One row per event of the round, after a stamp line naming the chain's head at export time."""
    head_seq, head_hash, exported_at = stamp_line(session, round_.funder_id)
    events = round_events(session, round_)
    names = _names(session, events)
    rows: list[list[Any]] = [
        [
            f"# chain {round_.funder_id} head seq {head_seq} hash {head_hash} at export time {exported_at}"
            f" (round {round_.code})"
        ],
        CSV_HEADER,
    ]
    rows += [
        [
            event.seq,
            format_time(event.occurred_at),
            event.actor_id,
            names.get(event.actor_id) if event.actor_id is not None else "",
            event.actor_role,
            event.action,
            event.object_type,
            event.object_id,
            _facts_json(event.facts),
        ]
        for event in events
    ]
    return csv_text(rows)


def event_line(event: AuditEvent) -> dict[str, Any]:
    """An event exactly as hashed, with its hashes, so each line can be checked against the chain."""
    return {
        "chain": event.chain,
        "seq": event.seq,
        "occurred_at": format_time(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "facts": event.facts or {},
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def round_log_jsonl(session: DbSession, round_: Round) -> str:
    """The round's audit events as JSON Lines, the first line the export's stamp."""
    head_seq, head_hash, exported_at = stamp_line(session, round_.funder_id)
    stamp = {
        "export": {
            "chain": round_.funder_id,
            "head_seq": head_seq,
            "head_hash": head_hash,
            "exported_at": exported_at,
            "round_id": round_.id,
        }
    }
    lines = [json.dumps(stamp, sort_keys=True)]
    lines.extend(json.dumps(event_line(e), sort_keys=True, ensure_ascii=False) for e in round_events(session, round_))
    return "\n".join(lines) + "\n"


def _names(session: DbSession, events: Iterable[AuditEvent]) -> dict[int, str]:
    ids = {e.actor_id for e in events if e.actor_id is not None}
    return {row.id: row.name for row in session.execute(sa.select(User.id, User.name).where(User.id.in_(ids)))}
