"""The tally page for staff (ratify, depart, reopen), and the read-only decision page for the panel and auditors."""

from __future__ import annotations

from typing import Any

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
from grants.auth.permissions.duties import (
    conflicted_in_decision,
    decision_colleagues,
    decision_refusal,
    refuse_if_conflicted_in_decision,
)
from grants.decisions import bp, confirmations, queries, services, tallies
from grants.decisions.confirmations import Asked
from grants.decisions.forms import DepartureForm, ProposalForm, RatifyForm, ReopenForm, WithdrawDepartureForm
from grants.decisions.results import references
from grants.domain import DomainError
from grants.extensions import db
from grants.forms_fields import OneUseForm
from grants.models import DecisionProposal, Departure, ProposalKind, Role, Round, RoundStatus, utcnow
from grants.money import format_pounds
from grants.paging import Page
from grants.web import Outcome, act, act_once, asked_page, flash_outcome, pagination


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
    me = current_person()
    proposals = confirmations.pending_proposals(session, round_.id)
    ranked = queries.ranked_page(asked_page(), panel, resulting)
    return render_template(
        "decisions/tally.html",
        round=round_,
        ranked=ranked,
        pagination=_ranked_pages(ranked, "decisions.tally", round_),
        proposals=proposals,
        proposal_bids=queries.proposal_bids(session, proposals),
        me=me,
        conflict=decision_refusal(me, round_, "take part in this decision")
        if conflicted_in_decision(me, round_)
        else None,
        colleagues=decision_colleagues(me, round_),
        ratification=ratification,
        not_ready=not_ready,
        problem=problem,
        panel=panel,
        resulting=resulting,
        compared=_on_page(queries.compare(panel, resulting), ranked) if panel and resulting else [],
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


def _ranked_pages(ranked: Page, endpoint: str, round_: Round) -> dict[str, Any] | None:
    return pagination(ranked, endpoint, label="Pages of the ranked list", round_id=round_.id, _anchor="ranked")


def _on_page(rows: list[queries.ComparedRow], ranked: Page) -> list[queries.ComparedRow]:
    return rows[ranked.offset : ranked.offset + ranked.size]


@bp.get("/staff/rounds/<int:round_id>/tally")
@role_required(Role.STAFF)
def tally(round_id: int) -> str:
    return _tally_page(load_or_404(Round, round_id, can_manage_round))


@bp.post("/staff/rounds/<int:round_id>/tally/ratify")
@role_required(Role.STAFF)
def ratify(round_id: int) -> str | Response:
    round_ = _decidable(round_id)
    form = RatifyForm()
    if form.validate() and _flash_decided(
        _decide(form, round_, Asked(ProposalKind.RATIFY, form.note.data or ""), "This ratification"),
        f"Ratified: {round_.code} is decided. The panel and auditors can see the decision.",
    ):
        return redirect(url_for("decisions.tally", round_id=round_id))
    return _tally_page(round_, ratify_form=form, failed=form)


def _decide(form: OneUseForm, round_: Round, asked: Asked, what: str) -> Outcome[confirmations.Decided]:
    """Take (or, under the two-person rule, propose) the decision once, however often the form is sent."""
    return act_once(form, confirmations.decide, what=what, round_=round_, asked=asked, now=utcnow())


def _decidable(round_id: int) -> Round:
    """The round, for a member of staff who may take part in its decision (403 with who else can, if not)."""
    round_ = load_or_404(Round, round_id, can_manage_round)
    refuse_if_conflicted_in_decision(round_, doing="take part in this round's decision")
    return round_


PROPOSED = (
    "You have proposed to {what}. A colleague on the funder's staff must confirm it before it is taken: they see"
    " it on this page."
)


def _flash_decided(done: Outcome[confirmations.Decided], taken: str) -> bool:
    """Say what happened: proposed for a colleague, taken, or already recorded. False on a refusal."""
    if done.already or not done:
        return flash_outcome(done, taken)
    if done.value is not None and done.value.proposal is not None:
        flash(PROPOSED.format(what=done.value.proposal.kind.words), "success")
    else:
        flash(taken, "success")
    return True


@bp.post("/staff/rounds/<int:round_id>/tally/departures")
@role_required(Role.STAFF)
def depart(round_id: int) -> str | Response:
    round_ = _decidable(round_id)
    form = DepartureForm()
    asked = Asked(ProposalKind.DEPART, form.reason.data or "", form.bid_id())
    reference = references(db.session, round_).get(form.bid_id() or 0, "the bid")
    if form.validate() and _flash_decided(
        _decide(form, round_, asked, "This departure"),
        f"You have departed from the panel's result for {reference}. Check the resulting result, then ratify.",
    ):
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
    round_ = _decidable(round_id)
    form = ReopenForm()
    asked = Asked(ProposalKind.REOPEN, form.reopen_reason.data or "")
    if form.validate() and _flash_decided(_decide(form, round_, asked, "This reopening"), REOPENED):
        return redirect(url_for("decisions.tally", round_id=round_id))
    return _tally_page(round_, reopen_form=form, failed=form)


REOPENED = (
    "The vote is reopened and the ratification is undone. To let panellists change their ballots, set a later"
    " closing time for voting."
)
TAKEN = {
    ProposalKind.RATIFY: "Confirmed and ratified: the round is decided. The panel and auditors can see the decision.",
    ProposalKind.DEPART: "Confirmed: the departure is made. Check the resulting result, then ratify.",
    ProposalKind.REOPEN: "Confirmed. " + REOPENED,
}


def _proposal(round_: Round, proposal_id: int) -> DecisionProposal:
    proposal = confirmations.proposal_in_round(db.session, round_.id, proposal_id)
    if proposal is None:
        abort(404)
    return proposal


@bp.post("/staff/rounds/<int:round_id>/tally/proposals/<int:proposal_id>/confirm")
@role_required(Role.STAFF)
def confirm_proposal(round_id: int, proposal_id: int) -> str | Response:
    round_ = _decidable(round_id)
    proposal = _proposal(round_, proposal_id)
    form = ProposalForm()
    if form.validate():
        done = act(form, confirmations.confirm, proposal=proposal, now=utcnow())
        if done:
            flash(TAKEN[proposal.kind], "success")
        elif done.error is not None:
            flash(done.error.message, "error")
    return redirect(url_for("decisions.tally", round_id=round_id))


@bp.post("/staff/rounds/<int:round_id>/tally/proposals/<int:proposal_id>/withdraw")
@role_required(Role.STAFF)
def withdraw_proposal(round_id: int, proposal_id: int) -> Response:
    round_ = _decidable(round_id)  # holding a decision back is taking part in it too
    proposal = _proposal(round_, proposal_id)
    form = ProposalForm()
    if form.validate():
        done = act(form, confirmations.withdraw, proposal=proposal, now=utcnow())
        if done:
            flash("The proposal is withdrawn. Nothing was decided.", "success")
        elif done.error is not None:
            flash(done.error.message, "error")
    return redirect(url_for("decisions.tally", round_id=round_id))


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
    ranked = queries.ranked_page(asked_page(), panel, resulting)
    return render_template(
        "decisions/decision.html",
        round=round_,
        ranked=ranked,
        pagination=_ranked_pages(ranked, "decisions.decision", round_),
        ratification=ratification,
        panel=panel,
        resulting=resulting,
        differ=bool(panel and resulting and panel.funded_ids != resulting.funded_ids),
        compared=_on_page(queries.compare(panel, resulting), ranked) if panel and resulting else [],
        departures=shown,
        departure_bids=queries.departure_bids(session, shown),
        undone=queries.undone_ratifications(session, round_.id),
        is_staff=is_staff_of(current_person(), round_.funder_id),
    )
