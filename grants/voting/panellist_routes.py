"""The panellist's ballot page and the confirmation after casting, with the receipt code shown once."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask import session as browser_session
from werkzeug.wrappers import Response

from grants.auth.permissions import current_person, load_or_404, role_required, seat_or_404, sits_on_panel
from grants.extensions import db
from grants.models import Role, Round, utcnow
from grants.voting import bp, queries, services
from grants.voting.ballot_page import NeedsConfirmation, ballot_context, build_form, cast_from_form
from grants.voting.services import CastResult

# The ballot just cast, kept in the browser's session until its receipt page has shown the code once.
JUST_CAST = "voting.just_cast"


def _back_link(round_: Round) -> dict[str, str]:
    return {"text": round_.title, "href": url_for("panel.round_home", round_id=round_.id)}


def _current(round_: Round, user_id: int) -> queries.BallotView | None:
    ballot = queries.current_ballot(db.session, round_.id, user_id)
    return queries.ballot_view(db.session, ballot) if ballot else None


@bp.route("/panel/rounds/<int:round_id>/vote", methods=["GET", "POST"])
@role_required(Role.PANELLIST)
def ballot(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, sits_on_panel)
    me = current_person()
    seat = seat_or_404(round_)
    if seat.conduct_accepted_at is None:
        flash("Accept the panel's code of conduct before you vote.", "info")
        return redirect(url_for("panel.round_home", round_id=round_.id))
    if not services.has_ballot(round_):
        return render_template("voting/ballot.html", round=round_, back=_back_link(round_), scores_method=True)

    now = utcnow()
    # Once voting has closed the page shows the ballot cast, not the ballot paper: no need to read every bid.
    closed = request.method == "GET" and services.voting_not_open_reason(round_, now) is not None
    paper = queries.BallotPaper([]) if closed else queries.ballot_paper(db.session, round_, me.id)
    current = _current(round_, me.id)
    form = build_form(round_, paper, current, on_paper=False)
    marked: dict[str, str] = {}
    confirm_empty = False
    if request.method == "POST" and form.validate():
        outcome = cast_from_form(form, round_, voter=me, recorded_by=None, now=now)
        if isinstance(outcome, CastResult):
            browser_session[JUST_CAST] = {
                "round_id": round_.id,
                "ballot_id": outcome.ballot.id,
                "replaced": outcome.replaced_id is not None,
            }
            return redirect(url_for("voting.cast", round_id=round_.id))
        if isinstance(outcome, NeedsConfirmation):
            confirm_empty = True
        else:
            marked = outcome
            # The refusal was undone: read again what the page shows (another ballot may now be current).
            paper = queries.ballot_paper(db.session, round_, me.id)
            current = _current(round_, me.id)
    return render_template(
        "voting/ballot.html",
        **ballot_context(
            round_,
            form,
            paper,
            current,
            replaces_id=current.ballot.id if current else None,
            now=now,
            marked=marked,
            confirm_empty=confirm_empty,
            receipt_code=current.ballot.receipt_code if current else None,
            decided=round_.is_decided,
            back=_back_link(round_),
        ),
    )


@bp.get("/panel/rounds/<int:round_id>/vote/cast")
@role_required(Role.PANELLIST)
def cast(round_id: int) -> str | Response:
    """The confirmation after casting: shows the receipt code (the ballot page shows it again later)."""
    round_ = load_or_404(Round, round_id, sits_on_panel)
    kept = browser_session.pop(JUST_CAST, None)
    current_ballot = queries.current_ballot(db.session, round_.id, current_person().id)
    if not kept or kept.get("round_id") != round_.id or current_ballot is None:
        return redirect(url_for("voting.ballot", round_id=round_.id))
    if kept.get("ballot_id") != current_ballot.id:
        return redirect(url_for("voting.ballot", round_id=round_.id))
    return render_template(
        "voting/cast.html",
        round=round_,
        view=queries.ballot_view(db.session, current_ballot),
        method=round_.voting_method.value,
        replaced=bool(kept.get("replaced")),
    )
