"""Helpers for the bid tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import event

from grants.extensions import db

WRITES = {"INSERT", "UPDATE", "DELETE", "REPLACE"}


def writes_during(app: Flask, request: Callable[[], Any]) -> list[str]:
    """The statements that change the database while `request` runs."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in WRITES:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        request()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen
