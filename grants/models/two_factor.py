"""Two-step sign-in: an account's authenticator app (a TOTP secret, sealed) and its single-use recovery codes.

An account has two-step sign-in on exactly when it has a `TwoFactor` row; turning it off deletes the row and the
recovery codes. The rules are in grants/auth/two_factor.py.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.models.base import Base, CreatedAtMixin


class TwoFactor(CreatedAtMixin, Base):
    """One account's authenticator app."""

    __tablename__ = "two_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    # The base32 TOTP secret, sealed by grants.auth.sealing (never stored as typed into an app).
    secret_sealed: Mapped[str] = mapped_column(sa.String(500))
    enabled_at: Mapped[datetime]
    # The 30-second time-step of the last code accepted: a code of that step or an earlier one is refused, so a
    # code seen over someone's shoulder cannot be used again.
    last_used_step: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)


class RecoveryCode(CreatedAtMixin, Base):
    """A single-use recovery code, for signing in without the app. Only its SHA-256 is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (sa.UniqueConstraint("user_id", "code_hash"),)
