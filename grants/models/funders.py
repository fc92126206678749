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

    def __repr__(self) -> str:
        return f"<Funder {self.slug}>"
