"""The applicant's pages: group profile, the bid task list, check answers, submit, and after."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("bids", __name__)
