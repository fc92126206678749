"""Screening: staff mark submitted bids eligible or ineligible, with a reason the applicant reads."""

from grants.screening.routes import bp

__all__ = ["bp"]
