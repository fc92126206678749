"""The group's side of narrative reporting: a story in its own words for each report date, photos with consent,
and sending it (or staff recording it from a conversation). Reminders are in grants/reports/reminders.py.

No numeric targets and no word limits: the only rule at sending is that the group told us something, in
writing or in a recording. A draft keeps everything typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from grants.audit.chain import record_event
from grants.database import DbSession
from grants.domain import DomainError
from grants.files import IMAGE_TYPES, check_upload, is_web_link, sniff_type, stored_file
from grants.mail import send_email
from grants.models import Award, GroupMember, Report, ReportDate, ReportPhoto, ReportStatus, Round, User
from grants.reports.queries import funder_staff
from grants.reports.rules import WRITABLE_AWARDS
from grants.text import clean_line, clean_text

DEFAULT_PROMPTS = (
    "What did you do?",
    "What changed, and for whom?",
    "What did you learn, or what would you do differently?",
    "Anything else you want to tell us?",
)
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 10
MAX_CAPTION = 300
MAX_REPORT_ANSWER = 10_000  # a story has no word limit, but a limit on its length: about 1,600 words
REPORT_ANSWER_TOO_LONG = f"Keep each answer to {MAX_REPORT_ANSWER:,} characters or fewer"
# Photos are recognised from their content (never their name): extension seen -> MIME type.
ALLOWED_PHOTO_TYPES = IMAGE_TYPES
NOTHING_TOLD = "Tell us something about what happened, or add a link to a recording"


# --- reading ------------------------------------------------------------------------------------------------


def prompts_for(round_: Round) -> list[str]:
    """The round's report prompts, or the defaults when it set none."""
    prompts = [p.strip() for p in round_.report_prompts or [] if isinstance(p, str) and p.strip()]
    return prompts or list(DEFAULT_PROMPTS)


def report_for(session: DbSession, report_date: ReportDate) -> Report | None:
    return session.scalar(sa.select(Report).where(Report.report_date_id == report_date.id))


def reports_by_date(session: DbSession, award: Award) -> dict[int, Report]:
    """The award's reports, keyed by report date id, in one query."""
    return {r.report_date_id: r for r in session.scalars(sa.select(Report).where(Report.award_id == award.id))}


@dataclass(frozen=True)
class DueStatus:
    """Where a report date stands, for the group: not started, draft, sent or overdue."""

    key: str
    label: str
    colour: str


NOT_STARTED = DueStatus("not_started", "Not started", "grey")
DRAFT = DueStatus("draft", "Draft", "blue")
SENT = DueStatus("sent", "Sent", "green")
OVERDUE = DueStatus("overdue", "Overdue", "red")


def due_status(report_date: ReportDate, report: Report | None, *, today: date) -> DueStatus:
    """Where the report date stands on `today` (London's date)."""
    if report is not None and report.status == ReportStatus.SUBMITTED:
        return SENT
    if report_date.due_on < today:
        return OVERDUE
    return DRAFT if report is not None else NOT_STARTED


def answers_for(report: Report | None, prompts: list[str]) -> list[dict[str, str]]:
    """The report's answers as [{"prompt", "text"}]; an unsaved report has the prompts with empty answers."""
    if report is None:
        return [{"prompt": p, "text": ""} for p in prompts]
    return [{"prompt": str(a.get("prompt", "")), "text": str(a.get("text", ""))} for a in report.answers]


def has_something(report: Report) -> bool:
    """True when the group told us something: a written answer or a recording link."""
    return bool(report.recording_url.strip()) or any(str(a.get("text", "")).strip() for a in report.answers)


def is_member(session: DbSession, user: User, group_id: int) -> bool:
    return (
        session.scalar(
            sa.select(GroupMember.id).where(GroupMember.group_id == group_id, GroupMember.user_id == user.id)
        )
        is not None
    )


# --- drafting -----------------------------------------------------------------------------------------------


def _require_writable(report_date: ReportDate, field: str | None = None) -> None:
    if report_date.award.status not in WRITABLE_AWARDS:
        raise DomainError("This award is closed, so its reports can no longer be changed.", field)


def _require_draft(report: Report, field: str | None = None) -> None:
    if report.status != ReportStatus.DRAFT:
        raise DomainError("This report has been sent, so it cannot be changed.", field)


def start_report(session: DbSession, *, report_date: ReportDate) -> Report:
    """The report for this date, created as a draft with the round's prompts if there is none yet."""
    existing = report_for(session, report_date)
    if existing is not None:
        return existing
    _require_writable(report_date)
    prompts = prompts_for(report_date.award.bid.round)
    report = Report(
        award_id=report_date.award_id,
        report_date_id=report_date.id,
        status=ReportStatus.DRAFT,
        answers=[{"prompt": p, "text": ""} for p in prompts],
        recording_url="",
    )
    try:
        # Two first saves at once (two members, or a double click): the unique report date keeps one.
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        found = report_for(session, report_date)
        if found is None:
            raise
        return found
    return report


def check_recording_url(url: str) -> str:
    url = url.strip()
    if url and not is_web_link(url):
        raise DomainError(
            "Enter a full web address starting with https://, like https://youtu.be/abc123", "recording_url"
        )
    return url


