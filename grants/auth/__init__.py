"""Accounts, sign-in, roles and invitations."""

from grants.auth.routes import bp

__all__ = ["bp"]
