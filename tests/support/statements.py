"""Counting the SQL statements a request sends, for the tests that a page's statements do not grow with its data.

`statements(client, path)` requests a page (which must answer 200) and returns every statement the app's engine sent
to the database while it was drawn, as SQL text, so a failing test can print what repeated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from grants.extensions import db


@contextmanager
def counting_statements(app: Flask) -> Iterator[list[str]]:
    """Every statement the app's engine executes inside the block, in order (a `before_cursor_execute` listener)."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def before_cursor_execute(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def statements(client: FlaskClient, path: str) -> list[str]:
    """The statements drawing the page at `path` sent (it must answer 200)."""
    with counting_statements(client.application) as seen:
        response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    return list(seen)


def repeated(small: list[str], large: list[str]) -> str:
    """What the larger page ran more often than the smaller one, for the failure message."""
    extra = Counter(large) - Counter(small)
    lines = [f"{count} more x {' '.join(sql.split())[:300]}" for sql, count in extra.most_common(5)]
    return f"{len(small)} statements with less data, {len(large)} with more:\n" + "\n".join(lines)
