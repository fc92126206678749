"""What the daily prune removes: personal data the platform no longer needs, kept no longer than it says.

- security log entries older than SECURITY_LOG_DAYS;
- forms kept for someone whose sign-in ended while they typed, once past their keeping time;
- registrations never confirmed, and password-reset links, once their link has expired;
- the used tokens of money-moving forms, once too old to be sent again (grants.idempotency).

The decision audit chain is never touched: it is kept for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from grants.auth.saved_forms import delete_expired_saved_forms
from grants.auth.security_log import prune_security_log
from grants.database import DbSession
from grants.idempotency import purge_used_form_tokens
from grants.models import PasswordReset, PendingRegistration


@dataclass(frozen=True)
class Pruned:
    security_events: int
    kept_forms: int
    registrations: int
    reset_links: int
    form_tokens: int

    def summary(self) -> str:
        return (
            f"Removed {self.security_events} security log entr{'y' if self.security_events == 1 else 'ies'}, "
            f"{self.kept_forms} kept form{'' if self.kept_forms == 1 else 's'}, "
            f"{self.registrations} unconfirmed registration{'' if self.registrations == 1 else 's'}, "
            f"{self.reset_links} expired reset link{'' if self.reset_links == 1 else 's'} and "
            f"{self.form_tokens} used form token{'' if self.form_tokens == 1 else 's'}."
        )


def _count(result: sa.engine.Result[object]) -> int:
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def prune(session: DbSession, *, now: datetime, security_log_days: int) -> Pruned:
    """Delete everything past its keeping time (the caller commits)."""
    return Pruned(
        security_events=prune_security_log(session, days=security_log_days, now=now),
        kept_forms=delete_expired_saved_forms(session, now=now),
        registrations=_count(
            session.execute(sa.delete(PendingRegistration).where(PendingRegistration.expires_at < now))
        ),
        reset_links=_count(session.execute(sa.delete(PasswordReset).where(PasswordReset.expires_at < now))),
        form_tokens=purge_used_form_tokens(session, now=now),
    )
