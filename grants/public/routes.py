"""Public pages anyone can read, signed in or not: the landing page, accessibility and privacy statements, and the
health checks a load balancer (or the benchmark in bench/) asks."""

from __future__ import annotations

from flask import render_template
from werkzeug.wrappers import Response

from grants.extensions import db, limiter
from grants.health import readiness
from grants.public import bp


@bp.get("/")
def index() -> str:
    """What Common Pot is, and how to start."""
    return render_template("public/index.html")


@bp.get("/accessibility")
def accessibility() -> str:
    """The accessibility statement."""
    return render_template("public/accessibility.html")


@bp.get("/privacy")
def privacy() -> str:
    """The privacy notice."""
    return render_template("public/privacy.html")


@bp.get("/healthz")
@limiter.exempt
def healthz() -> Response:
    """That this worker answers: plain "ok", with no template, no database and no rate limit. The benchmark measures
    every page beside it, as the most a worker can serve."""
    return Response("ok", mimetype="text/plain")


@bp.get("/readyz")
@limiter.exempt
def readyz() -> Response:
    """Whether this worker can serve: its database answers, with the schema at the migration head of this code
    (a deploy that forgot `flask db upgrade` is not ready). 200 "ready: ...", else 503 saying why."""
    state = readiness(db.session)
    return Response(state.words, status=200 if state.ready else 503, mimetype="text/plain")
