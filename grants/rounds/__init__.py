"""Rounds: staff set up and run funding rounds; the public sees open rounds."""

from flask import Blueprint

# The views are attached by grants.rounds.routes, which the app factory imports: importing this package
# (or any service in it) never loads a route module.
bp = Blueprint("rounds", __name__)
