"""Awards: offers to funded groups, acceptance, payments, and feedback to every unfunded group."""

from flask import Blueprint

# The views are attached by grants.awards.routes, which the app factory imports: importing this package
# (or any service in it) never loads a route module.
bp = Blueprint("awards", __name__)
