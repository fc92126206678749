"""Narrative outcome reporting: stories in the group's own words, photos, the conversation with staff, themes,
quotes, reminders, and the panel's choice of the most significant stories of change."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.models.base import Base, CreatedAtMixin, StoredFileMixin, UtcDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from grants.models.awards import Award, ReportDate
    from grants.models.users import User


class ReportStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"

    @property
    def label(self) -> str:
        return {ReportStatus.DRAFT: "Draft", ReportStatus.SUBMITTED: "Sent"}[self]


class Report(CreatedAtMixin, Base):
    """A group's story for one report date of its award. `answers` holds [{"prompt": ..., "text": ...}] in the
    order the round's prompts were asked, so a later change of prompts never rewrites a story."""

    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("award.id"), index=True)
    report_date_id: Mapped[int] = mapped_column(sa.ForeignKey("report_date.id"), unique=True)
    status: Mapped[ReportStatus] = mapped_column(enum_column(ReportStatus, "report_status"), default=ReportStatus.DRAFT)
    answers: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    recording_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # The group's choice, when sending, whether its story may appear on a public page.
    share_publicly: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # A story the group offers to share is public only once staff approve it (shared by the group, then approved
    # by staff, then public); a change of the group's mind takes it off the public page again.
    share_approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    share_approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Set when staff recorded the story from a phone call or visit ("tell us another way").
    recorded_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    award: Mapped[Award] = relationship()
    report_date: Mapped[ReportDate] = relationship()
    photos: Mapped[list[ReportPhoto]] = relationship(back_populates="report", cascade="all, delete-orphan")
    messages: Mapped[list[ReportMessage]] = relationship(
        back_populates="report", order_by="ReportMessage.id", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name="submitted_has_time"),)


class ReportPhoto(StoredFileMixin, CreatedAtMixin, Base):
    """A photo with a report: an image of at most 5 MB, sent only with the tick that the people shown agreed."""

    __tablename__ = "report_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    caption: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    people_agreed: Mapped[bool]

    report: Mapped[Report] = relationship(back_populates="photos")

    __table_args__ = (
        sa.CheckConstraint("size_bytes > 0 AND size_bytes <= 5242880", name="size_limit"),
        sa.CheckConstraint("people_agreed", name="people_agreed"),
    )


class ReportMessage(CreatedAtMixin, Base):
    """A message in the conversation about a report, between the group and the funder's staff."""

    __tablename__ = "report_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    # "group" or "staff": which side wrote it (a person can hold both roles elsewhere).
    side: Mapped[str] = mapped_column(sa.String(10))
    text: Mapped[str] = mapped_column(sa.Text)

    report: Mapped[Report] = relationship(back_populates="messages")
    author: Mapped[User] = relationship()

    __table_args__ = (sa.CheckConstraint("side IN ('group', 'staff')", name="side_known"),)


class Theme(CreatedAtMixin, Base):
    """A theme in a funder's own list, added as staff go, used to tag reports."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    funder_id: Mapped[int] = mapped_column(sa.ForeignKey("funder.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))

    __table_args__ = (sa.UniqueConstraint("funder_id", "name"),)


class ReportTheme(Base):
    """A report tagged with a theme."""

    __tablename__ = "report_theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"), index=True)

    theme: Mapped[Theme] = relationship()

    __table_args__ = (sa.UniqueConstraint("report_id", "theme_id"),)


class ReportQuote(CreatedAtMixin, Base):
    """A quote staff picked from a report, for the learning summary."""

    __tablename__ = "report_quote"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    chosen_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))


class ReminderKind(enum.StrEnum):
    WEEK_BEFORE = "week_before"
    OVERDUE = "overdue"


class ReminderSent(CreatedAtMixin, Base):
    """A reminder sent for a report date: at most one of each kind, ever (a unique constraint)."""

    __tablename__ = "reminder_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_date_id: Mapped[int] = mapped_column(sa.ForeignKey("report_date.id", ondelete="CASCADE"))
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind, "reminder_kind"))

    __table_args__ = (sa.UniqueConstraint("report_date_id", "kind"),)


class StorySelection(CreatedAtMixin, Base):
    """Staff opening the round's "most significant change" selection; closing it fixes the choices."""

    __tablename__ = "story_selection"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), unique=True)
    opened_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)

    choices: Mapped[list[StoryChoice]] = relationship(back_populates="selection", cascade="all, delete-orphan")


class StoryChoice(CreatedAtMixin, Base):
    """A panellist's (or staff member's) pick of a story as most significant, with their reason. Up to two each."""

    __tablename__ = "story_choice"

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(sa.ForeignKey("story_selection.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    # Who chose, as what: a panellist of the round, or funder staff. Only the panel's picks are "why the panel
    # chose it"; staff picks are shown as staff's.
    chosen_as: Mapped[str] = mapped_column(sa.String(10), default="panellist", server_default="panellist")

    selection: Mapped[StorySelection] = relationship(back_populates="choices")
    report: Mapped[Report] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("selection_id", "user_id", "report_id"),
        sa.CheckConstraint("chosen_as IN ('panellist', 'staff')", name="chosen_as_known"),
    )
