"""Site administration: funders and their first staff."""

from grants.admin.routes import bp

__all__ = ["bp"]
