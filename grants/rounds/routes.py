"""Round pages for staff (set up, preview, move through states) and for the public (open rounds)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import Field

from grants.audit.checkpoints import round_checkpoints
from grants.auth.permissions import (
    can_create_round_for,
    can_manage_round,
    can_see_published_round,
    current_person,
    load_or_404,
    role_required,
)
from grants.bids.lifecycle import accepting_bids
from grants.domain import DomainError
from grants.extensions import db
from grants.models import Funder, Role, Round, RoundStatus, utcnow
from grants.rounds import bp, parts, queries, services, settings
from grants.rounds.forms import CriteriaForm, MoveForm, PanelForm, QuestionsForm, RoundDetailsForm
from grants.web import act, attempt, put_error


def _list_target(rows: Any) -> Field:
    """Where a message about a whole list (of questions or criteria) goes: the row that was cleared, or the
    first empty row (where the next one would be typed), or else the first row."""
    blank = [row.form for row in rows if row.form.is_blank()]
    for form in blank:
        if form.item_id.data:
            return form.first_field()
    return (blank[0] if blank else rows[0].form).first_field()


def _show_problems(form: FlaskForm, error: DomainError | None, row_of: list[int] | None = None) -> None:
    """Put each problem a settings service found next to its field (the error summary in base.html links to them).

    `attempt` has already put the first by its field, or above the form; this puts the others, and those that
    belong by one row of a list of questions or criteria (`row_of` gives the row each item given came from).
    """
    problems = error.problems if isinstance(error, settings.RoundProblems) else [error] if error else []
    for index, problem in enumerate(problems):
        list_name, _, rest = (problem.field or "").partition(".")
        if list_name in ("questions", "criteria") and hasattr(form, list_name):
            rows = getattr(form, list_name)
            if not rest:
                _list_target(rows).errors.append(problem.message)
            elif row_of is not None:
                item, _, part = rest.partition(".")
                rows[row_of[int(item)]].form[part].errors.append(problem.message)
            else:
                form.form_errors.append(problem.message)
        elif index:
            put_error(form, problem)
    for list_name in ("questions", "criteria"):
        rows = getattr(form, list_name, None)
        if rows is not None:
            # A FieldList works out its errors when validated; recount them so the page knows it has errors.
            rows.errors = [row.errors for row in rows] if any(row.errors for row in rows) else []


# --- public -------------------------------------------------------------------------------------------------


@bp.get("/rounds")
def open_rounds() -> str:
    """Every round taking bids right now."""
    return render_template("rounds/open_rounds.html", rounds=queries.open_rounds(db.session, now=utcnow()))


@bp.get("/rounds/<int:round_id>")
def public_round(round_id: int) -> str:
    """A round as groups see it: what it funds, who can apply, how much, the deadline, how decisions are made."""
    round_ = load_or_404(Round, round_id, can_see_published_round)
    return render_template("rounds/public_round.html", **_public_context(round_, preview=False))


def _public_context(round_: Round, *, preview: bool) -> dict[str, Any]:
    now = utcnow()
    return {
        "round": round_,
        "preview": preview,
        "accepting": accepting_bids(round_, now=now),
        "not_yet_open": round_.status in (RoundStatus.DRAFT, RoundStatus.OPEN) and now < round_.opens_at,
        "checkpoints": round_checkpoints(db.session, round_.id),
    }


# --- staff: creating and changing a round -------------------------------------------------------------------


@bp.route("/staff/funders/<int:funder_id>/rounds/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def new(funder_id: int) -> str | Response:
    funder = load_or_404(Funder, funder_id, can_create_round_for)
    form = RoundDetailsForm()
    if form.validate_on_submit():
        done = act(form, settings.create_round, funder=funder, details=form.details())
        if done.value is not None:
            flash(f"{done.value.title} has been created as a draft. Now add its questions.", "success")
            return redirect(url_for("rounds.overview", round_id=done.value.id))
        _show_problems(form, done.error)
    return render_template("rounds/details.html", form=form, funder=funder, round=None)


@bp.get("/staff/rounds/<int:round_id>")
@role_required(Role.STAFF)
def overview(round_id: int) -> str:
    """Everything about a round on one page, with a "Change" link for each part and the next step."""
    round_ = load_or_404(Round, round_id, can_manage_round)
    now = utcnow()
    moves = [
        {"to": to, "kind": kind, "problems": services.move_problems(db.session, round=round_, to=to, now=now)}
        for to, kind in services.moves_from(round_.status)
    ]
    return render_template(
        "rounds/overview.html",
        round=round_,
        counts=queries.bid_counts(db.session, round_.id),
        parts_locked=parts.questions_locked(db.session, round_),
        frozen_reason=settings.frozen_reason(round_),
        method_locked=settings.method_locked(round_),
        missing=services.missing_for_opening(round_, now=now) if round_.status == RoundStatus.DRAFT else [],
        moves=moves,
        statuses=list(RoundStatus),
    )


def _parts_locked_reason(round_: Round) -> str | None:
    if parts.questions_locked(db.session, round_):
        return parts.LOCKED_MESSAGE
    return settings.frozen_reason(round_)


def _saved(
    round_: Round,
    form: FlaskForm,
    message: str,
    save: Callable[..., Any],
    /,
    *args: Any,
    row_of: list[int] | None = None,
    **kwargs: Any,
) -> Response | None:
    """Save one of the round's settings pages: back to the overview with `message`, or None with every problem
    by its field."""
    if done := attempt(form, save, *args, **kwargs):
        flash(message, "success")
        return redirect(url_for("rounds.overview", round_id=round_.id))
    _show_problems(form, done.error, row_of)
    return None


SettingsForm = TypeVar("SettingsForm", RoundDetailsForm, PanelForm)


def _settings_page(
    round_id: int,
    form_class: type[SettingsForm],
    template: str,
    message: str,
    save: Callable[[Round, SettingsForm], object],
    extra: Callable[[Round], dict[str, Any]],
) -> str | Response:
    """A page of the round's settings: its form until the settings freeze, then only the reason they are frozen."""
    round_ = load_or_404(Round, round_id, can_manage_round)
    locked_reason = settings.frozen_reason(round_)
    form = form_class() if request.method == "POST" else form_class.for_round(round_)
    if locked_reason is None and form.validate_on_submit():
        saved = _saved(round_, form, message, save, round_, form)
        if saved is not None:
            return saved
    return render_template(
        template,
        form=form if locked_reason is None else None,
        round=round_,
        locked_reason=locked_reason,
        **extra(round_),
    )


