"""Narrative outcome reporting: stories not KPIs, conversations, themes, and the most significant change."""

from grants.reports.routes import bp

__all__ = ["bp"]
