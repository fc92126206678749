"""The health check: a load balancer (and the benchmark in bench/) asks it whether a worker answers at all, so it
must answer at once, with no database work and no sign-in, whoever asks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.extensions import db
from tests.support.db import app_session
from tests.support.factories import make_user
from tests.support.signin import signed_in


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    sent: list[str] = []
    with app.app_context():
        engine = db.engine

    def note(conn: object, cursor: object, statement: str, *args: object) -> None:
        sent.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def test_healthz_answers_ok_as_plain_text_without_touching_the_database(app: Flask, client: FlaskClient) -> None:
    with statements(app) as sent:
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
