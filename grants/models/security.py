"""The security log: sign-ins, failures, throttling, password and second-factor changes.

Kept apart from the decision audit chain on purpose. Anyone on the internet can cause a failed sign-in, so these
rows must be prunable (the chain can never lose a row) and must never crowd out what a decision rests on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.models.base import Base, utcnow


class SecurityEvent(Base):
    """One thing that happened to an account's security. `kind` is one of grants.auth.security_log.KINDS."""

    __tablename__ = "security_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    # The account it concerns, when there is one; never the address typed for an account that does not exist.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    source_ip: Mapped[str | None] = mapped_column(sa.String(45))
    facts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
