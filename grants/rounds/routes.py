"""Round pages for staff (set up, preview, move through states) and for the public (open rounds)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rounds", __name__)
