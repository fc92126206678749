"""Transparency: public pages of what was funded and the 360Giving open data."""

from flask import Blueprint

# The views are attached by grants.transparency.routes, which the app factory imports: importing this package
# (or any service in it) never loads a route module.
bp = Blueprint("transparency", __name__)