def _save_details(round_: Round, form: RoundDetailsForm) -> None:
    settings.update_details(db.session, round=round_, actor=current_person(), details=form.details())


@bp.route("/staff/rounds/<int:round_id>/details", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_details(round_id: int) -> str | Response:
    return _settings_page(
        round_id,
        RoundDetailsForm,
        "rounds/details.html",
        "Round details saved.",
        _save_details,
        lambda round_: {"funder": round_.funder, "code_locked": queries.has_bids(db.session, round_.id)},
    )


def _save_questions(round_: Round, items: list[Any]) -> None:
    parts.set_questions(db.session, round=round_, actor=current_person(), questions=items)


def _save_criteria(round_: Round, items: list[Any]) -> None:
    parts.set_criteria(db.session, round=round_, actor=current_person(), criteria=items)


def _edit_list(
    round_id: int, form_class: type[QuestionsForm | CriteriaForm], save: Callable[[Round, list[Any]], None]
) -> str | Response:
    """The questions or criteria page: six rows, blank ones left out; a message instead once they are locked."""
    round_ = load_or_404(Round, round_id, can_manage_round)
    part = form_class.list_name
    locked_reason = _parts_locked_reason(round_)
    if locked_reason is not None:
        return render_template(f"rounds/{part}.html", round=round_, locked_reason=locked_reason)
    form = form_class() if request.method == "POST" else form_class.for_round(round_)
    if form.validate_on_submit():
        inputs, row_of = form.rows()
        saved = _saved(round_, form, f"{part.capitalize()} saved.", save, round_, inputs, row_of=row_of)
        if saved is not None:
            return saved
    return render_template(f"rounds/{part}.html", form=form, round=round_, locked_reason=None)


@bp.route("/staff/rounds/<int:round_id>/questions", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_questions(round_id: int) -> str | Response:
    """Three to six questions, on one page with six rows; blank rows are left out."""
    return _edit_list(round_id, QuestionsForm, _save_questions)


@bp.route("/staff/rounds/<int:round_id>/criteria", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_criteria(round_id: int) -> str | Response:
    """The scoring criteria (at least one), on one page with six rows; blank rows are left out."""
    return _edit_list(round_id, CriteriaForm, _save_criteria)


@bp.route("/staff/rounds/<int:round_id>/voting", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_voting(round_id: int) -> str | Response:
    """The panel and voting page: the voting method (with K or N), the quorum and the panel's timetable."""
    return _settings_page(
        round_id,
        PanelForm,
        "rounds/voting.html",
        "Panel and voting saved.",
        _save_panel_and_voting,
        lambda round_: {"method_locked": settings.method_locked(round_)},
    )


def _save_panel_and_voting(round_: Round, form: PanelForm) -> None:
    settings.set_panel_and_voting(db.session, round=round_, actor=current_person(), settings=form.settings())


@bp.get("/staff/rounds/<int:round_id>/preview")
@role_required(Role.STAFF)
def preview(round_id: int) -> str:
    """The round's public page as groups will see it, in any state."""
    round_ = load_or_404(Round, round_id, can_manage_round)
    return render_template("rounds/public_round.html", **_public_context(round_, preview=True))


# --- staff: moving the round on -----------------------------------------------------------------------------


@bp.route("/staff/rounds/<int:round_id>/move/<to>", methods=["GET", "POST"])
@role_required(Role.STAFF)
def change_status(round_id: int, to: str) -> str | Response:
    """Confirm a move to another stage (saying what it means), then make it. Reopening needs a reason."""
    round_ = load_or_404(Round, round_id, can_manage_round)
    target = _status_or_none(to)
    if target is None:
        abort(404)
    form = MoveForm() if request.method == "POST" else MoveForm(formdata=None, data={"seen_status": round_.status})
    if services.MOVES.get((round_.status, target)) is None and not form.is_submitted():
        abort(404)
    now = utcnow()
    if form.validate_on_submit():
        if act(
            form,
            services.change_status,
            round=round_,
            to=target,
            reason=form.reason.data,
            expected_from=_status_or_none(form.seen_status.data),
            now=now,
        ):
            flash(f"{round_.title} is now {target.label.lower()}.", "success")
            return redirect(url_for("rounds.overview", round_id=round_.id))
        form.seen_status.data = round_.status.value  # as it is now, after someone else's move
    kind = services.MOVES.get((round_.status, target))
    return render_template(
        "rounds/move.html",
        form=form,
        round=round_,
        target=target,
        kind=kind,
        problems=services.move_problems(db.session, round=round_, to=target, now=now) if kind is not None else [],
        now=now,
        counts=queries.bid_counts(db.session, round_.id),
    )


def _status_or_none(value: str | None) -> RoundStatus | None:
    try:
        return RoundStatus(value or "")
    except ValueError:
        return None
