"""Bids: groups describe themselves once and apply in a few short steps."""

from grants.bids.routes import bp

__all__ = ["bp"]
