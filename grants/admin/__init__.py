"""Site administration: funders and their first staff."""

from flask import Blueprint

# The views are attached by grants.admin.routes, which the app factory imports: importing this package
# (or any service in it) never loads a route module.
bp = Blueprint("admin", __name__, url_prefix="/admin")
