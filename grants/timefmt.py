"""Time as people read it: UTC is stored, Europe/London is shown. Used by pages, emails and services alike."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from grants.models.base import utcnow

LONDON = ZoneInfo("Europe/London")
TIME_FORMAT = "%-d %B %Y at %-I:%M%p"
DATE_FORMAT = "%-d %B %Y"


def london_time(value: datetime | date | None, fmt: str = TIME_FORMAT) -> str:
    """A UTC datetime as Europe/London wall time, e.g. '24 November 2026 at 9:05am'; a date as '24 November 2026'."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return value.strftime(DATE_FORMAT)
    text = value.astimezone(LONDON).strftime(fmt)
    return text.replace("AM", "am").replace("PM", "pm")


def london_date(value: datetime | date | None) -> str:
    """The day in Europe/London, e.g. '24 November 2026', for a UTC datetime or a plain date."""
    return london_time(value, DATE_FORMAT)


def today_in_london(now: datetime | None = None) -> date:
    """The date it is in Europe/London at `now` (default: this moment)."""
    return (now or utcnow()).astimezone(LONDON).date()
