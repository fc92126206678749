"""Awards: offers to funded groups, acceptance, payments, and feedback to every unfunded group."""

from grants.awards.routes import bp

__all__ = ["bp"]
