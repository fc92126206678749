"""Rounds: staff set up and run funding rounds; the public sees open rounds."""

from grants.rounds.routes import bp

__all__ = ["bp"]
