"""Community groups that apply, and the people who belong to them."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, CreatedAtMixin, enum_column

if TYPE_CHECKING:
    from grants.models.users import User


class GroupKind(enum.StrEnum):
    INFORMAL = "informal"
    UNINCORPORATED = "unincorporated_association"
    CIO = "cio"
    CIC = "cic"
    CHARITY = "charity"
    COMPANY = "company"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            GroupKind.INFORMAL: "Informal group",
            GroupKind.UNINCORPORATED: "Unincorporated association",
            GroupKind.CIO: "Charitable incorporated organisation (CIO)",
            GroupKind.CIC: "Community interest company (CIC)",
            GroupKind.CHARITY: "Registered charity",
            GroupKind.COMPANY: "Company",
            GroupKind.OTHER: "Other",
        }[self]


class Group(CreatedAtMixin, Base):
    """An applicant group, described once and reused across bids."""

    __tablename__ = "group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    area: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[GroupKind] = mapped_column(enum_column(GroupKind, "group_kind"))
    registration_number: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")

    members: Mapped[list[GroupMember]] = relationship(back_populates="group", cascade="all, delete-orphan")


class GroupMember(CreatedAtMixin, Base):
    """A person who can act for a group: see and edit its profile and bids."""

    __tablename__ = "group_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("group.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)

    group: Mapped[Group] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("group_id", "user_id"),)
