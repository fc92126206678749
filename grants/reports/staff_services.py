"""The conversation about a report, themes, quotes and the most significant change selection. The caller commits;
every change writes an audit event in the same transaction, with ids only (never the words people wrote)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from grants.audit.chain import record_event
from grants.bids.audience import bid_recipients
from grants.database import DbSession
from grants.domain import DomainError, typed_text
from grants.mail import send_email
from grants.models import (
    PanelMember,
    Report,
    ReportMessage,
    ReportQuote,
    ReportStatus,
    ReportTheme,
    Role,
    Round,
    StoryChoice,
    StorySelection,
    Theme,
    User,
)
from grants.panel import rules
from grants.reports import queries

GROUP = "group"
STAFF = "staff"
SIDES = (GROUP, STAFF)
MAX_MESSAGE = 5000
MAX_THEME_NAME = 80
MAX_QUOTE = 1000
MAX_REASON = 1000
MAX_PICKS = 2

MESSAGE_REQUIRED = "Enter your message"
MESSAGE_TOO_LONG = f"Your message must be {MAX_MESSAGE:,} characters or fewer"
REPORT_NOT_SENT = "The conversation opens once the group has sent its report"
THEME_TOO_LONG = f"A theme's name must be {MAX_THEME_NAME} characters or fewer"
THEME_UNKNOWN = "Choose themes from your list"
QUOTE_REQUIRED = "Enter the words you want to quote"
QUOTE_TOO_LONG = f"A quote must be {MAX_QUOTE:,} characters or fewer"
QUOTE_NOT_IN_REPORT = "A quote must be the group's own words: copy it exactly from one of their answers"
QUOTE_ALREADY_PICKED = "You have already picked this quote"
SELECTION_ALREADY_OPEN = "The selection is already open"
SELECTION_NOT_OPEN = "The selection of most significant stories is not open"
SELECTION_NOT_CLOSED = "Only a closed selection can be reopened"
SELECTION_CLOSED = "The selection has closed, so picks can no longer be changed"
SELECTION_CLOSED_REOPEN = (
    "The selection is closed and its picks are fixed. To reopen it, say why: the reopening is logged for auditors"
)
REOPEN_REASON_REQUIRED = "Say why you are reopening the selection, for example that a panellist could not take part"
MAX_REOPEN_REASON = 500
REOPEN_REASON_TOO_LONG = f"Keep the reason to {MAX_REOPEN_REASON} characters or fewer"
NO_STORIES = "No group in this round has sent its story yet"
TOO_MANY_PICKS = f"Choose at most {MAX_PICKS} stories"
STORY_NOT_IN_ROUND = "Choose from the stories sent in this round"
REASON_REQUIRED = "Say why you chose this story"
REASON_TOO_LONG = f"Your reason must be {MAX_REASON:,} characters or fewer"


def _staff_event(session: DbSession, action: str, actor: User, object_type: str, object_id: int, **facts: Any) -> None:
    """An audit event of the funder's staff, with ids only (never the words people wrote)."""
    record_event(session, action, by=actor, role=STAFF, about=object_id, facts=facts)


def _actor_role(side: str) -> str:
    return Role.STAFF.value if side == STAFF else "applicant"


# --- the conversation -------------------------------------------------------------------------------------------


def _email_other_side(session: DbSession, *, report: Report, message: ReportMessage) -> None:
    bid = report.award.bid
    if message.side == STAFF:
        for recipient in bid_recipients(session, bid):
            send_email(session, to=recipient.email, template="reports/staff_replied", report=report)
        return
    for person in queries.funder_staff(session, bid.round.funder_id):
        send_email(session, to=person.email, template="reports/group_wrote", report=report)


def send_message(session: DbSession, *, report: Report, author: User, side: str, text: str) -> ReportMessage:
    """Add a message to the report's conversation and email the other side."""
    if side not in SIDES:
        raise ValueError(f"unknown side {side!r}")
    if report.status != ReportStatus.SUBMITTED:
        raise DomainError(REPORT_NOT_SENT, "text")
    text = typed_text(text, MAX_MESSAGE, "text", missing=MESSAGE_REQUIRED, too_long=MESSAGE_TOO_LONG)
    message = ReportMessage(report_id=report.id, author_id=author.id, side=side, text=text)
    session.add(message)
    session.flush()
    record_event(
        session,
        "report.message",
        by=author,
        role=_actor_role(side),
        about=report,
        facts={"report_id": report.id, "side": side},
    )
    _email_other_side(session, report=report, message=message)
    return message


# --- themes -----------------------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip()


