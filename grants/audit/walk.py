"""Verify the audit log: each chain read in pages of plain rows, each row hashed as `compute_hash` would hash it,
and each link checked, in constant memory whatever the chain's length."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from grants.audit.canonical import MAX_SAFE_INTEGER, canonical_json, parse_plain, plain_json, quoted
from grants.audit.chain import chains, compute_hash, format_time, payload_of
from grants.database import DbSession, is_postgresql
from grants.models.audit import AuditEvent, genesis_hash


@dataclass(frozen=True)
class ChainReport:
    """The result of verifying one chain: how many rows, the head, and the first problem if any."""

    chain: int
    count: int
    head_seq: int
    head_hash: str
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


# --- verifying a chain: rows read in pages of plain tuples, each hashed as `compute_hash` would hash it ----------

VERIFY_BATCH = 5_000  # rows read per query: enough to keep the database busy, few enough to keep memory flat
_TABLE = AuditEvent.__table__
# What a row's hash covers, and its two hashes, in this order.
ROW_COLUMNS = ("seq", "occurred_at", "actor_id", "actor_role", "action", "object_type", "object_id", "facts")
Row = Sequence[Any]  # ROW_COLUMNS, then prev_hash and hash


def row_facts(value: Any) -> Any:
    """A plain row's facts as the model reads them (parsed from their JSON text)."""
    return parse_plain(value)[0] if isinstance(value, str) else value


def _select_rows_sql(postgresql: bool, *, by_round: bool) -> str:
    """The SQL of one page of plain rows (ROW_COLUMNS, prev_hash, hash): a chain's events after a seq, or
    (by_round) those of one round through the trail index. Parameters, in order: (round,) chain, after, upto,
    limit. The time comes as text near its hashed form (`time_text`): PostgreSQL writes the hashed form itself,
    SQLite keeps UTC times as text; the facts as their stored JSON text (`row_facts` parses them)."""
    if postgresql:
        mark = "%s"
        when = "to_char(timezone('UTC', e.occurred_at), 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
        facts = "CAST(e.facts AS TEXT)"
    else:
        mark, when, facts = "?", "e.occurred_at", "e.facts"
    columns = (
        f"e.seq, {when}, e.actor_id, e.actor_role, e.action, e.object_type, e.object_id, {facts}, e.prev_hash, e.hash"
    )
    # Only this module's constants go into the text; every value is a parameter.
    if by_round:
        return (
            f"SELECT {columns} FROM audit_round_event l JOIN audit_event e ON e.chain = l.chain AND e.seq = l.seq"  # noqa: S608
            f" WHERE l.round_id = {mark} AND l.chain = {mark} AND l.seq > {mark} AND l.seq <= {mark}"
            f" ORDER BY l.seq LIMIT {mark}"
        )
    return (
        f"SELECT {columns} FROM audit_event e WHERE e.chain = {mark} AND e.seq > {mark} AND e.seq <= {mark}"  # noqa: S608
        f" ORDER BY e.seq LIMIT {mark}"
    )


_LAST_SEQ = 2**62  # beyond any chain's head


def plain_row_pages(
    session: DbSession,
    chain: int,
    *,
    round_id: int | None = None,
    after: int = 0,
    upto: int | None = None,
    batch: int = VERIFY_BATCH,
    between_pages: Callable[[], None] | None = None,
) -> Iterator[list[Row]]:
    """A chain's rows after event `after` (up to `upto`), or only those about one round (`round_id`, through the
    trail index), in order, as plain tuples, a page at a time. Each page is one query by the primary key
    (chain, seq), so memory stays flat however long the chain. `between_pages` is called after each page is read
    (a command ends its transaction there, so that on SQLite, where a command's transaction holds the write lock,
    writers wait for one page at most, not the whole chain).

    The pages are read through the DBAPI cursor of the session's own connection (so in its transaction), not
    through SQLAlchemy's results: a verification reads every row of a chain, and that is a third of the reading."""
    sql = _select_rows_sql(is_postgresql(session), by_round=round_id is not None)
    first = (round_id, chain) if round_id is not None else (chain,)
    last = _LAST_SEQ if upto is None else upto
    while True:
        cursor = session.connection().connection.cursor()
        try:
            cursor.execute(sql, (*first, after, last, batch))
            page: list[Row] = list(cursor.fetchall())
        finally:
            cursor.close()
        if between_pages is not None:
            between_pages()
        if not page:
            return
        yield page
        if len(page) < batch:
            return
        after = page[-1][0]


def chain_rows(
    session: DbSession,
    chain: int,
    *,
    after: int = 0,
    upto: int | None = None,
    batch: int = VERIFY_BATCH,
    between_pages: Callable[[], None] | None = None,
) -> Iterator[list[Row]]:
    """A chain's rows after event `after` (up to `upto`), in order, as plain tuples, a page at a time (see
    `plain_row_pages`)."""
    return plain_row_pages(session, chain, after=after, upto=upto, batch=batch, between_pages=between_pages)


