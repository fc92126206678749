"""The health checks. /healthz: a load balancer (and the benchmark in bench/) asks whether a worker answers at all,
so it answers at once, with no database work and no sign-in, whoever asks. /readyz: whether the worker can serve,
its database answering with the schema at the code's migration head."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.extensions import db
from tests.support.db import app_session
from tests.support.factories import make_user
from tests.support.signin import signed_in
from tests.support.statements import counting_statements


def test_healthz_answers_ok_as_plain_text_without_touching_the_database(app: Flask, client: FlaskClient) -> None:
    with counting_statements(app) as sent:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "ok"
    assert sent == []


def test_healthz_answers_someone_signed_in_too(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="resident@example.org")
    signed_in(client, "resident@example.org")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_readyz_says_ready_when_the_database_answers_at_the_migration_head(app: Flask, client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("ready: database at migration ")


def test_readyz_says_not_ready_when_the_schema_is_behind_the_code(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        s.execute(sa.text("UPDATE alembic_version SET version_num = '0015_duties'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "not ready: the database is at migration 0015_duties, the code needs " in response.get_data(as_text=True)


def test_readyz_says_not_ready_when_the_database_does_not_answer(app: Flask, client: FlaskClient) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise sa.exc.OperationalError("SELECT", {}, Exception("connection refused"))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", refuse)
    try:
        response = client.get("/readyz")
    finally:
        sa.event.remove(engine, "before_cursor_execute", refuse)
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "not ready: the database does not answer"
