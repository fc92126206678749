"""In production the application log is JSON lines, each with its request's id, and a line for every request that
names the route's pattern, never the address asked for (it may hold a token), the client's address or the user."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from flask import Flask

from grants.logs import REQUEST_ID_HEADER


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"LOG_FORMAT": "json", "LOG_REQUESTS": True}  # production's


def test_each_request_is_one_json_line_with_its_id_and_its_routes_pattern_only(app: Flask) -> None:
    stream = io.StringIO()
    (handler,) = [h for h in app.logger.handlers if h.name == "grants-json"]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        _requests_and_their_lines(app, stream)
    finally:
        app.logger.removeHandler(handler)  # the logger is shared with the session's other app


def _requests_and_their_lines(app: Flask, stream: io.StringIO) -> None:
    client = app.test_client()

    token = "a-secret-reset-token-that-must-stay-out-of-logs"
    answered = client.get(
        f"/reset-password/{token}?email=ada@example.com", environ_base={"REMOTE_ADDR": "198.51.100.9"}
    )
    named = client.get("/", headers={REQUEST_ID_HEADER: "proxy-given-id-1234"})
    forged = client.get("/", headers={REQUEST_ID_HEADER: "bad id; INFO forged line"})

    lines = _lines(stream)
    requests = [line for line in lines if line["event"] == "request"]
    assert [(r["method"], r["route"], r["status"]) for r in requests] == [
        ("GET", "/reset-password/<token>", 400),
        ("GET", "/", 200),
        ("GET", "/", 200),
    ]
    assert [r["request_id"] for r in requests] == [
        answered.headers[REQUEST_ID_HEADER],
        "proxy-given-id-1234",
        forged.headers[REQUEST_ID_HEADER],
    ]
    assert named.headers[REQUEST_ID_HEADER] == "proxy-given-id-1234"
    assert "forged" not in forged.headers[REQUEST_ID_HEADER]
    assert all(isinstance(r["duration_ms"], float) and r["level"] == "info" and "timestamp" in r for r in requests)
    text = stream.getvalue()
    for private in (token, "ada@example.com", "198.51.100.9"):
        assert private not in text
