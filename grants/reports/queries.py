"""Reads for the staff and panel side of reports: the round's sent stories, their themes and quotes, the most
significant change selection, the learning summary, and the one door through which stories may reach the public."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from grants.awards.publication import public_details
from grants.database import DbSession
from grants.models import (
    Award,
    Bid,
    Report,
    ReportMessage,
    ReportQuote,
    ReportStatus,
    ReportTheme,
    Role,
    RoleGrant,
    StoryChoice,
    StorySelection,
    Theme,
    User,
)


def funder_staff(session: DbSession, funder_id: int) -> list[User]:
    """Staff of a funder who can sign in, for emails about its reports."""
    return list(
        session.scalars(
            sa.select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.STAFF, RoleGrant.funder_id == funder_id, User.is_disabled.is_(False))
            .distinct()
            .order_by(User.id)
        )
    )


def _sent_in_round(round_id: int) -> sa.Select[Report]:
    return (
        sa.select(Report)
        .join(Award, Award.id == Report.award_id)
        .where(Award.round_id == round_id, Report.status == ReportStatus.SUBMITTED)
        .options(
            # one joined query for the many-to-ones, however many reports (an IN list is sent in batches)
            contains_eager(Report.award).joinedload(Award.bid, innerjoin=True).joinedload(Bid.group),
            joinedload(Report.report_date),
            selectinload(Report.photos),
        )
        .order_by(Report.submitted_at, Report.id)
    )


def sent_reports(session: DbSession, round_id: int, *, theme_id: int | None = None) -> list[Report]:
    """The round's sent reports, oldest first; only those tagged with `theme_id` when one is given."""
    query = _sent_in_round(round_id)
    if theme_id is not None:
        query = query.where(sa.exists().where(ReportTheme.report_id == Report.id, ReportTheme.theme_id == theme_id))
    return list(session.scalars(query))


def sent_report_ids(session: DbSession, round_id: int) -> set[int]:
    return set(
        session.scalars(
            sa.select(Report.id)
            .join(Award, Award.id == Report.award_id)
            .where(Award.round_id == round_id, Report.status == ReportStatus.SUBMITTED)
        )
    )


def report_with_details(session: DbSession, report_id: int) -> Report | None:
    """A report with its award, bid, group, round, photos and conversation loaded."""
    return session.scalars(
        sa.select(Report)
        .where(Report.id == report_id)
        .options(
            selectinload(Report.award).selectinload(Award.bid).selectinload(Bid.round),
            selectinload(Report.award).selectinload(Award.bid).selectinload(Bid.group),
            selectinload(Report.report_date),
            selectinload(Report.photos),
            selectinload(Report.messages).selectinload(ReportMessage.author),
        )
    ).first()


def funder_themes(session: DbSession, funder_id: int) -> list[Theme]:
    """The funder's own list of themes, by name."""
    return list(session.scalars(sa.select(Theme).where(Theme.funder_id == funder_id).order_by(Theme.name)))


def themes_by_report(session: DbSession, report_ids: list[int]) -> dict[int, list[Theme]]:
    """Each report's themes, by name."""
    found: dict[int, list[Theme]] = defaultdict(list)
    if not report_ids:
        return found
    rows = session.execute(
        sa.select(ReportTheme.report_id, Theme)
        .join(Theme, Theme.id == ReportTheme.theme_id)
        .where(ReportTheme.report_id.in_(report_ids))
        .order_by(Theme.name)
    )
    for report_id, theme in rows:
        found[report_id].append(theme)
    return found


def report_quotes(session: DbSession, report_id: int) -> list[ReportQuote]:
    return list(
        session.scalars(sa.select(ReportQuote).where(ReportQuote.report_id == report_id).order_by(ReportQuote.id))
    )


def selection_for_round(session: DbSession, round_id: int) -> StorySelection | None:
    return session.scalars(sa.select(StorySelection).where(StorySelection.round_id == round_id)).first()


def choices_of(session: DbSession, selection: StorySelection | None, user_id: int) -> dict[int, StoryChoice]:
    """One person's current picks in a selection, by report id."""
    if selection is None:
        return {}
    choices = session.scalars(
        sa.select(StoryChoice).where(StoryChoice.selection_id == selection.id, StoryChoice.user_id == user_id)
    )
    return {c.report_id: c for c in choices}


def choosers_count(session: DbSession, selection: StorySelection | None) -> int:
    """How many people have picked at least one story (never who)."""
    if selection is None:
        return 0
    return int(
        session.scalar(
            sa.select(sa.func.count(sa.distinct(StoryChoice.user_id))).where(StoryChoice.selection_id == selection.id)
        )
        or 0
    )


# --- the learning summary ---------------------------------------------------------------------------------------


@dataclass
class SignificantStory:
    """A story picked as most significant: how often by the panel and its reasons, and apart from them any picks
    by the funder's staff (never by whom). A staff pick never counts as the panel's."""

    report: Report
    picks: int
    reasons: list[str] = field(default_factory=list)
    staff_picks: int = 0
    staff_reasons: list[str] = field(default_factory=list)


@dataclass
class QuoteLine:
    text: str
    group_name: str
    report_id: int


