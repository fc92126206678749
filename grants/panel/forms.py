"""Forms for the panel: messages in plain words, for residents rather than professionals.

The declarations and scoring forms have a field per bid or per criterion, so they are built for the page from
its bids or the round's criteria (`declarations_form`, `score_form`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from flask import current_app, request
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from werkzeug.datastructures import MultiDict
from wtforms import RadioField, SubmitField

from grants.forms_fields import ButtonForm, email_field, long_text
from grants.models import ConflictKind, Criterion
from grants.panel.queries.reading import DeclarationRow
from grants.panel.rules import SCORE_VALUES
from grants.panel.services.declarations import (
    CONFLICT_NOTE_REQUIRED,
    CONFLICT_NOTE_TOO_LONG,
    MAX_DECLARATION_NOTE,
    WITHDRAWAL_REASON_TOO_LONG,
    DeclarationChoice,
)
from grants.panel.services.deliberation import MAX_DELIBERATION_NOTE, NOTE_REQUIRED, NOTE_TOO_LONG
from grants.panel.services.scoring import COMMENT_TOO_LONG, MAX_COMMENT, SCORE_LABELS, SCORE_REQUIRED, ScoreEntry


class ConductForm(FlaskForm):
    submit = SubmitField("I agree to the code of conduct", widget=GovSubmitInput())


ConfirmForm = ButtonForm  # resend, withdraw, make chair


class InviteForm(FlaskForm):
    email = email_field(
        "Email address of the resident to invite",
        required="Enter the email address of the resident you want to invite",
        description="We email them a link to join this round's panel. It works once and expires in {days} days.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The link's life is a setting (INVITATION_DAYS), so the hint says what the setting says.
        self.email.description = self.email.description.format(days=current_app.config["INVITATION_DAYS"])


class NoteForm(FlaskForm):
    text = long_text(
        "Add a note of the discussion",
        limit=MAX_DELIBERATION_NOTE,
        too_long=NOTE_TOO_LONG,
        required=NOTE_REQUIRED,
        description=(
            "What the panel discussed and agreed, for example which bids it talked about and why. The panel,"
            " the funder's staff and auditors read the notes. Do not name panellists."
        ),
    )
    submit = SubmitField("Add note", widget=GovSubmitInput())


F = TypeVar("F", bound=FlaskForm)


def _instance(form_class: type[F], data: dict[str, Any], kept: MultiDict[str, str] | None) -> F:
    """A POST reads what was sent; a GET shows what was typed before a sign-in ended (if kept), else what is saved.
    (Saved values are not given on a POST: an unanswered question must stay unanswered, not fall back to them.)"""
    if request.method == "POST":
        return form_class()
    if kept is not None:
        return form_class(formdata=kept)
    return form_class(data=data)


# --- declarations -------------------------------------------------------------------------------------------------


class DeclarationsForm(FlaskForm):
    """One question per bid: a conflict or not, with a short note for a conflict. Bids left unanswered are
    simply not saved yet, so a panellist can answer some now and the rest later."""

    submit = SubmitField("Save your answers", widget=GovSubmitInput())

    bid_groups: dict[int, str]

    def kind_field(self, bid_id: int) -> Any:
        return self._fields.get(f"kind_{bid_id}")

    def note_field(self, bid_id: int) -> Any:
        return self._fields.get(f"note_{bid_id}")

    def withdrawal_field(self, bid_id: int) -> Any:
        """Where a panellist says why they take back a declared conflict (only for bids they declared one with)."""
        return self._fields.get(f"withdrawal_{bid_id}")

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        ok = super().validate(extra_validators)
        for bid_id, group in self.bid_groups.items():
            kind, note = self.kind_field(bid_id), self.note_field(bid_id)
            if kind.data and kind.data not in {c for c, _ in kind.choices}:
                kind.errors.append(f"Choose one of the answers for {group}")
                ok = False
            elif kind.data and kind.data != ConflictKind.NONE.value and not (note.data or "").strip():
                note.errors.append(CONFLICT_NOTE_REQUIRED.format(group=group))
                ok = False
        return ok

    def choices(self) -> list[DeclarationChoice]:
        """The answers given on this page (unanswered bids left out)."""
        return [
            DeclarationChoice(
                bid_id,
                ConflictKind(self.kind_field(bid_id).data),
                self.note_field(bid_id).data or "",
                withdrawal_reason=(self.withdrawal_field(bid_id).data or "") if self.withdrawal_field(bid_id) else "",
            )
            for bid_id in self.bid_groups
            if self.kind_field(bid_id).data
        ]


def declarations_form(
    rows: Iterable[DeclarationRow],
    *,
    no_withdrawing: bool = False,
    kept: MultiDict[str, str] | None = None,
) -> DeclarationsForm:
    """The declarations form for these bids. Bids the platform recused the panellist from have no question; with
    `no_withdrawing` (scoring has closed) a declared conflict can be changed but not turned back into none."""

    class Form(DeclarationsForm):
        pass

    data: dict[str, Any] = {}
    groups: dict[int, str] = {}
    for row in rows:
        if row.own_group:
            continue
        bid = row.bid
        groups[bid.id] = bid.group.name
        kinds = [k for k in ConflictKind if not (no_withdrawing and row.recused and k == ConflictKind.NONE)]
        setattr(
            Form,
            f"kind_{bid.id}",
            RadioField(
                f"{bid.group.name}: {bid.title or 'Untitled bid'}",
                widget=GovRadioInput(),
                choices=[(k.value, k.label) for k in kinds],
                # Unanswered is allowed (answer later); an answer not in the list is caught in validate().
                validate_choice=False,
            ),
        )
        setattr(
            Form,
            f"note_{bid.id}",
            long_text(
                "If you have a conflict, say what it is",
                limit=MAX_DECLARATION_NOTE,
                too_long=CONFLICT_NOTE_TOO_LONG,
                description="A few words are enough, like “My sister runs this group”.",
            ),
        )
        if row.recused and not no_withdrawing:
            setattr(
                Form,
                f"withdrawal_{bid.id}",
                long_text(
                    "If you are withdrawing this conflict, say why",
                    limit=MAX_DECLARATION_NOTE,
                    too_long=WITHDRAWAL_REASON_TOO_LONG,
                    description="Only if you now answer “No conflict”. The chair and the funder's staff see it.",
                ),
            )
        if row.declaration is not None:
            data[f"kind_{bid.id}"] = row.declaration.kind.value
            data[f"note_{bid.id}"] = row.declaration.note
    Form.bid_groups = groups
    return _instance(Form, data, kept)


# --- scores -------------------------------------------------------------------------------------------------------


class ScoreForm(FlaskForm):
    """A 1 to 5 score and an optional comment for each of the round's criteria, saved together."""

    submit = SubmitField("Save your scores", widget=GovSubmitInput())

    criterion_ids: list[int]

    def entries(self) -> dict[int, ScoreEntry]:
        result = {}
        for criterion_id in self.criterion_ids:
            raw = self._fields[f"score_{criterion_id}"].data
            value = int(raw) if raw in {str(v) for v in SCORE_VALUES} else None
            result[criterion_id] = ScoreEntry(value, self._fields[f"comment_{criterion_id}"].data or "")
        return result


def score_label(value: int) -> str:
    return f"{value}: {SCORE_LABELS[value]}"


def score_form(
    criteria: Iterable[Criterion], *, data: dict[str, Any] | None = None, kept: MultiDict[str, str] | None = None
) -> ScoreForm:
    class Form(ScoreForm):
        pass

    ids = []
    for criterion in criteria:
        ids.append(criterion.id)
        setattr(
            Form,
            f"score_{criterion.id}",
            RadioField(
                criterion.name,
                widget=GovRadioInput(),
                choices=[(str(v), score_label(v)) for v in SCORE_VALUES],
                # Also the message when nothing is chosen: a radio with no choice is "not a valid choice".
                invalid_choice_message=SCORE_REQUIRED.format(criterion=criterion.name),
            ),
        )
        setattr(
            Form,
            f"comment_{criterion.id}",
            long_text(
                f"Comment on {criterion.name} (optional)",
                limit=MAX_COMMENT,
                too_long=COMMENT_TOO_LONG,
                description="Why you gave this score. The panel reads comments without your name.",
            ),
        )
    Form.criterion_ids = ids
    return _instance(Form, data or {}, kept)
