"""Accounts, sign-in, roles and invitations."""

from flask import Blueprint

# The views are attached by grants.auth.routes, which the app factory imports: importing this package
# (or any service in it) never loads a route module.
bp = Blueprint("auth", __name__)
