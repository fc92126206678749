"""The test databases, and sessions for arranging and checking outside a request.

Every test gets a clean database built by the real migrations:
- SQLite (the default): the migrations run once into the session's database file, which is then kept in memory
  as the template; before each test the template is copied back into the database file.
- PostgreSQL (when TEST_DATABASE_URL is set): a database of the run's own is created on that server and the
  migrations run once into it; after each test every table that holds a row is emptied and every sequence
  that was used is restarted, with the triggers (the audit log's append-only ones, the foreign keys) set aside.
  The database is dropped at the end of the run.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from grants.extensions import db
from grants.models import AuditEvent, OutboxEmail

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
RESTORE_LOCK_TIMEOUT_S = 5

# One round trip that empties what a test left behind. Checking each table first is what makes it quick: a
# test writes to a few of the 41 tables, and TRUNCATE of all of them costs ~100 ms where this costs ~3 ms.
# `replica` turns off the foreign keys' and the audit log's triggers, so the tables may be emptied in any order.
# A sequence a test used (even by a rolled-back insert) restarts, so ids start at 1 in every test, as on SQLite.
# No % anywhere in it: psycopg would read one as a placeholder (hence quote_ident rather than format).
_EMPTY_POSTGRESQL = """
DO $empty$
DECLARE
    table_name text;
    has_rows boolean;
    seq record;
BEGIN
    SET LOCAL session_replication_role = replica;
    FOR table_name IN
        SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'
    LOOP
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM public.' || quote_ident(table_name) || ')' INTO has_rows;
        IF has_rows THEN
            EXECUTE 'DELETE FROM public.' || quote_ident(table_name);
        END IF;
    END LOOP;
    FOR seq IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL LOOP
        EXECUTE 'ALTER SEQUENCE public.' || quote_ident(seq.sequencename) || ' RESTART';
    END LOOP;
END
$empty$
"""


def database_backend() -> str:
    return "postgresql" if TEST_DATABASE_URL else "sqlite"


class Database(Protocol):
    url: str

    def create(self) -> None:
        """Make an empty database for the run (before the migrations run into it)."""

    def keep_as_template(self) -> None:
        """Remember the migrated database as the state every test starts from."""

    def restore(self) -> None:
        """Before a test, with no connection open: make the database its migrated template again."""

    def empty(self) -> None:
        """After a test, with no connection open: take out what the test wrote."""

    def drop(self) -> None:
        """At the end of the run."""


class SqliteDatabase:
    """A database file made its migrated self again before each test, by SQLite's own backup.

    The backup writes the template's pages into the file through SQLite, so it is safe with the WAL and with any
    connection open on the file (one a test left open sees the fresh database too). Swapping files under SQLite
    is not: a connection still open on the old file deletes the new file's WAL and shared-memory index by name
    when it closes, losing the writes of whatever test is running then.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory / "test.sqlite"
        self.url = f"sqlite:///{self.path}"
        self._template: sqlite3.Connection | None = None
        self._restorer: sqlite3.Connection | None = None

    def create(self) -> None:
        pass

    def keep_as_template(self) -> None:
        self._template = sqlite3.connect(":memory:", check_same_thread=False)
        with closing(sqlite3.connect(self.path)) as migrated:
            migrated.backup(self._template)
        self._restorer = sqlite3.connect(
            self.path, isolation_level=None, timeout=RESTORE_LOCK_TIMEOUT_S, check_same_thread=False
        )
        self._restorer.execute("PRAGMA synchronous = OFF")  # a test database need not survive a power cut

    def restore(self) -> None:
        assert self._template is not None and self._restorer is not None, "keep_as_template first"
        try:  # Python's backup would wait for ever on a write lock that is never let go; fail instead
            self._restorer.execute("BEGIN IMMEDIATE")
            self._restorer.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            raise RuntimeError("a database connection left open by an earlier test still holds the write lock") from exc
        self._template.backup(self._restorer)

    def empty(self) -> None:
        pass

    def drop(self) -> None:
        for connection in (self._restorer, self._template):
            if connection is not None:
                connection.close()


class PostgresqlDatabase:
    """A database of the run's own on TEST_DATABASE_URL's server, emptied after each test."""

    def __init__(self) -> None:
        server = sa.engine.make_url(re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", TEST_DATABASE_URL))
        # A database of our own on that server, so two test runs at once never empty each other's tables.
        self.name = f"{server.database or 'test'}_grants_{os.getpid()}"
        self.url = server.set(database=self.name).render_as_string(hide_password=False)
        self._admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        self._emptier: sa.Engine | None = None

    def create(self) -> None:
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')

    def keep_as_template(self) -> None:
        pass  # the migrated database is empty, and each test leaves it empty again

    def restore(self) -> None:
        pass

    def empty(self) -> None:
        if self._emptier is None:
            self._emptier = sa.create_engine(self.url, pool_size=1)
        with self._emptier.begin() as conn:
            conn.exec_driver_sql(_EMPTY_POSTGRESQL)

    def drop(self) -> None:
        if self._emptier is not None:
            self._emptier.dispose()
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin.dispose()


def make_test_database(directory: Path) -> Database:
    return PostgresqlDatabase() if TEST_DATABASE_URL else SqliteDatabase(directory)


@contextmanager
def app_session(app: Flask) -> Iterator[sa.orm.Session]:
    """A database session outside any request, for arranging and checking. Commits on success."""
    with app.app_context():
        yield db.session
        db.session.flush()
        db.session.expunge_all()
        db.session.commit()
        db.session.remove()


def raw_sql(session: Session, sql: str, params: dict[str, Any] | None = None) -> None:
    """Run SQL as someone with direct database access would: the append-only triggers set aside."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    else:
        session.execute(sa.text("DROP TRIGGER IF EXISTS audit_event_no_update"))
        session.execute(sa.text("DROP TRIGGER IF EXISTS audit_event_no_delete"))
    session.execute(sa.text(sql), params or {})


def count(app: Flask, model: Any, *where: Any) -> int:
    """How many rows of `model` match `where`."""
    with app_session(app) as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0)


def events(app: Flask, prefix: str = "") -> list[AuditEvent]:
    """The audit events whose action starts with `prefix`, in the chain's order."""
    with app_session(app) as s:
        query = sa.select(AuditEvent).order_by(AuditEvent.seq)
        if prefix:
            query = query.where(AuditEvent.action.startswith(prefix))
        return list(s.scalars(query))


def emails(app: Flask) -> list[OutboxEmail]:
    """Every email in the outbox, oldest first."""
    with app_session(app) as s:
        return list(s.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)))
