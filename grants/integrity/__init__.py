"""What an auditor should look at: the integrity flags of a funder's decisions, and every paper ballot."""

from flask import Blueprint

# The views are attached by grants.integrity.routes, which the app factory imports.
bp = Blueprint("integrity", __name__)
