"""Exports of the audit chain for auditors, each stamped with the chain's head at export time so it can later be
matched against the chain: a round's decision trail as CSV and its events as JSON Lines.

Each export is written as it is read, a page of events at a time (grants.audit.trail.round_event_pages), so a
round of a million events never is in memory at once: the routes stream it, the command writes it to a file.
The export holds the events up to the head named in its stamp, however many are recorded while it is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from grants.audit.canonical import make_encoder, parse_json, parse_plain, quoted
from grants.audit.chain import chain_head, format_time
from grants.audit.trail import round_event_pages
from grants.audit.walk import Row, row_facts, time_text
from grants.csvsafe import csv_text
from grants.database import DbSession
from grants.models import AuditEvent, Round, User, utcnow

CSV_HEADER = ["seq", "time_utc", "actor_id", "actor_name", "role", "action", "object_type", "object_id", "facts"]

# json.dumps(value, sort_keys=True, ensure_ascii=False, ...) without building an encoder for each line.
_facts_encoder = make_encoder(allow_nan=True)
_line_encoder = make_encoder(item_separator=", ", key_separator=": ", allow_nan=True)


def _facts_json(stored: Any) -> str:
    """The facts of a plain row (their stored JSON text) as the CSV shows them: keys sorted, no spaces."""
    facts, plain = parse_plain(stored) if isinstance(stored, str) else (stored, None)
    if plain is not None and facts:
        return plain  # the same text as the encoder's, written by the fast encoder
    return _facts_encoder(facts or {})


def json_line(value: dict[str, Any]) -> str:
    """One line of a JSON Lines export: keys sorted, text as it is (json.dumps(value, sort_keys=True,
    ensure_ascii=False))."""
    return _line_encoder(value)


def stamp_line(session: DbSession, chain: int) -> tuple[int, str, str]:
    """(head seq, head hash, export time) of a chain, for the export's stamp."""
    seq, digest = chain_head(session, chain)
    return seq, digest, format_time(utcnow())


class _Names:
    """The names of the people who acted, looked up a page of events at a time and kept."""

    def __init__(self, session: DbSession) -> None:
        self.session = session
        self.names: dict[int, str] = {}

    def add(self, page: list[Row]) -> None:
        wanted = {row[2] for row in page if row[2] is not None and row[2] not in self.names}
        if wanted:
            found = self.session.execute(sa.select(User.id, User.name).where(User.id.in_(wanted)))
            self.names.update({row.id: row.name for row in found})


def round_trail_csv(session: DbSession, round_: Round) -> Iterator[str]:
    """The CSV, a page of rows at a time: a stamp line naming the chain's head at export time, the header, then one
    row per event of the round. The stamp is taken now; the rows are read as the chunks are asked for, from plain
    values only (a streamed response is sent after the request's session has ended)."""
    chain, round_id = round_.funder_id, round_.id
    head_seq, head_hash, exported_at = stamp_line(session, chain)
    stamp = csv_text(
        [
            [
                f"# chain {chain} head seq {head_seq} hash {head_hash} at export time {exported_at}"
                f" (round {round_.code})"
            ],
            CSV_HEADER,
        ]
    )

    def chunks() -> Iterator[str]:
        yield stamp
        names = _Names(session)
        for page in round_event_pages(session, round_id, chain, upto=head_seq):
            names.add(page)
            yield csv_text(
                [
                    seq,
                    time_text(session, chain, seq, occurred_at),
                    actor_id,
                    names.names.get(actor_id) if actor_id is not None else "",
                    actor_role,
                    action,
                    object_type,
                    object_id,
                    _facts_json(facts),
                ]
                for seq, occurred_at, actor_id, actor_role, action, object_type, object_id, facts, *_ in page
            )

    return chunks()


def row_line(session: DbSession, chain: int, row: Row) -> dict[str, Any]:
    """An event exactly as hashed, with its hashes, so each line can be checked against the chain (from a plain
    row: see grants.audit.chain.ROW_COLUMNS)."""
    seq, occurred_at, actor_id, actor_role, action, object_type, object_id, facts, prev_hash, digest = row
    return {
        "chain": chain,
        "seq": seq,
        "occurred_at": time_text(session, chain, seq, occurred_at),
        "actor_id": actor_id,
        "actor_role": actor_role,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "facts": row_facts(facts) or {},
        "prev_hash": prev_hash,
        "hash": digest,
    }


def _text(value: Any) -> str:
    return "null" if value is None else quoted(value)


def _number(value: Any) -> str:
    return "null" if value is None else str(value)


def row_json_line(session: DbSession, chain: int, row: Row, *, kind: str | None = None) -> str:
    """`json_line(row_line(...))` of a plain row (with "type": kind first, for the funder's export), written
    straight from the row's fields in the keys' sorted order: the same text, made once per event of an export."""
    seq, occurred_at, actor_id, actor_role, action, object_type, object_id, facts, prev_hash, digest = row
    if not (
        type(seq) is int and type(chain) is int and type(facts) is str
        and (actor_id is None or type(actor_id) is int) and (object_id is None or type(object_id) is int)
        and (actor_role is None or type(actor_role) is str) and type(action) is str
        and (object_type is None or type(object_type) is str)
        and type(prev_hash) is str and type(digest) is str
    ):  # fmt: skip
        line = row_line(session, chain, row)
        return json_line({"type": kind, **line} if kind is not None else line)
    parsed = parse_json(facts)
    return (
        f'{{"action": {quoted(action)}, "actor_id": {_number(actor_id)}, "actor_role": {_text(actor_role)},'
        f' "chain": {chain}, "facts": {_line_encoder(parsed or {})}, "hash": {quoted(digest)},'
        f' "object_id": {_number(object_id)}, "object_type": {_text(object_type)},'
        f' "occurred_at": {quoted(time_text(session, chain, seq, occurred_at))}, "prev_hash": {quoted(prev_hash)},'
        f' "seq": {seq}' + (f', "type": {quoted(kind)}}}' if kind is not None else "}")
    )


def event_line(event: AuditEvent) -> dict[str, Any]:
    """An event exactly as hashed, with its hashes (from the model; `row_line` is the same from a plain row)."""
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


def round_log_jsonl(session: DbSession, round_: Round) -> Iterator[str]:
    """The round's audit events as JSON Lines, the first line the export's stamp (taken now), a page of lines at a
    time."""
    chain, round_id = round_.funder_id, round_.id
    head_seq, head_hash, exported_at = stamp_line(session, chain)
    stamp = {
        "export": {
            "chain": chain,
            "head_seq": head_seq,
            "head_hash": head_hash,
            "exported_at": exported_at,
            "round_id": round_id,
        }
    }

    def chunks() -> Iterator[str]:
        yield json.dumps(stamp, sort_keys=True) + "\n"
        for page in round_event_pages(session, round_id, chain, upto=head_seq):
            yield "".join(row_json_line(session, chain, row) + "\n" for row in page)

    return chunks()
