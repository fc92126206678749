"""The community panel: membership, code of conduct, conflicts and recusal, scoring, deliberation."""

from flask import Blueprint

# The views are attached by grants.panel.panellist_routes and staff_routes, which the app factory
# imports: importing this package (or any service in it) never loads a route module.
bp = Blueprint("panel", __name__)
