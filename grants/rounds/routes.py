"""Round pages for staff (set up, preview, move through states) and for the public (open rounds)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import Field

from grants.auth.permissions import can_manage_round, load_or_404, role_required, staff_funder_ids
from grants.bids.services import accepting_bids
from grants.extensions import db
from grants.models import Funder, Role, Round, RoundStatus, User, utcnow
from grants.rounds import bp, queries, services
from grants.rounds.forms import CriteriaForm, MoveForm, PanelForm, QuestionsForm, RoundDetailsForm


def _me() -> User:
    return current_user._get_current_object()


def _round_or_404(round_id: int) -> Round:
    """The signed-in staff member's round, with its questions and criteria loaded."""
    load_or_404(Round, round_id, can_manage_round)
    round_ = queries.round_with_parts(db.session, round_id)
    if round_ is None:
        abort(404)
    return round_


def _list_target(rows: Any) -> Field:
    """Where a message about a whole list (of questions or criteria) goes: the row that was cleared, or the
    first empty row (where the next one would be typed), or else the first row."""
    blank = [row.form for row in rows if row.form.is_blank()]
    for form in blank:
        if form.item_id.data:
            return form.first_field()
    return (blank[0] if blank else rows[0].form).first_field()


def _show_problems(form: FlaskForm, error: services.RoundError, row_of: list[int] | None = None) -> None:
    """Put each problem the service found next to its field (the error summary in base.html links to them)."""
    for problem in error.problems:
        target: Field | None = None
        name = problem.field or ""
        list_name, _, rest = name.partition(".")
        if list_name in ("questions", "criteria") and hasattr(form, list_name):
            rows = getattr(form, list_name)
            if not rest:
                target = _list_target(rows)
            elif row_of is not None:
                index, _, part = rest.partition(".")
                target = rows[row_of[int(index)]].form[part]
        elif name:
            target = getattr(form, name, None)
        if target is None:
            form.form_errors.append(problem.message)
        else:
            target.errors.append(problem.message)
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
    round_ = queries.public_round(db.session, round_id)
    if round_ is None:
        abort(404)
    return render_template("rounds/public_round.html", **_public_context(round_, preview=False))


def _public_context(round_: Round, *, preview: bool) -> dict[str, Any]:
    now = utcnow()
    return {
        "round": round_,
        "preview": preview,
        "accepting": accepting_bids(round_, now),
        "not_yet_open": round_.status in (RoundStatus.DRAFT, RoundStatus.OPEN) and now < round_.opens_at,
    }


# --- staff: creating and changing a round -------------------------------------------------------------------


