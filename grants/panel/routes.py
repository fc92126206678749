"""Panel pages for panellists and for staff."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("panel", __name__)
