"""The reports blueprint. Its views live in group_routes (the group's side) and staff_routes (staff and panel),
which the package imports so they are registered on `bp`."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)
