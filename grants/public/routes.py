"""Public pages anyone can read, signed in or not: the landing page, accessibility and privacy statements, and the
health check a load balancer (or the benchmark in bench/) asks."""

from __future__ import annotations

from flask import render_template
from werkzeug.wrappers import Response

from grants.extensions import limiter
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
