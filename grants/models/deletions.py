"""A person's request that their account be deleted, and what the site admin decided."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, enum_column, utcnow
from grants.models.users import User


class DeletionOutcome(enum.StrEnum):
    DELETED = "deleted"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class AccountDeletion(Base):
    """Asked for by the person; decided by a site admin (deleted, or refused with a reason), or cancelled by them.

    The row outlives the deletion: it is the record that the account was deleted, when and by whom, and names
    nobody once it is done (the account itself is left with no name, address or password).
    """

    __tablename__ = "account_deletion"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)
    outcome: Mapped[DeletionOutcome | None] = mapped_column(
        enum_column(DeletionOutcome, "deletion_outcome"), nullable=True
    )
    refusal: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        # One open request per person.
        sa.Index(
            "uq_account_deletion_open",
            "user_id",
            unique=True,
            sqlite_where=sa.text("decided_at IS NULL"),
            postgresql_where=sa.text("decided_at IS NULL"),
        ),
        sa.CheckConstraint("(decided_at IS NULL) = (outcome IS NULL)", name="decided_has_outcome"),
        sa.CheckConstraint("outcome <> 'refused' OR refusal <> ''", name="refusal_has_reason"),
    )
