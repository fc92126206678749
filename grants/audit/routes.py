"""The auditor's pages: decision trails, round audits, re-running tallies, exports."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__)
