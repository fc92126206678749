"""The suite's own set-up: one app serves the whole session, and nothing one test leaves reaches the next.

Tests here come in pairs that run in order (pytest keeps a module's order): the first leaves something behind,
the second checks it is gone.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.globals import _cv_app

from grants.extensions import db
from grants.models import Funder
from tests.support.app import SharedApp, _close_leaked_contexts
from tests.support.db import app_session, count
from tests.support.factories import make_funder

_seen: dict[str, Any] = {}


def test_a_test_leaves_rows_settings_and_a_used_id_behind(app: Flask, _shared_app: SharedApp) -> None:
    assert app is _shared_app.app
    with app_session(app) as s:
        make_funder(s, name="Left behind")
    with app.app_context():
        db.session.add(Funder(name="Rolled back", slug="rolled-back"))
        db.session.flush()  # takes the next id (on PostgreSQL, from the sequence for good)
        db.session.rollback()
    app.config["LEFT_BY_A_TEST"] = True
    app.config["SQLALCHEMY_ENGINE_OPTIONS"]["left_by_a_test"] = True
    app.config["PUBLIC_BASE_URL"] = "https://changed.example.org"


def test_the_next_test_has_the_same_app_with_an_empty_database_and_its_settings_back(
    app: Flask, _shared_app: SharedApp
) -> None:
    assert app is _shared_app.app
    assert count(app, Funder) == 0
    with app_session(app) as s:
        assert make_funder(s).id == 1  # ids start again, as the tests that name ids expect
    assert "LEFT_BY_A_TEST" not in app.config
    assert "left_by_a_test" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert app.config["PUBLIC_BASE_URL"] == "http://localhost"


@pytest.mark.filterwarnings("ignore:the test left 1 database connection")
def test_a_connection_left_open_with_its_writes_committed(app: Flask) -> None:
    with app.app_context():
        connection = db.engine.connect()
    connection.execute(sa.insert(Funder).values(name="Through a leaked connection", slug="leaked"))
    connection.commit()
    _seen["connection"] = connection


def test_does_not_pass_them_to_the_next_test(app: Flask) -> None:
    try:
        assert count(app, Funder) == 0
    finally:
        connection = _seen.pop("connection", None)
        if connection is not None:
            connection.close()


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True, "MAIL_PORT": 2525}])
def test_a_tests_own_settings_are_put_on_the_one_app(app: Flask, _shared_app: SharedApp) -> None:
    assert app is _shared_app.app
    assert app.config["WTF_CSRF_ENABLED"] is True
    assert app.config["MAIL_PORT"] == 2525


def test_and_taken_off_it_after_that_test(app: Flask) -> None:
    assert app.config["WTF_CSRF_ENABLED"] is False
    assert app.config["MAIL_PORT"] != 2525


@pytest.mark.parametrize("app_config", [{"SQLALCHEMY_RECORD_QUERIES": True}])
def test_a_setting_read_only_when_the_app_is_built_gets_an_app_of_its_own_on_the_same_database(
    app: Flask, _shared_app: SharedApp
) -> None:
    assert app is not _shared_app.app
    assert app.config["SQLALCHEMY_RECORD_QUERIES"] is True
    with app_session(app) as s:
        make_funder(s, name="Seen by both apps")
    assert count(_shared_app.app, Funder, Funder.name == "Seen by both apps") == 1


def test_a_context_left_open_is_closed_with_its_g(app: Flask) -> None:
    app.app_context().push()
    g.signed_in_as = "someone"
    with pytest.warns(UserWarning, match="left an app or request context open"):
        _close_leaked_contexts()
    assert _cv_app.get(None) is None
    with app.app_context():
        assert "signed_in_as" not in g
