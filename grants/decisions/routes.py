"""The tally page for staff (ratify, depart, reopen), and the read-only decision page for the panel and auditors."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from grants.auth.permissions import (
    can_manage_round,
    has_role,
    is_auditor_of,
    is_staff_of,
    load_or_404,
    panel_round_ids,
    role_required,
)
from grants.decisions import bp, queries, services
from grants.decisions.forms import DepartureForm, RatifyForm, ReopenForm, WithdrawDepartureForm
from grants.extensions import db
from grants.models import Departure, Role, Round, RoundStatus
from grants.money import format_pounds

DECISION_ROLES = (Role.PANELLIST, Role.STAFF, Role.AUDITOR)


def decision_round_or_404(round_id: int) -> Round:
    """A round whose decision the signed-in person may read: a panellist of it, or staff or an auditor of its
    funder. Someone with none of those roles anywhere gets 403; anyone else, for a round not theirs, 404."""
    if not any(has_role(current_user, role) for role in DECISION_ROLES):
        abort(403)
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    if not (
        is_staff_of(current_user, round_.funder_id)
        or is_auditor_of(current_user, round_.funder_id)
        or round_id in panel_round_ids(current_user)
    ):
        abort(404)
    return round_


def _actor() -> Any:
    return current_user._get_current_object()


def _departure_choices(panel: queries.ResultView, departed: set[int]) -> list[tuple[str, str]]:
    return [("", "Choose a funded bid")] + [
        (str(row.id), f"{row.reference}: {row.title} ({format_pounds(row.amount_pence)})")
        for row in panel.funded_rows
        if row.id not in departed
    ]


def _tally_page(
    round_: Round,
    *,
    ratify_form: RatifyForm | None = None,
    departure_form: DepartureForm | None = None,
    reopen_form: ReopenForm | None = None,
    failed: FlaskForm | None = None,
) -> str:
    session = db.session
    ratification = queries.current_ratification(session, round_.id)
    not_ready = services.not_ready_reason(round_)
    problem: str | None = None
    panel = resulting = None
    if ratification is not None:
        panel = queries.result_view(session, ratification.panel_run.result)
        resulting = queries.result_view(session, ratification.ratified_run.result)
    elif not_ready is None:
        try:
            computed = services.compute_panel(session, round_)
            panel = queries.result_view(session, computed.document)
            resulting = queries.result_view(session, services.compute_ratified(session, round_, computed).document)
        except services.DecisionError as exc:
            problem = exc.message
    departures = queries.departures(session, round_.id)
    departure_form = departure_form or DepartureForm(formdata=None)
    if panel is not None:
        departure_form.bid.choices = _departure_choices(panel, {d.bid_id for d in departures})
    return render_template(
        "decisions/tally.html",
        round=round_,
        ratification=ratification,
        not_ready=not_ready,
        problem=problem,
        panel=panel,
        resulting=resulting,
        compared=queries.compare(panel, resulting) if panel and resulting else [],
        departures=departures,
        departure_bids=queries.departure_bids(session, departures),
        ratify_form=ratify_form or RatifyForm(formdata=None),
        departure_form=departure_form,
        reopen_form=reopen_form or ReopenForm(formdata=None),
        withdraw_form=WithdrawDepartureForm(formdata=None),
        can_reopen=ratification is not None and round_.status in (RoundStatus.DECIDED, RoundStatus.VOTING),
        undone=queries.undone_ratifications(session, round_.id),
        form=failed,
    )


def _fail(form: FlaskForm, exc: services.DecisionError, default_field: str) -> None:
    db.session.rollback()
    getattr(form, exc.field or default_field).errors.append(exc.message)


@bp.get("/staff/rounds/<int:round_id>/tally")
@role_required(Role.STAFF)
def tally(round_id: int) -> str:
    return _tally_page(load_or_404(Round, round_id, can_manage_round))


@bp.post("/staff/rounds/<int:round_id>/tally/ratify")
@role_required(Role.STAFF)
def ratify(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = RatifyForm()
    if form.validate():
        try:
            services.ratify(db.session, round_=round_, actor=_actor(), note=form.note.data or "")
        except services.DecisionError as exc:
            _fail(form, exc, "note")
        else:
            db.session.commit()
            flash(f"Ratified: {round_.code} is decided. The panel and auditors can see the decision.", "success")
            return redirect(url_for("decisions.tally", round_id=round_id))
    return _tally_page(round_, ratify_form=form, failed=form)


@bp.post("/staff/rounds/<int:round_id>/tally/departures")
@role_required(Role.STAFF)
def depart(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = DepartureForm()
    if form.validate():
        try:
            departure = services.depart(
                db.session, round_=round_, bid_id=form.bid_id(), actor=_actor(), reason=form.reason.data or ""
            )
        except services.DecisionError as exc:
            _fail(form, exc, "bid")
        else:
            reference = departure_reference(round_, departure)
            db.session.commit()
            flash(
                f"You have departed from the panel's result for {reference}. Check the resulting result, then ratify.",
                "success",
            )
            return redirect(url_for("decisions.tally", round_id=round_id, _anchor="compare"))
    return _tally_page(round_, departure_form=form, failed=form)


def departure_reference(round_: Round, departure: Departure) -> str:
    return services.references(db.session, round_).get(departure.bid_id, str(departure.bid_id))


@bp.post("/staff/rounds/<int:round_id>/tally/departures/<int:departure_id>/withdraw")
@role_required(Role.STAFF)
def withdraw_departure(round_id: int, departure_id: int) -> Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    departure = db.session.get(Departure, departure_id)
    if departure is None or departure.round_id != round_.id:
        abort(404)
    if WithdrawDepartureForm().validate():
        reference = departure_reference(round_, departure)
        try:
            services.withdraw_departure(db.session, round_=round_, departure=departure, actor=_actor())
        except services.DecisionError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(f"The departure for {reference} is taken back.", "success")
    return redirect(url_for("decisions.tally", round_id=round_id))


@bp.post("/staff/rounds/<int:round_id>/tally/reopen")
@role_required(Role.STAFF)
def reopen(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = ReopenForm()
    if form.validate():
        try:
            services.undo_ratification(db.session, round_=round_, actor=_actor(), reason=form.reopen_reason.data or "")
        except services.DecisionError as exc:
            _fail(form, exc, "reopen_reason")
        else:
            db.session.commit()
            flash(
                "The vote is reopened and the ratification is undone. To let panellists change their ballots, set a"
                " later closing time for voting.",
                "success",
            )
            return redirect(url_for("decisions.tally", round_id=round_id))
    return _tally_page(round_, reopen_form=form, failed=form)


@bp.get("/rounds/<int:round_id>/decision")
@login_required
def decision(round_id: int) -> str:
    round_ = decision_round_or_404(round_id)
    session = db.session
    ratification = queries.current_ratification(session, round_.id)
    panel = resulting = None
    shown: list[Departure] = []
    if ratification is not None:
        panel = queries.result_view(session, ratification.panel_run.result)
        resulting = queries.result_view(session, ratification.ratified_run.result)
        applied = set(resulting.departed_ids)
        shown = [d for d in queries.departures(session, round_.id) if d.bid_id in applied]
    return render_template(
        "decisions/decision.html",
        round=round_,
        ratification=ratification,
        panel=panel,
        resulting=resulting,
        differ=bool(panel and resulting and panel.funded_ids != resulting.funded_ids),
        compared=queries.compare(panel, resulting) if panel and resulting else [],
        departures=shown,
        departure_bids=queries.departure_bids(session, shown),
        undone=queries.undone_ratifications(session, round_.id),
        is_staff=is_staff_of(current_user, round_.funder_id),
    )
