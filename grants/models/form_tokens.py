"""One-use form tokens: a money-moving form is acted on once, however many times it is sent."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.models.base import Base, UtcDateTime


class UsedFormToken(Base):
    """A form's one-use token, stored when the form is acted on, in the same transaction as what it did.

    The unique constraint on (token, purpose) is what makes the form idempotent: of two posts of the same form at
    the same moment only one can insert its row; the other waits for it and then finds the token spent. `purpose`
    is the page the form was sent to (endpoint and ids), so one page's token never blocks another object's form.
    """

    __tablename__ = "used_form_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64))
    purpose: Mapped[str] = mapped_column(sa.String(200))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    used_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (sa.UniqueConstraint("token", "purpose", name="uq_used_form_token_once"),)
