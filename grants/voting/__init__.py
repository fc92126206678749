"""Voting: ballots by the round's method, paper ballots recorded by staff, receipts."""

from grants.voting.routes import bp

__all__ = ["bp"]
