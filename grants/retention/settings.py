"""How long a funder keeps unfunded bids' details: its staff set it, within bounds the database holds too."""

from __future__ import annotations

from grants.audit.chain import record_event
from grants.database import DbSession
from grants.domain import DomainError
from grants.models import Funder, User

KEPT_DAYS_MIN, KEPT_DAYS_MAX = 30, 3650


def set_unfunded_bids_kept_days(session: DbSession, *, funder: Funder, days: str, actor: User) -> int:
    """Set the number of days, typed as a whole number; DomainError by the field otherwise."""
    typed = days.strip()
    if not typed:
        raise DomainError("Enter a number of days", "days")
    if not (typed.isascii() and typed.isdigit()) or len(typed) > 5:
        raise DomainError("Enter the number of days as a whole number, like 730", "days")
    value = int(typed)
    if not KEPT_DAYS_MIN <= value <= KEPT_DAYS_MAX:
        raise DomainError(f"Keep them for between {KEPT_DAYS_MIN} days and {KEPT_DAYS_MAX} days (ten years)", "days")
    previous = funder.unfunded_bids_kept_days
    funder.unfunded_bids_kept_days = value
    record_event(
        session, "funder.retention_changed", by=actor, about=funder, facts={"kept_days": value, "previous": previous}
    )
    return value