def tag_report(
    session: DbSession, *, report: Report, theme_ids: Iterable[int], new_theme: str, actor: User
) -> list[Theme]:
    """Set the report's themes to the ticked ones from the funder's list, plus a new one typed in (added to the
    list, or matched to an existing theme of the same name in any letter case)."""
    funder_id = report.award.bid.round.funder_id
    own = {t.id: t for t in queries.funder_themes(session, funder_id)}
    wanted_ids = set(theme_ids)
    if not wanted_ids <= set(own):
        raise DomainError(THEME_UNKNOWN, "themes")
    name = _clean_name(new_theme)
    added: Theme | None = None
    if name:
        if len(name) > MAX_THEME_NAME:
            raise DomainError(THEME_TOO_LONG, "new_theme")
        added = next((t for t in own.values() if t.name.casefold() == name.casefold()), None)
        if added is None:
            added = Theme(funder_id=funder_id, name=name)
            session.add(added)
            session.flush()
            _staff_event(session, "theme.added", actor, "theme", added.id, funder_id=funder_id, theme_id=added.id)
        wanted_ids.add(added.id)
    current = {
        rt.theme_id: rt for rt in session.scalars(sa.select(ReportTheme).where(ReportTheme.report_id == report.id))
    }
    for theme_id, link in current.items():
        if theme_id not in wanted_ids:
            session.delete(link)
    for theme_id in wanted_ids - set(current):
        session.add(ReportTheme(report_id=report.id, theme_id=theme_id))
    session.flush()
    theme_ids = sorted(wanted_ids)
    _staff_event(session, "report.tagged", actor, "report", report.id, report_id=report.id, theme_ids=theme_ids)
    by_id = {**own, **({added.id: added} if added is not None else {})}
    return sorted((by_id[i] for i in wanted_ids), key=lambda t: t.name)


# --- quotes -----------------------------------------------------------------------------------------------------


def _squash(text: str) -> str:
    """Text with every run of white space as one space, and curly quotes as straight ones: a quote copied from a
    page may have lost the group's line breaks or gained typographic quotes."""
    text = text.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip()


def quote_in_answers(report: Report, text: str) -> bool:
    wanted = _squash(text)
    return bool(wanted) and any(wanted in _squash(str(a.get("text", ""))) for a in report.answers or [])


def pick_quote(session: DbSession, *, report: Report, text: str, actor: User) -> ReportQuote:
    """Keep a quote from the report for the learning summary: the group's own words, from one of its answers."""
    text = typed_text(text, MAX_QUOTE, "quote", missing=QUOTE_REQUIRED, too_long=QUOTE_TOO_LONG)
    if report.status != ReportStatus.SUBMITTED or not quote_in_answers(report, text):
        raise DomainError(QUOTE_NOT_IN_REPORT, "quote")
    squashed = _squash(text)
    if any(_squash(q.text) == squashed for q in queries.report_quotes(session, report.id)):
        raise DomainError(QUOTE_ALREADY_PICKED, "quote")
    quote = ReportQuote(report_id=report.id, text=squashed, chosen_by_id=actor.id)
    session.add(quote)
    session.flush()
    _staff_event(session, "report.quote_picked", actor, "report", report.id, report_id=report.id, quote_id=quote.id)
    return quote


def remove_quote(session: DbSession, *, quote: ReportQuote, actor: User) -> None:
    report_id, quote_id = quote.report_id, quote.id
    session.delete(quote)
    session.flush()
    _staff_event(session, "report.quote_removed", actor, "report", report_id, report_id=report_id, quote_id=quote_id)


# --- sharing a story publicly -----------------------------------------------------------------------------------

SHARE_NOT_OFFERED = "The group did not agree to share this story, so it cannot go on the public page"
SHARE_ALREADY_APPROVED = "This story is already approved for the public page"


def approve_sharing(session: DbSession, *, report: Report, actor: User, now: datetime) -> None:
    """A story the group offered to share goes on the public page once staff have read it and approve it."""
    if report.submitted_at is None or not report.share_publicly:
        raise DomainError(SHARE_NOT_OFFERED, "share")
    if report.share_approved_at is not None:
        raise DomainError(SHARE_ALREADY_APPROVED, "share")
    report.share_approved_at = now
    report.share_approved_by_id = actor.id
    session.flush()
    _staff_event(session, "story.share_approved", actor, "report", report.id, report_id=report.id)


# --- the most significant change --------------------------------------------------------------------------------


def _email_panel(session: DbSession, round_: Round) -> None:
    panellists = session.scalars(
        sa.select(User)
        .join(PanelMember, PanelMember.user_id == User.id)
        .where(PanelMember.round_id == round_.id, User.is_disabled.is_(False))
        .order_by(User.id)
    )
    for person in panellists:
        send_email(
            session,
            to=person.email,
            template="reports/choose_stories",
            person=person,
            round=round_,
            max_picks=MAX_PICKS,
        )