def time_text(session: DbSession, chain: int, seq: int, value: Any) -> str:
    """An event's time in its hashed form, from a plain row's time (see `_select_rows_sql`)."""
    if isinstance(value, str) and len(value) == 27 and value[10] == "T" and value[26] == "Z":
        return value  # PostgreSQL wrote it in the hashed form
    if isinstance(value, str) and len(value) == 26 and value[10] == " " and value[19] == ".":
        # The stored form of a UTC time on SQLite; the hashed form differs only by its "T" and "Z". Whatever the
        # text holds, this is the hashed form only if it reads back as the very time that was hashed.
        return value[:10] + "T" + value[11:] + "Z"
    if isinstance(value, datetime):
        return format_time(value)
    # Anything else: read it as the model reads it.
    stored = session.scalar(sa.select(AuditEvent.occurred_at).where(AuditEvent.chain == chain, AuditEvent.seq == seq))
    if stored is None:
        raise ValueError(f"event {seq} has no time")
    return format_time(stored)


def row_payload_json(chain: int, row: Row, when: str) -> bytes:
    """The canonical JSON of a row's payload (what `compute_hash` hashes for `payload_of` the row), written
    straight from the row's fields, the keys in their sorted order; whatever the fast encoder cannot write
    exactly goes to the library. `when` is the time in its hashed form (`time_text`). Raises ValueError for
    facts that are not JSON, or values no canonical JSON holds. (It runs once per event of a verification, so
    it is written for speed: one formatted string, no dict of the payload.)"""
    seq, _, actor_id, actor_role, action, object_type, object_id, facts = row[:8]
    facts, facts_json = parse_plain(facts) if type(facts) is str else (facts, plain_json(facts))
    m = MAX_SAFE_INTEGER
    if (
        facts_json is not None
        and type(seq) is int and -m <= seq <= m
        and type(chain) is int and -m <= chain <= m
        and (actor_id is None or (type(actor_id) is int and -m <= actor_id <= m))
        and (object_id is None or (type(object_id) is int and -m <= object_id <= m))
        and (actor_role is None or type(actor_role) is str)
        and type(action) is str
        and (object_type is None or type(object_type) is str)
        and type(when) is str
    ):  # fmt: skip
        text = (
            f'{{"action":{quoted(action)},"actor_id":{"null" if actor_id is None else actor_id},'
            f'"actor_role":{"null" if actor_role is None else quoted(actor_role)},"chain":{chain},'
            f'"facts":{facts_json},"object_id":{"null" if object_id is None else object_id},'
            f'"object_type":{"null" if object_type is None else quoted(object_type)},'
            f'"occurred_at":{quoted(when)},"seq":{seq}}}'
        )
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass
    payload = {
        "chain": chain,
        "seq": seq,
        "occurred_at": when,
        "actor_id": actor_id,
        "actor_role": actor_role,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "facts": facts,
    }
    return canonical_json(payload)


def _matches_as_the_model_reads_it(session: DbSession, chain: int, seq: int, prev_hash: str, digest: str) -> bool:
    """The row's hash checked the slow way, from the row as the model reads it: a row whose fast check failed is
    called edited only if this fails too, so a fast path can never raise a false alarm."""
    try:
        event = session.get(AuditEvent, (chain, seq))
        return event is not None and compute_hash(prev_hash, payload_of(event)) == digest
    except ValueError:
        return False


def verify_rows(
    session: DbSession,
    chain: int,
    *,
    after: int = 0,
    after_hash: str | None = None,
    upto: int | None = None,
    batch: int = VERIFY_BATCH,
    between_pages: Callable[[], None] | None = None,
) -> ChainReport:
    """Verify a chain's events after event `after` (whose hash is `after_hash`; from the genesis for 0) up to
    `upto` (its head when None): each one's sequence number, its link to the one before, and its hash. Reports
    how many were verified, the last good event, and the first problem."""
    expected_prev = after_hash if after_hash is not None else genesis_hash(chain)
    expected_seq = after + 1
    count = 0
    sha256 = hashlib.sha256
    pages = chain_rows(session, chain, after=after, upto=upto, batch=batch, between_pages=between_pages)
    for page in pages:
        for row in page:
            seq, prev_hash, digest = row[0], row[8], row[9]
            problem = None
            if seq != expected_seq:
                problem = f"row {seq}: expected sequence number {expected_seq}; row {expected_seq} is missing"
            elif prev_hash != expected_prev:
                problem = (
                    f"row {seq}: its previous hash does not match row {seq - 1}"
                    " (a row was removed, inserted or replaced before it)"
                )
            else:
                when = row[1]
                if type(when) is str and len(when) == 26 and when[10] == " " and when[19] == ".":
                    when = when[:10] + "T" + when[11:] + "Z"  # time_text's SQLite case, inline
                elif not (type(when) is str and len(when) == 27 and when[10] == "T" and when[26] == "Z"):
                    when = None
                try:
                    body = row_payload_json(chain, row, when or time_text(session, chain, seq, row[1]))
                except ValueError:
                    body = b""  # a value no canonical JSON can hold, so no hash can match it
                if sha256(prev_hash.encode("ascii") + body).hexdigest() != digest and not (
                    _matches_as_the_model_reads_it(session, chain, seq, prev_hash, digest)
                ):
                    problem = f"row {seq}: its content does not match its hash (the row was edited)"
            if problem is not None:
                return ChainReport(chain, count, expected_seq - 1, expected_prev, problem)
            expected_prev = digest
            expected_seq += 1
            count += 1
    return ChainReport(chain, count, expected_seq - 1, expected_prev)


def verify_chain(session: DbSession, chain: int) -> ChainReport:
    """Walk one chain from its genesis; report the first row that was edited, removed or inserted."""
    return verify_rows(session, chain)


def verify_all_chains(session: DbSession) -> list[ChainReport]:
    """Every chain verified, the installation's first."""
    return [verify_chain(session, chain) for chain in chains(session)]
