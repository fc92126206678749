"""Public pages: the landing page, accessibility and privacy statements."""

from flask import Blueprint

# The views are attached by grants.public.routes, which the app factory imports: importing this package
# (or any service in it) never loads a route module.
bp = Blueprint("public", __name__)
