"""The application's log: in production one JSON object a line (structlog's JSON renderer over the standard logging
the app already uses), each with the request's id, and one line for every request answered.

A request's id is the `X-Request-ID` its proxy sent (when it is a plain token), or a new one; it goes back in the
response's `X-Request-ID`, so a person reporting a problem, the proxy's log and ours all name the same request.

No personal data and no secrets: a request's line names the route's pattern (`/reset-password/<token>`), never
the address asked for (which may hold a token) nor its query string; no client address (the security log keeps
those for the actions that need them), no user, no form data. Messages elsewhere follow the same rule.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import MutableMapping
from typing import Any

import structlog
from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_HANDLER_NAME = "grants-json"


def request_id() -> str:
    """This request's id (made on first use)."""
    if "request_id" not in g:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _GIVEN_ID.fullmatch(given) else uuid.uuid4().hex
    return str(g.request_id)


def _add_request_id(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    if has_request_context():
        event.setdefault("request_id", request_id())
    return event


def _json_handler() -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.name = _HANDLER_NAME
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.stdlib.ExtraAdder(),
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                _add_request_id,
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    return handler


def configure_logging(app: Flask) -> None:
    """JSON lines on stderr when LOG_FORMAT is "json" (production's default); a line per request when
    LOG_REQUESTS is on; the request id on every response either way."""
    if app.config["LOG_FORMAT"] == "json" and not any(h.name == _HANDLER_NAME for h in app.logger.handlers):
        # Flask's own handler writes plain text; ours replaces it. (Nothing above the app's logger has a handler in
        # production, so each line is written once.)
        app.logger.handlers = [_json_handler()]
        app.logger.setLevel(logging.INFO)

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_and_name(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = request_id()
        if app.config["LOG_REQUESTS"]:
            started = g.get("request_started", time.perf_counter())
            app.logger.info(
                "request",
                extra={
                    "method": request.method,
                    "route": request.url_rule.rule if request.url_rule is not None else "(no route)",
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response
