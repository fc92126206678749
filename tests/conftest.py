"""Test set-up: every test gets a clean database built by the real migrations.

SQLite (the default): the migrations run once into a template file, copied afresh for each test.
PostgreSQL (when TEST_DATABASE_URL is set): a database of the run's own is created on that server and the
migrations run once into it; after each test every table is emptied (TRUNCATE, with the audit log's
append-only trigger set aside for it); the database is dropped at the end.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants import create_app
from grants.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()

BASE_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "ARGON2_COST": 1024,  # KiB: keeps the suite quick; production uses argon2id's RFC 9106 defaults
    "PUBLIC_BASE_URL": "http://localhost",
    "MAIL_LOG_BODIES": False,
}


def _pg_url() -> str:
    url = TEST_DATABASE_URL
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)


def _upgrade(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_backend() -> str:
    return "postgresql" if TEST_DATABASE_URL else "sqlite"


@pytest.fixture(scope="session")
def _template_database(tmp_path_factory: pytest.TempPathFactory, database_backend: str) -> Iterator[str]:
    if database_backend == "postgresql":
        # A database of our own on that server, so two test runs at once never empty each other's tables.
        server = sa.engine.make_url(_pg_url())
        name = f"{server.database or 'test'}_grants_{os.getpid()}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = server.set(database=name).render_as_string(hide_password=False)
        try:
            _upgrade(url)
            yield url
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    _upgrade(f"sqlite:///{path}")
    yield str(path)


def _empty_postgresql(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        ]
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture
def database_url(_template_database: str, database_backend: str, tmp_path: Path) -> Iterator[str]:
    """A clean, fully migrated database for this test."""
    if database_backend == "postgresql":
        yield _template_database
        _empty_postgresql(_template_database)
        return
    path = tmp_path / "test.sqlite"
    shutil.copyfile(_template_database, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change settings."""
    return {}


@pytest.fixture
def app(database_url: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    application = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **app_config})
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@contextmanager
def app_session(app: Flask) -> Iterator[sa.orm.Session]:
    """A database session outside any request, for arranging and checking. Commits on success."""
    with app.app_context():
        yield db.session
        db.session.flush()
        db.session.expunge_all()
        db.session.commit()
        db.session.remove()


@pytest.fixture
def session(app: Flask) -> Iterator[sa.orm.Session]:
    """An app context and its session, for service tests that make no HTTP requests."""
    with app.app_context():
        yield db.session
        db.session.rollback()
        db.session.remove()
