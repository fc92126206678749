"""Deliberation: once scoring has closed, the chair and the funder's staff record notes of the panel's discussion."""

from __future__ import annotations

from datetime import datetime

from grants.audit.chain import record_event
from grants.database import DbSession
from grants.domain import DomainError, typed_text
from grants.models import DeliberationNote, Round, User
from grants.panel import rules
from grants.panel.services.seats import CHAIR, STAFF, lock_round

MAX_DELIBERATION_NOTE = 5000
NOTE_REQUIRED = "Write the note before saving it"
NOTE_TOO_LONG = f"Keep the note to {MAX_DELIBERATION_NOTE:,} characters or fewer"


def notes_not_open_reason(round_: Round, now: datetime) -> str | None:
    """Why deliberation notes cannot be added at `now`; None when they can (scoring closed, round not decided)."""
    if round_.is_decided:
        return "This round has been decided, so no more notes can be added."
    if not rules.scoring_closed(round_, now):
        return "Notes can be added once scoring has closed and the panel meets to deliberate."
    return None


def add_deliberation_note(
    session: DbSession, *, round_: Round, author: User, text: str, as_role: str, now: datetime
) -> DeliberationNote:
    """Record a note of the panel's discussion, by the chair (`as_role="chair"`) or staff (`"staff"`)."""
    if as_role not in (CHAIR, STAFF):
        raise ValueError(f"unknown note author role: {as_role}")
    lock_round(session, round_)
    if as_role == CHAIR and not rules.is_chair(session, round_.id, author.id):
        raise DomainError("Only the panel's chair or the funder's staff can add notes.", "text")
    reason = notes_not_open_reason(round_, now)
    if reason is not None:
        raise DomainError(reason, "text")
    text = typed_text(text, MAX_DELIBERATION_NOTE, "text", missing=NOTE_REQUIRED, too_long=NOTE_TOO_LONG)
    note = DeliberationNote(round_id=round_.id, author_id=author.id, text=text)
    session.add(note)
    session.flush()
    record_event(
        session,
        "deliberation.note_added",
        by=author,
        role=as_role,
        about=note,
        facts={"round_id": round_.id, "note_id": note.id},
    )
    return note
