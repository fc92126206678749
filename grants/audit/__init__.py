"""The audit chain and the auditor's pages."""

from flask import Blueprint

# The views are attached by grants.audit.routes, which the app factory imports: importing this package
# (or any service in it) never loads a route module.
bp = Blueprint("audit", __name__)
