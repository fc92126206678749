"""Make and restore a copy of the database: SQLite through its online backup API (safe while the app writes: the
copy is of one moment), PostgreSQL through pg_dump and pg_restore (custom format), which must be installed."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

SQLITE_SUFFIX = ".sqlite"
POSTGRESQL_SUFFIX = ".pgdump"


class BackupError(Exception):
    """The copy could not be made or restored: the message says why, in words for the person running it."""


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("This SQLite database is in memory: there is no file to back up.")
    return Path(url.database)


def _libpq_url(url: sa.URL) -> str:
    """The URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed here. Install PostgreSQL's client tools (Debian: postgresql-client), or back"
            " up by hand as the README (Backups) says."
        )
    return found


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (our own tool paths)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")


def backup_name(url: sa.URL, now: datetime) -> str:
    """grants-20261208T010700Z.sqlite (or .pgdump): sorts by time, says what kind of copy it is."""
    suffix = SQLITE_SUFFIX if url.get_backend_name() == "sqlite" else POSTGRESQL_SUFFIX
    return f"grants-{now.strftime('%Y%m%dT%H%M%SZ')}{suffix}"


def create_backup(engine: sa.Engine, target: Path) -> Path:
    """Copy the whole database to `target` (a new file) and return it."""
    if target.exists():
        raise BackupError(f"{target} already exists: choose another name, a backup never overwrites one.")
    target.parent.mkdir(parents=True, exist_ok=True)
    url = engine.url
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)  # page by page; restarts by itself if a writer changes a page meanwhile
        finally:
            copy.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), _libpq_url(url)])
    else:
        raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
    return target


def restore_backup(engine: sa.Engine, source: Path) -> None:
    """Replace the whole database with the copy in `source`. Stop the app first: its open transactions would be
    lost, and it would serve a mix of the two while the copy goes in."""
    if not source.is_file():
        raise BackupError(f"There is no backup file at {source}.")
    url = engine.url
    engine.dispose()  # no connection of ours holds the old database open
    if url.get_backend_name() == "sqlite":
        if source.suffix != SQLITE_SUFFIX:
            raise BackupError(f"{source.name} is not an SQLite backup (it should end in {SQLITE_SUFFIX}).")
        copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(_sqlite_path(url))
        try:
            with live:
                copy.backup(live)
        finally:
            live.close()
            copy.close()
    elif url.get_backend_name() == "postgresql":
        if source.suffix != POSTGRESQL_SUFFIX:
            raise BackupError(f"{source.name} is not a PostgreSQL backup (it should end in {POSTGRESQL_SUFFIX}).")
        command = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction"]
        _run([*command, "--dbname", _libpq_url(url), str(source)])
    else:
        raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