def save_draft(
    session: DbSession, *, report_date: ReportDate, texts: list[str], recording_url: str, actor: User
) -> str | None:
    """Save what was typed, as typed (no word limit); staff saving for the group mark the report as recorded by
    them. Returns what is wrong with the recording link, if anything: the answers are saved all the same."""
    _require_writable(report_date)
    report = start_report(session, report_date=report_date)
    _require_draft(report)
    answers = answers_for(report, [])
    for i, answer in enumerate(answers):
        if i < len(texts):
            text = clean_text(texts[i], what="Your answer", field=f"answers-{i}")
            if len(text) > MAX_REPORT_ANSWER:
                raise DomainError(REPORT_ANSWER_TOO_LONG, f"answers-{i}")
            answer["text"] = text
    # Assign a new list: the JSON column notices a new value, not changes inside the old one.
    report.answers = answers
    if not is_member(session, actor, report_date.award.bid.group_id):
        report.recorded_by_staff_id = actor.id
    try:
        report.recording_url = check_recording_url(recording_url)
    except DomainError as exc:
        return exc.message  # the earlier link stays until a good one is given
    return None


# --- photos -------------------------------------------------------------------------------------------------


def sniff_photo_type(data: bytes) -> str | None:
    """The MIME type of a JPEG, PNG, GIF or WebP image, judged from its content; None for anything else."""
    return sniff_type(data, ALLOWED_PHOTO_TYPES)


def _audit(session: DbSession, action: str, report: Report, actor: User, **facts: Any) -> None:
    award = report.award
    member = is_member(session, actor, award.bid.group_id)
    on_behalf = report.recorded_by_staff_id is not None
    record_event(
        session,
        action,
        by=actor,
        role="applicant" if member else "staff",
        about=report,
        facts={
            "award_id": award.id,
            "report_id": report.id,
            "report_date_id": report.report_date_id,
            **facts,
            "on_behalf": on_behalf,
            **({"recorded_by_staff_id": report.recorded_by_staff_id} if on_behalf else {}),
        },
    )


def add_photo(
    session: DbSession,
    *,
    report_date: ReportDate,
    filename: str,
    data: bytes,
    people_agreed: bool,
    caption: str,
    actor: User,
) -> ReportPhoto:
    """Add a photo (JPEG, PNG, GIF or WebP, at most 5 MB), only with the tick that the people in it agreed."""
    _require_writable(report_date, "photo")
    existing = report_for(session, report_date)
    if existing is not None:
        _require_draft(existing, "photo")
    content_type = check_upload(
        data,
        ALLOWED_PHOTO_TYPES,
        max_bytes=MAX_PHOTO_BYTES,
        field="photo",
        empty="Choose a photo to upload",
        too_big="The photo must be smaller than 5 MB",
        wrong_kind="The photo must be a JPG, PNG, GIF or WebP image",
    )
    caption = clean_line(caption, what="The caption", field="caption")
    if len(caption) > MAX_CAPTION:
        raise DomainError(f"Keep the caption to {MAX_CAPTION} characters or fewer", "caption")
    if not people_agreed:
        raise DomainError(
            "Tick the box to confirm the people in this photo agreed to it being shared with the funder",
            "people_agreed",
        )
    report = start_report(session, report_date=report_date)
    if len(report.photos) >= MAX_PHOTOS:
        raise DomainError(f"You can add up to {MAX_PHOTOS} photos. Remove one to add another", "photo")
    photo = ReportPhoto(
        report_id=report.id,
        caption=caption.strip(),
        people_agreed=True,
        **stored_file(filename, content_type, data, "photo"),
    )
    report.photos.append(photo)
    session.flush()
    _audit(
        session,
        "report.photo_added",
        report,
        actor,
        photo_id=photo.id,
        content_type=content_type,
        size_bytes=len(data),
        sha256=photo.sha256,
    )
    return photo


def remove_photo(session: DbSession, *, report: Report, photo: ReportPhoto, actor: User) -> None:
    _require_writable(report.report_date)
    _require_draft(report)
    if photo.report_id != report.id:
        raise DomainError("That photo is not part of this report.")
    photo_id = photo.id
    report.photos.remove(photo)
    session.flush()
    _audit(session, "report.photo_removed", report, actor, photo_id=photo_id)


# --- sending ------------------------------------------------------------------------------------------------


def submit_report(
    session: DbSession, *, report: Report, share_publicly: bool | None, actor: User, now: datetime
) -> bool:
    """Send the report at `now`. Returns False (and changes nothing) if it had already been sent, e.g. a second
    click."""
    if report.status != ReportStatus.DRAFT:
        return False
    _require_writable(report.report_date)
    if not has_something(report):
        raise DomainError(NOTHING_TOLD)
    if share_publicly is None:
        raise DomainError("Choose whether your story can be shared publicly", "share")
    # Conditional on still being a draft: of two racing clicks only one changes the row.
    sent = session.execute(
        sa.update(Report)
        .where(Report.id == report.id, Report.status == ReportStatus.DRAFT)
        .values(status=ReportStatus.SUBMITTED, submitted_at=now, share_publicly=share_publicly)
        .execution_options(synchronize_session=False)
    )
    if not sent.rowcount:  # type: ignore[attr-defined]
        return False
    session.refresh(report)
    _audit(session, "report.submitted", report, actor, shared=share_publicly)
    _email_staff(session, report=report)
    return True


def _email_staff(session: DbSession, *, report: Report) -> None:
    for staff in funder_staff(session, report.award.bid.round.funder_id):
        send_email(session, to=staff.email, template="reports/received", staff=staff, report=report)
