"""The email outbox: every email is written here in the same transaction as the change that causes it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.models.base import Base, CreatedAtMixin


class OutboxEmail(CreatedAtMixin, Base):
    """An email waiting to be sent (or sent) by `flask outbox send`.

    A send that fails counts an attempt and waits until `next_attempt_at` (longer after each failure); after the
    last allowed attempt the email is set aside (`failed_at`, with its `last_error`) until someone retries it.
    """

    __tablename__ = "outbox_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body_text: Mapped[str] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(nullable=True)
