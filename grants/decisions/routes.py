"""Staff pages for the tally and its ratification."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("decisions", __name__)