@dataclass
class LearningSummary:
    """What a round's stories taught: themes with counts, the most significant stories, quotes, shared stories."""

    report_count: int
    theme_counts: list[tuple[str, int]]
    significant: list[SignificantStory]
    quotes: list[QuoteLine]
    shared: list[Report]
    selection_open: bool
    selection_exists: bool


def learning_summary(session: DbSession, round_id: int) -> LearningSummary:
    reports = sent_reports(session, round_id)
    by_id = {r.id: r for r in reports}
    ids = list(by_id)
    theme_counts: list[tuple[str, int]] = []
    if ids:
        theme_counts = [
            (name, int(count))
            for name, count in session.execute(
                sa.select(Theme.name, sa.func.count(ReportTheme.id))
                .join(ReportTheme, ReportTheme.theme_id == Theme.id)
                .where(ReportTheme.report_id.in_(ids))
                .group_by(Theme.id, Theme.name)
                .order_by(sa.func.count(ReportTheme.id).desc(), Theme.name)
            )
        ]
    selection = selection_for_round(session, round_id)
    significant: dict[int, SignificantStory] = {}
    if selection is not None:
        choices = session.scalars(
            sa.select(StoryChoice).where(StoryChoice.selection_id == selection.id).order_by(StoryChoice.id)
        )
        for choice in choices:
            report = by_id.get(choice.report_id)
            if report is None:
                continue
            story = significant.setdefault(report.id, SignificantStory(report=report, picks=0))
            if choice.chosen_as == "panellist":
                story.picks += 1
                story.reasons.append(choice.reason)
            else:
                story.staff_picks += 1
                story.staff_reasons.append(choice.reason)
    ranked = sorted(
        significant.values(),
        key=lambda s: (-s.picks, -s.staff_picks, s.report.submitted_at or datetime.min, s.report.id),
    )
    quotes: list[QuoteLine] = []
    if ids:
        for quote in session.scalars(
            sa.select(ReportQuote).where(ReportQuote.report_id.in_(ids)).order_by(ReportQuote.id)
        ):
            quotes.append(QuoteLine(quote.text, by_id[quote.report_id].award.bid.group.name, quote.report_id))
    return LearningSummary(
        report_count=len(reports),
        theme_counts=theme_counts,
        significant=ranked,
        quotes=quotes,
        shared=[r for r in reports if r.share_publicly],
        selection_open=selection is not None and selection.closed_at is None,
        selection_exists=selection is not None,
    )


# --- the public door --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicStory:
    """A story a group chose to share, with nothing personal: no member names, no messages, no photos' people.
    `group_name` is None when the group asked for its name to be left out of public pages."""

    report_id: int
    round_id: int
    group_name: str | None
    answers: tuple[dict[str, Any], ...]
    recording_url: str
    submitted_at: datetime | None


def shareable_stories(session: DbSession, round_id: int) -> list[PublicStory]:
    """The only stories of a round that may ever reach a public page: sent, shared by the group's own choice, and
    approved by staff (shared by the group, then approved by staff, then public)."""
    return shareable_stories_by_round(session, [round_id]).get(round_id, [])


def shareable_stories_by_round(session: DbSession, round_ids: Iterable[int]) -> dict[int, list[PublicStory]]:
    """`shareable_stories` of each of these rounds, by round id (rounds with none left out), oldest first: a fixed
    number of queries however many rounds and stories."""
    ids = set(round_ids)
    if not ids:
        return {}
    query = (
        sa.select(Report)
        .join(Award, Award.id == Report.award_id)
        .where(
            Award.round_id.in_(ids),
            Report.status == ReportStatus.SUBMITTED,
            Report.share_publicly.is_(True),
            Report.share_approved_at.is_not(None),
        )
        .options(
            contains_eager(Report.award).joinedload(Award.published),
            contains_eager(Report.award).joinedload(Award.bid).joinedload(Bid.group),
        )
        .order_by(Report.submitted_at, Report.id)
    )
    found: dict[int, list[PublicStory]] = defaultdict(list)
    for r in session.scalars(query).unique():
        found[r.award.round_id].append(
            PublicStory(
                report_id=r.id,
                round_id=r.award.round_id,
                group_name=None if r.award.withhold_name else public_details(r.award).group_name,
                answers=tuple({"prompt": a.get("prompt", ""), "text": a.get("text", "")} for a in r.answers or []),
                recording_url=r.recording_url,
                submitted_at=r.submitted_at,
            )
        )
    return dict(found)


def theme_counts_by_round(session: DbSession, round_ids: Iterable[int]) -> dict[int, list[tuple[str, int]]]:
    """How many of each round's sent reports carry each theme, most used first (then by name), by round id: the
    learning summary's theme counts for many rounds in one query."""
    ids = set(round_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(Award.round_id, Theme.name, sa.func.count(ReportTheme.id))
        .join(ReportTheme, ReportTheme.theme_id == Theme.id)
        .join(Report, Report.id == ReportTheme.report_id)
        .join(Award, Award.id == Report.award_id)
        .where(Award.round_id.in_(ids), Report.status == ReportStatus.SUBMITTED)
        .group_by(Award.round_id, Theme.id, Theme.name)
        .order_by(Award.round_id, sa.func.count(ReportTheme.id).desc(), Theme.name)
    )
    found: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for round_id, name, count in rows:
        found[round_id].append((name, int(count)))
    return dict(found)
