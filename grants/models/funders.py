"""Funders: the organisations that run rounds."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.models.base import Base, CreatedAtMixin


class Funder(CreatedAtMixin, Base):
    """A funding organisation. Its staff and auditors see only its rounds."""

    __tablename__ = "funder"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    # The 360Giving identifier prefix (e.g. "360G-examplefund"), set when the funder registers with 360Giving.
    grant_id_prefix: Mapped[str | None] = mapped_column(sa.String(80), nullable=True)
    # Ratifying, each departure and reopening a decided round need a second member of staff to confirm them.
    two_person_decisions: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # How long a bid that was not funded keeps what the group wrote, after its round was decided (or, for a draft,
    # a withdrawn or an ineligible bid, after its round closed): then `flask retention apply` removes it.
    unfunded_bids_kept_days: Mapped[int] = mapped_column(default=730, server_default="730")

    __table_args__ = (
        sa.CheckConstraint("unfunded_bids_kept_days BETWEEN 30 AND 3650", name="unfunded_bids_kept_days_range"),
    )

    def __repr__(self) -> str:
        return f"<Funder {self.slug}>"
