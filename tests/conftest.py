"""Test set-up: one app for the whole session; every test gets a clean database built by the real migrations.

How the database is made clean (a file copy on SQLite, emptied tables on PostgreSQL when TEST_DATABASE_URL is
set) is in tests/support/db.py; how a test's own settings are put on the one app is in tests/support/app.py.
Fixtures live here; helpers live in tests/support/ (nothing imports this file).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.extensions import db, limiter
from tests.support import db as test_db
from tests.support.app import SharedApp


@pytest.fixture(scope="session")
def database_backend() -> str:
    return test_db.database_backend()


@pytest.fixture(scope="session")
def _shared_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedApp]:
    shared = SharedApp(test_db.make_test_database(tmp_path_factory.mktemp("database")))
    try:
        shared.migrate()
        yield shared
    finally:
        shared.release_connections()
        shared.database.drop()


@pytest.fixture
def database_url(_shared_app: SharedApp) -> Iterator[str]:
    """A clean, fully migrated database for this test."""
    _shared_app.fresh_database()
    yield _shared_app.database.url
    _shared_app.clean_up()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change settings."""
    return {}


@pytest.fixture
def app(_shared_app: SharedApp, database_url: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    """The session's app, with this test's `app_config` on it, on this test's clean database."""
    with _shared_app.configured(app_config) as application:
        # Every test starts with no rate limit used: the limits live in the limiter's storage (memory in tests).
        limiter.reset()
        yield application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[sa.orm.Session]:
    """An app context and its session, for service tests that make no HTTP requests."""
    with app.app_context():
        yield db.session
        db.session.rollback()
        db.session.remove()
