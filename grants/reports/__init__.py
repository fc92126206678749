"""Narrative outcome reporting: stories not KPIs, conversations, themes, and the most significant change."""

from grants.reports import group_routes, staff_routes  # the views, registered on bp
from grants.reports.routes import bp

__all__ = ["bp", "group_routes", "staff_routes"]