def open_selection(session: DbSession, *, round_: Round, actor: User) -> StorySelection:
    """Open (or reopen) the round's most significant change selection and invite the panel to choose."""
    if not queries.sent_report_ids(session, round_.id):
        raise DomainError(NO_STORIES, "selection")
    selection = queries.selection_for_round(session, round_.id)
    if selection is not None and selection.closed_at is None:
        raise DomainError(SELECTION_ALREADY_OPEN, "selection")
    if selection is not None:
        # Closing fixed the picks: only an explicit reopening, with a reason, changes that (reopen_selection).
        raise DomainError(SELECTION_CLOSED_REOPEN, "selection")
    selection = StorySelection(round_id=round_.id, opened_by_id=actor.id)
    session.add(selection)
    session.flush()
    facts = {"round_id": round_.id, "selection_id": selection.id}
    _staff_event(session, "story.selection_opened", actor, "round", round_.id, **facts)
    _email_panel(session, round_)
    return selection


def reopen_selection(session: DbSession, *, round_: Round, reason: str, actor: User, now: datetime) -> StorySelection:
    """Reopen a closed selection, with a reason that goes in the audit chain (flagged for auditors); the panel is
    invited again. The picks made before are kept and may be changed until it closes again."""
    selection = queries.selection_for_round(session, round_.id)
    if selection is None or selection.closed_at is None:
        raise DomainError(SELECTION_NOT_CLOSED, "reason")
    reason = typed_text(
        reason, MAX_REOPEN_REASON, "reason", missing=REOPEN_REASON_REQUIRED, too_long=REOPEN_REASON_TOO_LONG
    )
    closed_at = selection.closed_at
    selection.closed_at = None
    session.flush()
    facts = {"round_id": round_.id, "selection_id": selection.id, "closed_at": closed_at.isoformat(), "reason": reason}
    _staff_event(session, "story.selection_reopened", actor, "round", round_.id, **facts)
    _email_panel(session, round_)
    return selection


def close_selection(session: DbSession, *, round_: Round, actor: User, now: datetime) -> StorySelection:
    """Close the selection: the picks made are fixed for the learning summary."""
    selection = queries.selection_for_round(session, round_.id)
    if selection is None or selection.closed_at is not None:
        raise DomainError(SELECTION_NOT_OPEN, "selection")
    selection.closed_at = now
    session.flush()
    facts = {"round_id": round_.id, "selection_id": selection.id}
    _staff_event(session, "story.selection_closed", actor, "round", round_.id, **facts)
    return selection


def _story_event(
    session: DbSession, action: str, *, user: User, round_: Round, report_id: int, chosen_as: str | None = None
) -> None:
    facts: dict[str, Any] = {"round_id": round_.id, "report_id": report_id}
    if chosen_as is not None:
        facts["chosen_as"] = chosen_as
    record_event(session, action, by=user, role=chosen_as, about=report_id, facts=facts)


def choose_stories(session: DbSession, *, round_: Round, user: User, picks: Mapping[int, str]) -> list[StoryChoice]:
    """Replace this person's picks with `picks` (report id -> reason): at most two stories sent in this round,
    each with a reason, while the selection is open."""
    selection = queries.selection_for_round(session, round_.id)
    if selection is None:
        raise DomainError(SELECTION_NOT_OPEN, "story")
    if selection.closed_at is not None:
        raise DomainError(SELECTION_CLOSED, "story")
    if len(picks) > MAX_PICKS:
        raise DomainError(TOO_MANY_PICKS, "story")
    in_round = queries.sent_report_ids(session, round_.id)
    if not set(picks) <= in_round:
        raise DomainError(STORY_NOT_IN_ROUND, "story")
    reasons: dict[int, str] = {}
    for report_id, reason in picks.items():
        reason = reason.strip()
        if not reason:
            raise DomainError(REASON_REQUIRED, f"reason_{report_id}")
        if len(reason) > MAX_REASON:
            raise DomainError(REASON_TOO_LONG, f"reason_{report_id}")
        reasons[report_id] = reason
    # Serialise one person's changes (PostgreSQL; SQLite's write lock already does).
    session.refresh(selection, with_for_update=True)
    # A panellist's pick is the panel's; anyone else who may choose (the funder's staff) picks as staff, and is
    # never counted as "why the panel chose it".
    chosen_as = "panellist" if rules.seat(session, round_.id, user.id) is not None else "staff"
    current = queries.choices_of(session, selection, user.id)
    for report_id, choice in current.items():
        if report_id not in reasons:
            session.delete(choice)
            _story_event(session, "story.unchosen", user=user, round_=round_, report_id=report_id)
    kept: list[StoryChoice] = []
    for report_id, reason in reasons.items():
        existing = current.get(report_id)
        if existing is not None and existing.reason == reason and existing.chosen_as == chosen_as:
            kept.append(existing)
            continue
        if existing is None:
            existing = StoryChoice(
                selection_id=selection.id, user_id=user.id, report_id=report_id, reason=reason, chosen_as=chosen_as
            )
            session.add(existing)
        else:
            existing.reason = reason
            existing.chosen_as = chosen_as
        kept.append(existing)
        session.flush()
        _story_event(session, "story.chosen", user=user, round_=round_, report_id=report_id, chosen_as=chosen_as)
    session.flush()
    return kept
