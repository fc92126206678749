"""The audit chain and the auditor's pages."""

from grants.audit.routes import bp

__all__ = ["bp"]
