"""What the panellist's and the staff's panel pages share: the score summary page, and adding a note to it."""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from grants.auth.permissions import current_person
from grants.extensions import db
from grants.models import Round
from grants.panel import queries, rules
from grants.panel.forms import NoteForm
from grants.panel.services.deliberation import add_deliberation_note, notes_not_open_reason
from grants.web import asked_page, attempt, pagination


def summary_page(round_: Round, *, staff: bool, form: NoteForm | None, hidden: set[int], now: datetime) -> str:
    """The score summary once scoring has closed at `now` (before then, when it will be ready), and the notes."""
    ready = rules.scoring_closed(round_, now)
    summary = queries.score_summary(db.session, round_, page=asked_page()) if ready else None
    endpoint = "panel.staff_summary" if staff else "panel.summary"
    return render_template(
        "panel/summary.html",
        round=round_,
        staff=staff,
        ready=ready,
        summary=summary,
        pagination=pagination(summary.page, endpoint, label="Pages of the ranking", round_id=round_.id)
        if summary is not None
        else None,
        notes=queries.deliberation_notes(db.session, round_),
        form=form,
        notes_closed=notes_not_open_reason(round_, now),
        hidden=hidden,
        # Who withdrew a conflict, and why, is for the chair (who may add notes) and staff, not the whole panel.
        withdrawn=queries.withdrawn_conflicts(db.session, round_) if staff or form is not None else None,
    )


def add_note(round_: Round, form: NoteForm, *, as_role: str, endpoint: str, now: datetime) -> Response | None:
    """Add the note the form sent and go back to the notes; None (the form carrying the message) if refused."""
    if form.validate() and attempt(
        form,
        add_deliberation_note,
        db.session,
        round_=round_,
        author=current_person(),
        text=form.text.data or "",
        as_role=as_role,
        now=now,
    ):
        flash("Your note has been added.", "success")
        return redirect(url_for(endpoint, round_id=round_.id, _anchor="notes"))
    return None
