"""Public pages anyone can read, signed in or not: the landing page, accessibility and privacy statements."""

from __future__ import annotations

from flask import render_template

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
