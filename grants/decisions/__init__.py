"""Decisions: the tally of a round, ratification by staff, and departures from the panel's result."""

from grants.decisions.routes import bp

__all__ = ["bp"]