@bp.route("/staff/funders/<int:funder_id>/rounds/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def new(funder_id: int) -> str | Response:
    if funder_id not in staff_funder_ids(current_user):
        abort(404)
    funder = db.get_or_404(Funder, funder_id)
    form = RoundDetailsForm()
    if form.validate_on_submit():
        try:
            round_ = services.create_round(db.session, funder=funder, actor=_me(), details=form.details())
        except services.RoundError as exc:
            db.session.rollback()
            _show_problems(form, exc)
        else:
            db.session.commit()
            flash(f"{round_.title} has been created as a draft. Now add its questions.", "success")
            return redirect(url_for("rounds.overview", round_id=round_.id))
    return render_template("rounds/details.html", form=form, funder=funder, round=None)


@bp.get("/staff/rounds/<int:round_id>")
@role_required(Role.STAFF)
def overview(round_id: int) -> str:
    """Everything about a round on one page, with a "Change" link for each part and the next step."""
    round_ = _round_or_404(round_id)
    moves = [
        {"to": to, "kind": kind, "problems": services.move_problems(db.session, round=round_, to=to)}
        for to, kind in services.moves_from(round_.status)
    ]
    return render_template(
        "rounds/overview.html",
        round=round_,
        counts=queries.bid_counts(db.session, round_.id),
        parts_locked=services.questions_locked(db.session, round_),
        frozen_reason=services.frozen_reason(round_),
        method_locked=services.method_locked(round_),
        missing=services.missing_for_opening(round_) if round_.status == RoundStatus.DRAFT else [],
        moves=moves,
        statuses=list(RoundStatus),
    )


def _parts_locked_reason(round_: Round) -> str | None:
    if services.questions_locked(db.session, round_):
        return services.LOCKED_MESSAGE
    return services.frozen_reason(round_)


@bp.route("/staff/rounds/<int:round_id>/details", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_details(round_id: int) -> str | Response:
    round_ = _round_or_404(round_id)
    locked_reason = services.frozen_reason(round_)
    form = RoundDetailsForm() if request.method == "POST" else RoundDetailsForm.for_round(round_)
    if locked_reason is None and form.validate_on_submit():
        try:
            services.update_details(db.session, round=round_, actor=_me(), details=form.details())
        except services.RoundError as exc:
            db.session.rollback()
            _show_problems(form, exc)
        else:
            db.session.commit()
            flash("Round details saved.", "success")
            return redirect(url_for("rounds.overview", round_id=round_.id))
    return render_template(
        "rounds/details.html",
        form=form if locked_reason is None else None,
        funder=round_.funder,
        round=round_,
        locked_reason=locked_reason,
        code_locked=queries.has_bids(db.session, round_.id),
    )


@bp.route("/staff/rounds/<int:round_id>/questions", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_questions(round_id: int) -> str | Response:
    """Three to six questions, on one page with six rows; blank rows are left out."""
    round_ = _round_or_404(round_id)
    locked_reason = _parts_locked_reason(round_)
    if locked_reason is not None:
        return render_template("rounds/questions.html", round=round_, locked_reason=locked_reason)
    form = QuestionsForm() if request.method == "POST" else QuestionsForm.for_questions(round_.questions)
    if form.validate_on_submit():
        inputs, row_of = form.rows()
        try:
            services.set_questions(db.session, round=round_, actor=_me(), questions=inputs)
        except services.RoundError as exc:
            db.session.rollback()
            _show_problems(form, exc, row_of)
        else:
            db.session.commit()
            flash("Questions saved.", "success")
            return redirect(url_for("rounds.overview", round_id=round_.id))
    return render_template("rounds/questions.html", form=form, round=round_, locked_reason=None)


@bp.route("/staff/rounds/<int:round_id>/criteria", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_criteria(round_id: int) -> str | Response:
    """The scoring criteria (at least one), on one page with six rows; blank rows are left out."""
    round_ = _round_or_404(round_id)
    locked_reason = _parts_locked_reason(round_)
    if locked_reason is not None:
        return render_template("rounds/criteria.html", round=round_, locked_reason=locked_reason)
    form = CriteriaForm() if request.method == "POST" else CriteriaForm.for_criteria(round_.criteria)
    if form.validate_on_submit():
        inputs, row_of = form.rows()
        try:
            services.set_criteria(db.session, round=round_, actor=_me(), criteria=inputs)
        except services.RoundError as exc:
            db.session.rollback()
            _show_problems(form, exc, row_of)
        else:
            db.session.commit()
            flash("Criteria saved.", "success")
            return redirect(url_for("rounds.overview", round_id=round_.id))
    return render_template("rounds/criteria.html", form=form, round=round_, locked_reason=None)


@bp.route("/staff/rounds/<int:round_id>/voting", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_voting(round_id: int) -> str | Response:
    """The panel and voting page: the voting method (with K or N), the quorum and the panel's timetable."""
    round_ = _round_or_404(round_id)
    locked_reason = services.frozen_reason(round_)
    form = PanelForm() if request.method == "POST" else PanelForm.for_round(round_)
    if locked_reason is None and form.validate_on_submit():
        try:
            services.set_panel_and_voting(db.session, round=round_, actor=_me(), settings=form.settings())
        except services.RoundError as exc:
            db.session.rollback()
            _show_problems(form, exc)
        else:
            db.session.commit()
            flash("Panel and voting saved.", "success")
            return redirect(url_for("rounds.overview", round_id=round_.id))
    return render_template(
        "rounds/voting.html",
        form=form if locked_reason is None else None,
        round=round_,
        locked_reason=locked_reason,
        method_locked=services.method_locked(round_),
    )


@bp.get("/staff/rounds/<int:round_id>/preview")
@role_required(Role.STAFF)
def preview(round_id: int) -> str:
    """The round's public page as groups will see it, in any state."""
    round_ = _round_or_404(round_id)
    return render_template("rounds/public_round.html", **_public_context(round_, preview=True))


# --- staff: moving the round on -----------------------------------------------------------------------------


@bp.route("/staff/rounds/<int:round_id>/move/<to>", methods=["GET", "POST"])
@role_required(Role.STAFF)
def change_status(round_id: int, to: str) -> str | Response:
    """Confirm a move to another stage (saying what it means), then make it. Reopening needs a reason."""
    round_ = _round_or_404(round_id)
    target = _status_or_none(to)
    if target is None:
        abort(404)
    form = MoveForm() if request.method == "POST" else MoveForm(formdata=None, data={"seen_status": round_.status})
    if services.MOVES.get((round_.status, target)) is None and not form.is_submitted():
        abort(404)
    if form.validate_on_submit():
        try:
            services.change_status(
                db.session,
                round=round_,
                to=target,
                actor=_me(),
                reason=form.reason.data,
                expected_from=_status_or_none(form.seen_status.data),
            )
        except services.StateTransitionError as exc:
            db.session.rollback()
            _show_problems(form, exc)
            round_ = _round_or_404(round_id)
            form.seen_status.data = round_.status.value
        else:
            db.session.commit()
            flash(f"{round_.title} is now {target.label.lower()}.", "success")
            return redirect(url_for("rounds.overview", round_id=round_.id))
    kind = services.MOVES.get((round_.status, target))
    return render_template(
        "rounds/move.html",
        form=form,
        round=round_,
        target=target,
        kind=kind,
        problems=services.move_problems(db.session, round=round_, to=target) if kind is not None else [],
        now=utcnow(),
        counts=queries.bid_counts(db.session, round_.id),
    )


def _status_or_none(value: str | None) -> RoundStatus | None:
    try:
        return RoundStatus(value or "")
    except ValueError:
        return None
