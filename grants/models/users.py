"""People, their sign-in sessions, the roles they hold, invitations and password resets."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, CreatedAtMixin, enum_column

if TYPE_CHECKING:
    from grants.models.funders import Funder
    from grants.models.groups import Group
    from grants.models.rounds import Round


class Role(enum.StrEnum):
    """Roles granted to an account. Applicant needs no grant (anyone may apply); panellist is per round."""

    SITE_ADMIN = "site_admin"
    STAFF = "staff"
    AUDITOR = "auditor"
    PANELLIST = "panellist"
    GROUP_MEMBER = "group_member"

    @property
    def label(self) -> str:
        return {
            Role.SITE_ADMIN: "Site admin",
            Role.STAFF: "Funder staff",
            Role.AUDITOR: "Auditor",
            Role.PANELLIST: "Panellist",
            Role.GROUP_MEMBER: "Group member",
        }[self]


class User(CreatedAtMixin, Base):
    """One person's account. The email is stored lower-cased so it is unique whatever the case typed."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_disabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    password_changed_at: Mapped[datetime | None] = mapped_column(nullable=True)

    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", foreign_keys="RoleGrant.user_id", lazy="selectin"
    )

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lower"),)

    # Flask-Login integration. The id it stores in the cookie is the sign-in session's token, not the user id,
    # so ending that session (sign out, password change) makes any copy of the cookie useless.
    if TYPE_CHECKING:
        session_token: str | None  # set per request by the loader; not a column
    else:
        session_token = None

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return not self.is_disabled

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class LoginSession(CreatedAtMixin, Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The browser and system it was opened on ("Firefox on Windows"), for the person's list of where they are
    # signed in; never the full user-agent string.
    device: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")

    user: Mapped[User] = relationship()


class RoleGrant(CreatedAtMixin, Base):
    """A role held by a user: site admin (no funder), or staff or auditor of one funder."""

    __tablename__ = "role_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role_grant_role"))
    funder_id: Mapped[int | None] = mapped_column(sa.ForeignKey("funder.id"), nullable=True)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])
    funder: Mapped[Funder | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("user_id", "role", "funder_id"),
        sa.CheckConstraint(
            "(role = 'site_admin' AND funder_id IS NULL) OR (role IN ('staff', 'auditor') AND funder_id IS NOT NULL)",
            name="funder_matches_role",
        ),
    )


class Invitation(CreatedAtMixin, Base):
    """A single-use, expiring link bound to one email address and one role."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[Role] = mapped_column(enum_column(Role, "invitation_role"))
    funder_id: Mapped[int | None] = mapped_column(sa.ForeignKey("funder.id"), nullable=True)
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("round.id"), nullable=True)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("group.id"), nullable=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)

    funder: Mapped[Funder | None] = relationship()
    round: Mapped[Round | None] = relationship()
    group: Mapped[Group | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lower"),
        sa.CheckConstraint(
            "(role = 'site_admin' AND funder_id IS NULL) OR (role IN ('staff', 'auditor') AND funder_id IS NOT NULL)"
            " OR (role = 'panellist' AND round_id IS NOT NULL)"
            " OR (role = 'group_member' AND group_id IS NOT NULL)",
            name="scope_matches_role",
        ),
    )


class PasswordReset(CreatedAtMixin, Base):
    """A single-use, expiring password-reset link. Only the token's SHA-256 is stored.

    An account has at most one live link: asking again replaces the last one (`replaced_at`).
    """

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    replaced_at: Mapped[datetime | None] = mapped_column(nullable=True)

    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.Index(
            "uq_password_reset_one_live_link",
            "user_id",
            unique=True,
            sqlite_where=sa.text("used_at IS NULL AND replaced_at IS NULL"),
            postgresql_where=sa.text("used_at IS NULL AND replaced_at IS NULL"),
        ),
    )


class PendingRegistration(CreatedAtMixin, Base):
    """Someone has asked for an account; it is made when they follow the link emailed to the address.

    Nothing here says whether the address already has an account: that address gets a notice instead, and no
    row. Only the token's SHA-256 and the password's argon2 hash are stored; asking again replaces the row.
    """

    __tablename__ = "pending_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime]

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lower"),)


class SavedForm(CreatedAtMixin, Base):
    """What a signed-in person typed into a form when their sign-in ended before they sent it, kept for a few
    hours until they sign in again (grants/auth/saved_forms.py).

    Bound to that person and to the browser they typed in: the browser holds a random token in a cookie of its
    own, and only the token's SHA-256 is stored here (one token per browser, so it may name several forms).
    """

    __tablename__ = "saved_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    path: Mapped[str] = mapped_column(sa.String(500))
    data: Mapped[list[list[str]]] = mapped_column(sa.JSON)
