"""Connection set-up for SQLite and PostgreSQL, and the transaction helpers the services share."""

from __future__ import annotations

import sqlite3
from typing import Any, TypeAlias

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

SQLITE_BUSY_TIMEOUT_MS = 15_000
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@event.listens_for(Engine, "connect")
def _configure_sqlite_connection(dbapi_connection: Any, connection_record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" hook below issue BEGIN itself, instead of pysqlite's implicit deferred BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite_transaction(conn: sa.Connection) -> None:
    if conn.dialect.name != "sqlite":
        return
    # A deferred transaction that reads and then writes fails at once with "database is locked" when another
    # worker holds the write lock, whatever the busy timeout. So every transaction that may write takes the
    # write lock up front (waiting up to the busy timeout); only requests that cannot write (GET and friends)
    # start deferred, so readers never queue behind writers.
    if has_request_context() and request.method in READ_ONLY_METHODS:
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgresql(session_or_conn: Any) -> bool:
    """True when the session or connection talks to PostgreSQL."""
    bind = session_or_conn.get_bind() if hasattr(session_or_conn, "get_bind") else session_or_conn
    return bool(bind.dialect.name == "postgresql")


# Services take either a plain Session or Flask-SQLAlchemy's scoped `db.session`.
DbSession: TypeAlias = Session | scoped_session[Any]
