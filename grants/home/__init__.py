"""Each role's home page."""

from grants.home.routes import bp

__all__ = ["bp"]
