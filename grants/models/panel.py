"""Community panels: the residents who sit on a round's panel."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, CreatedAtMixin

if TYPE_CHECKING:
    from grants.models.rounds import Round
    from grants.models.users import User


class PanelMember(CreatedAtMixin, Base):
    """A panellist's seat on one round's panel."""

    __tablename__ = "panel_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    is_chair: Mapped[bool] = mapped_column(default=False)
    conduct_accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)

    round: Mapped[Round] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("round_id", "user_id"),)
