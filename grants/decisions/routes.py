"""The tally page for staff (ratify, depart, reopen), and the read-only decision page for the panel and auditors."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from grants.auth.permissions import (
    DECISION_READERS,
    any_role_required,
    can_manage_round,
    can_read_decision,
    current_person,
    is_staff_of,
    load_or_404,
    role_required,
)
from grants.decisions import bp, queries, services, tallies
from grants.decisions.forms import DepartureForm, RatifyForm, ReopenForm, WithdrawDepartureForm
from grants.decisions.results import references
from grants.domain import DomainError
from grants.extensions import db
from grants.models import Departure, Role, Round, RoundStatus, utcnow
from grants.money import format_pounds
from grants.web import act_once, flash_outcome


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
    not_ready = tallies.not_ready_reason(round_, now=utcnow())
    problem: str | None = None
    panel = resulting = None
    if ratification is not None:
        panel = queries.result_view(session, ratification.panel_run.result)
        resulting = queries.result_view(session, ratification.ratified_run.result)
    elif not_ready is None:
        try:
            computed = tallies.compute_panel(session, round_)
            panel = queries.result_view(session, computed.document)
            resulting = queries.result_view(session, tallies.compute_ratified(session, round_, computed).document)
        except DomainError as exc:
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


@bp.get("/staff/rounds/<int:round_id>/tally")
@role_required(Role.STAFF)
def tally(round_id: int) -> str:
    return _tally_page(load_or_404(Round, round_id, can_manage_round))


@bp.post("/staff/rounds/<int:round_id>/tally/ratify")
@role_required(Role.STAFF)
def ratify(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = RatifyForm()
    if form.validate() and flash_outcome(
        act_once(
            form, services.ratify, what="This ratification", round_=round_, note=form.note.data or "", now=utcnow()
        ),
        f"Ratified: {round_.code} is decided. The panel and auditors can see the decision.",
    ):
        return redirect(url_for("decisions.tally", round_id=round_id))
    return _tally_page(round_, ratify_form=form, failed=form)


@bp.post("/staff/rounds/<int:round_id>/tally/departures")
@role_required(Role.STAFF)
def depart(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = DepartureForm()
    if not form.validate():
        return _tally_page(round_, departure_form=form, failed=form)
    done = act_once(
        form,
        services.depart,
        what="This departure",
        round_=round_,
        bid_id=form.bid_id(),
        reason=form.reason.data or "",
        now=utcnow(),
    )
    if done.already:
        flash(done.already, "info")
        return redirect(url_for("decisions.tally", round_id=round_id))
    if done.value is not None:
        flash(
            f"You have departed from the panel's result for {_reference(round_, done.value)}. Check the resulting"
            " result, then ratify.",
            "success",
        )
        return redirect(url_for("decisions.tally", round_id=round_id, _anchor="compare"))
    return _tally_page(round_, departure_form=form, failed=form)


def _reference(round_: Round, departure: Departure) -> str:
    return references(db.session, round_).get(departure.bid_id, str(departure.bid_id))


@bp.post("/staff/rounds/<int:round_id>/tally/departures/<int:departure_id>/withdraw")
@role_required(Role.STAFF)
def withdraw_departure(round_id: int, departure_id: int) -> Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    departure = queries.departure_in_round(db.session, round_.id, departure_id)
    if departure is None:
        abort(404)
    form = WithdrawDepartureForm()
    if form.validate():
        reference = _reference(round_, departure)
        done = act_once(
            form,
            services.withdraw_departure,
            what="Taking back this departure",
            round_=round_,
            departure=departure,
            now=utcnow(),
        )
        if not flash_outcome(done, f"The departure for {reference} is taken back.") and done.error is not None:
            flash(done.error.message, "error")
    return redirect(url_for("decisions.tally", round_id=round_id))


@bp.post("/staff/rounds/<int:round_id>/tally/reopen")
@role_required(Role.STAFF)
def reopen(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = ReopenForm()
    if form.validate() and flash_outcome(
        act_once(
            form,
            services.undo_ratification,
            what="This reopening",
            round_=round_,
            reason=form.reopen_reason.data or "",
            now=utcnow(),
        ),
        "The vote is reopened and the ratification is undone. To let panellists change their ballots, set a"
        " later closing time for voting.",
    ):
        return redirect(url_for("decisions.tally", round_id=round_id))
    return _tally_page(round_, reopen_form=form, failed=form)


@bp.get("/rounds/<int:round_id>/decision")
@any_role_required(*DECISION_READERS)
def decision(round_id: int) -> str:
    round_ = load_or_404(Round, round_id, can_read_decision)
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
        is_staff=is_staff_of(current_person(), round_.funder_id),
    )
