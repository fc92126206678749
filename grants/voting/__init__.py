"""Voting: ballots by the round's method, paper ballots recorded by staff, receipts."""

from flask import Blueprint

# The views are attached by grants.voting.panellist_routes, staff_routes and receipt_routes, which the app factory
# imports: importing this package (or any service in it) never loads a route module.
bp = Blueprint("voting", __name__)
