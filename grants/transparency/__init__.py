"""Transparency: public pages of what was funded and the 360Giving open data."""

from grants.transparency.routes import bp

__all__ = ["bp"]
