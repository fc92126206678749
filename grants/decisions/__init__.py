"""Decisions: the tally of a round, ratification by staff, and departures from the panel's result."""

from flask import Blueprint

# The views are attached by grants.decisions.routes, which the app factory imports: importing this package
# (or any service in it) never loads a route module.
bp = Blueprint("decisions", __name__)
