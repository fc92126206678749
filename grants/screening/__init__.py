"""Screening: staff mark submitted bids eligible or ineligible, with a reason the applicant reads."""

from flask import Blueprint

# The views are attached by grants.screening.routes, which the app factory imports: importing this package
# (or any service in it) never loads a route module.
bp = Blueprint("screening", __name__)
