"""Error pages in plain English; a server error rolls back the session so the next request starts clean."""

from __future__ import annotations

import math
import time
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from grants.auth.throttle import wait_words
from grants.extensions import db, limiter


def _back_url() -> str:
    """The page the person came from, if it was on this site; otherwise the home page."""
    referrer = request.referrer
    if referrer:
        parts = urlsplit(referrer)
        if parts.scheme in {"http", "https"} and parts.netloc == request.host:
            return referrer
    return url_for("public.index")


def _size(size: int) -> str:
    """A byte count for people: 11534336 -> '11 MB'."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{round(size / scale, 1):g} {unit}"
    return f"{size} bytes"


def _page(code: int, **context: object) -> tuple[str, int]:
    """Render templates/errors/<code>.html with that status code."""
    return render_template(f"errors/{code}.html", **context), code


def bad_request(error: HTTPException) -> tuple[str, int]:
    """400, including a form sent without a valid CSRF token (logged: a forged request from another site is seen)."""
    csrf_failed = isinstance(error, CSRFError)
    if csrf_failed:
        current_app.logger.warning(
            "Refused (CSRF: %s) %s %r from %s", error.description, request.method, request.path, request.remote_addr
        )
    return _page(400, csrf_failed=csrf_failed, back_url=_back_url())


def forbidden(error: HTTPException) -> tuple[str, int]:
    """403: signed in, but this role may not do this. Logged, so that someone probing what they may do is seen."""
    current_app.logger.warning(
        "Refused (403) %s %r for session user %r", request.method, request.path, getattr(current_user, "id", None)
    )
    # A staff member conflicted on what they tried to do is told why, and who else can (grants.auth.permissions).
    return _page(403, refusal=getattr(error, "refusal", None))


def not_found(error: HTTPException) -> tuple[str, int]:
    """404, also for another person's objects, so their existence is not revealed."""
    return _page(404)


def too_large(error: HTTPException) -> tuple[str, int]:
    """413: an upload bigger than MAX_CONTENT_LENGTH."""
    return _page(413, limit=_size(current_app.config.get("MAX_CONTENT_LENGTH") or 0), back_url=_back_url())


def too_many_requests(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    """429: a rate limit (grants.auth.throttle) was reached. Says how long to wait, in words and in Retry-After."""
    breached = limiter.current_limit
    seconds = max(1, math.ceil(breached.window.reset_time - time.time())) if breached is not None else 60
    current_app.logger.warning(
        "Refused (429, limit %s) %s %r from %s",
        breached.limit if breached is not None else None,
        request.method,
        request.path,
        request.remote_addr,
    )
    page, code = _page(429, wait=wait_words(seconds), back_url=_back_url())
    return page, code, {"Retry-After": str(seconds)}


def server_error(error: Exception) -> tuple[str, int]:
    """500: undo any half-done database work, log it, and apologise."""
    db.session.rollback()
    original = getattr(error, "original_exception", None) or error
    # %r: a path holding a line break is logged as one line, so nobody can forge a log entry through the URL.
    current_app.logger.error("Server error on %s %r", request.method, request.path, exc_info=original)
    try:
        return _page(500)
    except Exception:  # the page itself may need what just failed (for example the database)
        current_app.logger.exception("Could not render the 500 page")
        return "<h1>Sorry, there is a problem with the service</h1><p>Try again later.</p>", 500


def register_error_handlers(app: Flask) -> None:
    """Attach the error pages to the app."""
    app.register_error_handler(400, bad_request)
    app.register_error_handler(CSRFError, bad_request)
    app.register_error_handler(403, forbidden)
    app.register_error_handler(404, not_found)
    app.register_error_handler(413, too_large)
    app.register_error_handler(429, too_many_requests)
    app.register_error_handler(500, server_error)
