"""Narrative outcome reporting: stories not KPIs, conversations, themes, and the most significant change."""

from flask import Blueprint

# The views are attached by grants.reports.group_routes (the group's side) and grants.reports.staff_routes
# (staff and panel), which the app factory imports: importing this package never loads a route module.
bp = Blueprint("reports", __name__)
