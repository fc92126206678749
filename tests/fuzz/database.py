"""What the fuzz tests compare and put back: every table's rows, read in one pass, and the database as it was.

`Contents` is each table's row count and a hash of its rows in primary-key order (on SQLite the rows read raw, one
query a table, hashed here; on PostgreSQL one query for all tables, hashed by the server); two are equal when every
table holds the same rows. `Baseline` remembers the database once the scenario
is built and everyone is signed in, and makes it that again after an example changed it:

- SQLite: the whole file, by SQLite's own backup (as tests/support/db.py does for the migrated template), so the
  audit log's append-only triggers stay in place and nothing has to be deleted through them.
- PostgreSQL: each table that differs is emptied and refilled from the rows read at the start, with the triggers
  set aside (`session_replication_role = replica`, as the suite's emptying does), and its id sequence set back.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask

from grants.extensions import db
from grants.models.base import Base

Contents = dict[str, tuple[int, str]]


def _tables() -> list[sa.Table]:
    return list(Base.metadata.sorted_tables)


def _select_all(table: sa.Table) -> str:
    """Every row of one of our own tables (names from the models, never from input), in primary-key order, read
    raw: no type conversion, so it is quick and shows exactly what is stored."""
    order = ", ".join(f'"{column.name}"' for column in table.primary_key.columns) or "1"
    return f'SELECT * FROM "{table.name}" ORDER BY {order}'  # noqa: S608


def _postgresql_contents() -> str:
    """One query for every table's count and MD5 of its rows (as text, in primary-key order): one round trip."""
    parts = []
    for table in _tables():
        order = ", ".join(f't."{column.name}"' for column in table.primary_key.columns) or "1"
        parts.append(
            f"SELECT '{table.name}', COUNT(*), MD5(COALESCE(STRING_AGG(t::text, '|' ORDER BY {order}), '')) "  # noqa: S608
            f'FROM "{table.name}" t'
        )
    return " UNION ALL ".join(parts)


def read_contents(app: Flask) -> Contents:
    """Every table's row count and a hash of its rows."""
    found: Contents = {}
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            found = {name: (int(count), digest) for name, count, digest in conn.exec_driver_sql(_postgresql_contents())}
        else:
            for table in _tables():
                rows = conn.exec_driver_sql(_select_all(table)).all()
                found[table.name] = (len(rows), hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest())
        conn.rollback()
    return found


def changed_tables(before: Contents, after: Contents, *, ignoring: Iterable[str] = ()) -> list[str]:
    """The tables whose rows differ, with how many rows each held before and after."""
    ignored = set(ignoring)
    return [
        f"{name} ({before[name][0]} rows before, {after[name][0]} after)"
        for name in sorted(before)
        if name not in ignored and before[name] != after.get(name)
    ]


def table_rows(app: Flask, name: str) -> list[tuple[Any, ...]]:
    """One table's rows, to say what changed when an example changed it."""
    table = Base.metadata.tables[name]
    with app.app_context(), db.engine.connect() as conn:
        return [tuple(row) for row in conn.exec_driver_sql(_select_all(table))]


@dataclass
class Baseline:
    """The database as the fuzzing starts from it, and the way back to it."""

    app: Flask
    contents: Contents
    _sqlite_copy: sqlite3.Connection | None = None
    _rows: dict[str, list[dict[str, Any]]] | None = None

    @classmethod
    def take(cls, app: Flask) -> Baseline:
        contents = read_contents(app)
        with app.app_context():
            engine = db.engine
            if engine.dialect.name == "sqlite":
                copy = sqlite3.connect(":memory:", check_same_thread=False)
                with closing(sqlite3.connect(str(engine.url.database))) as live:
                    live.backup(copy)
                return cls(app, contents, _sqlite_copy=copy)
            with engine.connect() as conn:
                rows = {
                    table.name: [dict(row._mapping) for row in conn.execute(sa.select(table))] for table in _tables()
                }
            return cls(app, contents, _rows=rows)

    def restore(self, now: Contents) -> None:
        """Make the database the baseline again (`now` is what it holds, to know which tables changed)."""
        changed = [name for name in self.contents if self.contents[name] != now.get(name)]
        if not changed:
            return
        with self.app.app_context():
            engine = db.engine
            if self._sqlite_copy is not None:
                with closing(sqlite3.connect(str(engine.url.database), isolation_level=None)) as live:
                    self._sqlite_copy.backup(live)
                return
            assert self._rows is not None
            with engine.begin() as conn:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                for name in changed:
                    table = Base.metadata.tables[name]
                    conn.execute(table.delete())
                    if self._rows[name]:
                        conn.execute(table.insert(), self._rows[name])
                    for column in table.primary_key.columns:  # ids go on from the rows put back
                        sequence = f"pg_get_serial_sequence('\"{name}\"', '{column.name}')"
                        conn.exec_driver_sql(
                            f'SELECT setval({sequence}, COALESCE(MAX("{column.name}"), 0) + 1, false) FROM "{name}" '  # noqa: S608
                            f"HAVING {sequence} IS NOT NULL"
                        )

    def close(self) -> None:
        if self._sqlite_copy is not None:
            self._sqlite_copy.close()
