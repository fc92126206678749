"""Paper ballots, recorded by staff from an in-person meeting, and the receipt code shown once to hand over."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask import session as browser_session
from werkzeug.wrappers import Response

from grants.auth.permissions import can_record_paper_ballot, current_person, load_or_404, role_required
from grants.extensions import db
from grants.models import Ballot, Role, Round, User, utcnow
from grants.voting import bp, queries, services
from grants.voting.ballot_page import NeedsConfirmation, ballot_context, build_form, cast_from_form
from grants.voting.forms import ChoosePanellistForm, whole_number
from grants.voting.services import CastResult

# The paper ballot just recorded, kept in the browser's session until its receipt page has shown the code once.
JUST_RECORDED = "voting.just_recorded"


def _chooser(seats: dict[int, queries.Seat]) -> tuple[ChoosePanellistForm, queries.Seat | None]:
    """The form that chooses whose paper ballot is recorded (sent by GET), and the panellist it chose."""
    chooser = ChoosePanellistForm(formdata=request.args if "panellist" in request.args else None)
    chooser.panellist.choices = [
        ("", "Choose a panellist"),
        *[
            (s.user_id, s.name if s.conduct_accepted else f"{s.name} (has not accepted the code of conduct)")
            for s in seats.values()
        ],
    ]
    if request.method != "POST" and "panellist" not in request.args:
        return chooser, None
    sent = request.form if request.method == "POST" else request.args
    chosen = seats.get(whole_number(sent.get("panellist")))
    if chosen is None:
        chooser.panellist.errors = ["Choose a panellist from the list"]
    return chooser, chosen


@bp.route("/staff/rounds/<int:round_id>/paper-ballots", methods=["GET", "POST"])
@role_required(Role.STAFF)
def paper_ballots(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, can_record_paper_ballot)
    now = utcnow()
    seats = {seat.user_id: seat for seat in queries.panel_seats(db.session, round_.id)}
    chooser, chosen = _chooser(seats)
    context: dict[str, Any] = {
        "round": round_,
        "chooser": chooser,
        "seats": list(seats.values()),
        "progress": queries.voting_progress(db.session, round_.id),
        "has_ballot": services.has_ballot(round_),
        "closed_reason": services.voting_not_open_reason(round_, now),
        "chosen": chosen,
    }
    if chosen is None or not services.has_ballot(round_):
        # The error summary reads `form`; here the only form is the chooser.
        return render_template("voting/paper_ballots.html", form=chooser, **context)

    voter = db.session.get_one(User, chosen.user_id)
    paper = queries.ballot_paper(db.session, round_, voter.id)
    # Staff do not see how a panellist voted; `current` is only used for the form's stale-page check.
    current_ballot = queries.current_ballot(db.session, round_.id, voter.id)
    form = build_form(round_, paper, None, on_paper=True)
    marked: dict[str, str] = {}
    confirm_empty = False
    if request.method == "POST" and form.validate():
        outcome = cast_from_form(form, round_, voter=voter, recorded_by=current_person(), now=now)
        if isinstance(outcome, CastResult):
            browser_session[JUST_RECORDED] = {"round_id": round_.id, "ballot_id": outcome.ballot.id}
            return redirect(url_for("voting.paper_receipt", round_id=round_.id))
        if isinstance(outcome, NeedsConfirmation):
            confirm_empty = True
        else:
            marked = outcome
            paper = queries.ballot_paper(db.session, round_, voter.id)
            current_ballot = queries.current_ballot(db.session, round_.id, voter.id)
            context["progress"] = queries.voting_progress(db.session, round_.id)
    form.panellist.data = str(voter.id)
    shared = ballot_context(
        round_,
        form,
        paper,
        None,
        replaces_id=current_ballot.id if current_ballot is not None else None,
        now=now,
        marked=marked,
        confirm_empty=confirm_empty,
    )
    return render_template("voting/paper_ballots.html", voter=voter, **{**context, **shared})


@bp.get("/staff/rounds/<int:round_id>/paper-ballots/receipt")
@role_required(Role.STAFF)
def paper_receipt(round_id: int) -> str | Response:
    """After recording a paper ballot: its receipt code, shown to staff this once to hand to the panellist."""
    round_ = load_or_404(Round, round_id, can_record_paper_ballot)
    kept = browser_session.pop(JUST_RECORDED, None)
    if not kept or kept.get("round_id") != round_.id:
        return redirect(url_for("voting.paper_ballots", round_id=round_.id))
    recorded = db.session.get(Ballot, kept.get("ballot_id"))
    if recorded is None or recorded.round_id != round_.id:
        return redirect(url_for("voting.paper_ballots", round_id=round_.id))
    return render_template(
        "voting/paper_receipt.html",
        round=round_,
        view=queries.ballot_view(db.session, recorded),
        voter=db.session.get_one(User, recorded.user_id),
        method=round_.voting_method.value,
    )
