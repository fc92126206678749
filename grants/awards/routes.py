"""Award pages for staff and for groups."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("awards", __name__)
