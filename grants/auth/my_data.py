"""Everything the platform holds about one person, for them to download (the right of access): their account,
where they are signed in, their roles, their security log, the emails sent to them, their panel work (seats,
conflicts, scores, notes, ballots) and their groups with the groups' bids, reports and files.

One ZIP: `your-data.json` and a `files/` folder with every file of their groups' bids and reports. Secrets are
never in it (password and token hashes, the sealed two-step key, recovery codes), nor the bodies of emails (they
may hold a link that still works): those emails are listed by subject and time.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import inspect

from grants.auth.security_log import record_security_event
from grants.database import DbSession
from grants.files import safe_filename
from grants.models import (
    Award,
    Ballot,
    Base,
    Bid,
    ConflictDeclaration,
    DeliberationNote,
    Group,
    GroupMember,
    LoginSession,
    OutboxEmail,
    PanelMember,
    Report,
    RoleGrant,
    Score,
    SecurityEvent,
    StoryChoice,
    User,
)

# Columns never given out, whoever asks: what opens accounts, and file bytes (they go in files/ instead).
_NEVER = {"password_hash", "token_hash", "secret_sealed", "code_hash", "content"}


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, int | str):
        return value.value  # an enum
    return value


def _row(obj: Base, **extra: Any) -> dict[str, Any]:
    """The object's columns, as plain JSON values."""
    columns = inspect(type(obj)).columns
    values = {column.key: _value(getattr(obj, column.key)) for column in columns if column.key not in _NEVER}
    return {**values, **extra}


def _rows(objects: Iterable[Base]) -> list[dict[str, Any]]:
    return [_row(obj) for obj in objects]


class _Files:
    """The files going into the ZIP, each named by what it is and its id, so two of the same name never clash."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, bytes]] = []

    def add(self, kind: str, obj: Any) -> str:
        name = f"files/{kind}-{obj.id}-{safe_filename(obj.filename, kind)}"
        self.entries.append((name, obj.content))
        return name


def _attachment(bid: Bid, files: _Files) -> dict[str, Any] | None:
    return _row(bid.attachment, file=files.add("attachment", bid.attachment)) if bid.attachment else None


def _group(session: DbSession, group: Group, files: _Files) -> dict[str, Any]:
    bids = session.scalars(sa.select(Bid).where(Bid.group_id == group.id).order_by(Bid.id))
    reports = session.scalars(
        sa.select(Report)
        .join(Award, Award.id == Report.award_id)
        .join(Bid, Bid.id == Award.bid_id)
        .where(Bid.group_id == group.id)
        .order_by(Report.id)
    )
    return _row(
        group,
        members=[m.user.name for m in group.members],  # by name only: the others' details are theirs
        bids=[
            _row(
                bid,
                answers=_rows(bid.answers),
                budget_lines=_rows(bid.budget_lines),
                attachment=_row(bid.attachment, file=files.add("attachment", bid.attachment))
                if bid.attachment
                else None,
            )
            for bid in bids
        ],
        awards=_rows(session.scalars(sa.select(Award).join(Bid).where(Bid.group_id == group.id).order_by(Award.id))),
        reports=[
            _row(
                report,
                photos=[_row(photo, file=files.add("photo", photo)) for photo in report.photos],
                messages=_rows(report.messages),
            )
            for report in reports
        ],
    )


def _mine(session: DbSession, model: type[Base], column: Any, user: User) -> list[dict[str, Any]]:
    return _rows(session.scalars(sa.select(model).where(column == user.id).order_by(model.id)))  # type: ignore[attr-defined]


def collect(session: DbSession, user: User, *, now: datetime) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    """What is held about `user`, as a JSON document and the files it names."""
    files = _Files()
    groups = session.scalars(
        sa.select(Group)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.user_id == user.id)
        .order_by(Group.id)
    )
    ballots = session.scalars(sa.select(Ballot).where(Ballot.user_id == user.id).order_by(Ballot.id))
    emails = session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.to_address == user.email).order_by(OutboxEmail.id)
    )
    document = {
        "about": (
            "Everything Common Pot holds about you, as it was when you downloaded it. Ids are the platform's own"
            " numbers; times are UTC. Your password, sign-in keys and codes are never given out, not even to you."
        ),
        "downloaded_at": now.isoformat(),
        "account": _row(user),
        "sessions": _mine(session, LoginSession, LoginSession.user_id, user),
        "roles": _mine(session, RoleGrant, RoleGrant.user_id, user),
        "security_log": _mine(session, SecurityEvent, SecurityEvent.user_id, user),
        "emails_sent_to_you": [
            {"subject": e.subject, "queued_at": _value(e.created_at), "sent_at": _value(e.sent_at)} for e in emails
        ],
        "panel": {
            "seats": _mine(session, PanelMember, PanelMember.user_id, user),
            "conflicts_declared": _mine(session, ConflictDeclaration, ConflictDeclaration.user_id, user),
            "scores": _mine(session, Score, Score.user_id, user),
            "deliberation_notes": _mine(session, DeliberationNote, DeliberationNote.author_id, user),
            "ballots": [_row(ballot, choices=_rows(ballot.choices)) for ballot in ballots],
            "story_choices": _mine(session, StoryChoice, StoryChoice.user_id, user),
        },
        "groups": [_group(session, group, files) for group in groups],
    }
    return document, files.entries


def download(session: DbSession, user: User, *, now: datetime) -> bytes:
    """The ZIP of everything held about `user`; logged in their security log (the caller commits)."""
    document, files = collect(session, user, now=now)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("your-data.json", json.dumps(document, indent=2, ensure_ascii=False))
        for name, content in files:
            archive.writestr(name, content)
    record_security_event(session, "account.data_downloaded", user=user, facts={"files": len(files)}, now=now)
    return buffer.getvalue()
