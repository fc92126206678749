"""Each role's home page."""

from flask import Blueprint

# The views are attached by grants.home.routes, which the app factory imports: importing this package
# (or any service in it) never loads a route module.
bp = Blueprint("home", __name__)
