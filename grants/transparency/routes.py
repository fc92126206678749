"""Public pages per funder and the 360Giving downloads."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("transparency", __name__)
