"""Bids: groups describe themselves once and apply in a few short steps."""

from flask import Blueprint

# The views are attached by grants.bids.routes, which the app factory imports: importing this package
# (or any service in it) never loads a route module.
bp = Blueprint("bids", __name__)
