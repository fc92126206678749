"""Ballot pages for panellists, paper ballots for staff, and the public list of receipts."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("voting", __name__)
