"""Ballot pages for panellists, paper ballots for staff, and the round's list of receipts."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as browser_session
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from grants.auth.permissions import (
    can_manage_round,
    has_role,
    is_auditor_of,
    is_staff_of,
    load_or_404,
    panel_round_ids,
    role_required,
    sits_on_panel,
)
from grants.extensions import db
from grants.models import Ballot, Bid, Role, Round, User, VotingMethod
from grants.panel import rules
from grants.voting import bp, queries, services
from grants.voting.forms import (
    BallotForm,
    CheckReceiptForm,
    ChooseBidsForm,
    ChoosePanellistForm,
    PaperChooseBidsForm,
    PaperRankBidsForm,
    RankBidsForm,
    rank_bids_form,
)
from grants.voting.services import BallotError, CastResult

# The ballot just cast, kept in the browser's session until its receipt page has shown the code once.
JUST_CAST = "voting.just_cast"
JUST_RECORDED = "voting.just_recorded"
RECEIPT_ROLES = (Role.PANELLIST, Role.STAFF, Role.AUDITOR)


def _me() -> User:
    return current_user._get_current_object()


def bid_link(bid: Bid) -> str | None:
    """Where a panellist reads a bid: the panel's bid page, once it exists."""
    endpoint = "panel.score_bid"
    if endpoint not in current_app.view_functions:
        return None
    wanted: set[str] = set()
    for rule in current_app.url_map.iter_rules(endpoint):
        wanted |= rule.arguments
    values: dict[str, Any] = {"round_id": bid.round_id, "bid_id": bid.id}
    return url_for(endpoint, **{k: v for k, v in values.items() if k in wanted})


def _back_link(round_: Round) -> dict[str, str]:
    """Back to the round's panel page once it exists, else to the panellist's home page."""
    if "panel.round_home" in current_app.view_functions:
        return {"text": round_.title, "href": url_for("panel.round_home", round_id=round_.id)}
    return {"text": "Your panels", "href": url_for("home.panellist")}


# --- the ballot form, shared by the panellist's page and the staff's paper ballot page -------------------------


def _build_form(
    round_: Round, paper: queries.BallotPaper, current: queries.BallotView | None, *, on_paper: bool
) -> ChooseBidsForm | RankBidsForm:
    """The form for this round's method; on a GET, filled in with the current ballot (the panellist's own)."""
    prefill: dict[str, Any] | None = None
    if request.method == "GET" and current is not None:
        if round_.voting_method == VotingMethod.RANKED:
            prefill = {f"rank_{bid_id}": str(i) for i, bid_id in enumerate(current.bid_ids, start=1)}
        else:
            prefill = {"bids": current.bid_ids}
    kwargs: dict[str, Any] = {"data": prefill} if prefill is not None else {}
    if round_.voting_method == VotingMethod.RANKED:
        titles = {bid.id: bid.title or "Untitled bid" for bid in paper.all_bids.values()}
        limit = services.choice_limit(round_) or len(titles) or 1
        return rank_bids_form(PaperRankBidsForm if on_paper else RankBidsForm, titles, limit, **kwargs)
    return PaperChooseBidsForm(**kwargs) if on_paper else ChooseBidsForm(**kwargs)


def _attach_error(form: BallotForm, exc: BallotError) -> dict[str, str]:
    """Put the message by the first field it belongs to (or above the form), for the error summary; return
    every field it marks, with the message, so the page shows it by each (two bids given the same rank)."""
    field = next((form._fields[name] for name in exc.fields if name in form._fields), None)
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
    return dict.fromkeys(exc.fields, exc.message)


class _NeedsConfirmation:
    """Nothing was chosen: ask before casting an empty ballot."""


def _cast(
    form: ChooseBidsForm | RankBidsForm, round_: Round, *, voter: User, recorded_by: User | None
) -> CastResult | _NeedsConfirmation | dict[str, str]:
    """Cast the ballot the form describes and commit; on a broken rule, roll back and return the marked fields."""
    try:
        if isinstance(form, RankBidsForm):
            ranks = form.ranks()
            ranking = services.ranking_from_ranks(ranks, limit=services.choice_limit(round_) or max(len(ranks), 1))
            if not ranking and not form.empty_confirmed():
                return _NeedsConfirmation()
            result = services.cast_ballot(
                db.session,
                round_=round_,
                voter=voter,
                ranking=ranking,
                recorded_by=recorded_by,
                replaces=form.replaces_id(),
            )
        else:
            chosen = form.chosen()
            if not chosen and not form.empty_confirmed():
                return _NeedsConfirmation()
            result = services.cast_ballot(
                db.session,
                round_=round_,
                voter=voter,
                bid_ids=chosen,
                recorded_by=recorded_by,
                replaces=form.replaces_id(),
            )
    except BallotError as exc:
        db.session.rollback()
        return _attach_error(form, exc)
    db.session.commit()
    return result


def _ballot_context(
    round_: Round,
    form: ChooseBidsForm | RankBidsForm,
    paper: queries.BallotPaper,
    current: queries.BallotView | None,
    *,
    replaces_id: int | None,
    **extra: Any,
) -> dict[str, Any]:
    # The form is next sent based on the ballot that is current now (after a refusal, perhaps a newer one).
    form.replaces.data = str(replaces_id) if replaces_id is not None else ""
    if isinstance(form, ChooseBidsForm):
        choosable = {bid.id: bid for bid in paper.choosable}
        chosen_total = sum(choosable[b].amount_pence or 0 for b in set(form.bids.data or []) if b in choosable)
    else:
        chosen_total = 0
    return {
        "round": round_,
        "form": form,
        "paper": paper,
        "current": current,
        "method": round_.voting_method.value,
        "limit": services.choice_limit(round_),
        "closed_reason": services.voting_not_open_reason(round_),
        "chosen_total": chosen_total,
        "bid_link": bid_link,
        "marked": extra.pop("marked", {}),
        **extra,
    }


# --- panellists ------------------------------------------------------------------------------------------------


@bp.route("/panel/rounds/<int:round_id>/vote", methods=["GET", "POST"])
@role_required(Role.PANELLIST)
def ballot(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, sits_on_panel)
    me = _me()
    seat = rules.seat(db.session, round_.id, me.id)
    if seat is None:
        abort(404)
    if seat.conduct_accepted_at is None:
        if "panel.round_home" in current_app.view_functions:
            flash("Accept the panel's code of conduct before you vote.", "info")
            return redirect(url_for("panel.round_home", round_id=round_.id))
        return render_template("voting/ballot.html", round=round_, back=_back_link(round_), conduct_needed=True)
    if not services.has_ballot(round_):
        return render_template("voting/ballot.html", round=round_, back=_back_link(round_), scores_method=True)

    paper = queries.ballot_paper(db.session, round_, me.id)
    current_ballot = queries.current_ballot(db.session, round_.id, me.id)
    current = queries.ballot_view(db.session, current_ballot) if current_ballot else None
    form = _build_form(round_, paper, current, on_paper=False)
    marked: dict[str, str] = {}
    confirm_empty = False
    if request.method == "POST" and form.validate():
        outcome = _cast(form, round_, voter=me, recorded_by=None)
        if isinstance(outcome, CastResult):
            browser_session[JUST_CAST] = {
                "round_id": round_.id,
                "ballot_id": outcome.ballot.id,
                "replaced": outcome.replaced_id is not None,
            }
            return redirect(url_for("voting.cast", round_id=round_.id))
        if isinstance(outcome, _NeedsConfirmation):
            confirm_empty = True
        else:
            marked = outcome
            # The refusal rolled back: read again what the page shows (another ballot may now be current).
            paper = queries.ballot_paper(db.session, round_, me.id)
            current_ballot = queries.current_ballot(db.session, round_.id, me.id)
            current = queries.ballot_view(db.session, current_ballot) if current_ballot else None
    return render_template(
        "voting/ballot.html",
        **_ballot_context(
            round_,
            form,
            paper,
            current,
            replaces_id=current.ballot.id if current else None,
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
    current_ballot = queries.current_ballot(db.session, round_.id, _me().id)
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


# --- receipts ------------------------------------------------------------------------------------------------


def _receipts_round_or_404(round_id: int) -> Round:
    """A round whose receipts the signed-in person may read: its panellists, and its funder's staff and
    auditors. Anyone with none of those roles gets 403; someone else's round is 404."""
    me = _me()
    if not any(has_role(me, role) for role in RECEIPT_ROLES):
        abort(403)
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    if round_.id in panel_round_ids(me) or is_staff_of(me, round_.funder_id) or is_auditor_of(me, round_.funder_id):
        return round_
    abort(404)


@bp.route("/rounds/<int:round_id>/receipts", methods=["GET", "POST"])
@login_required
def receipts(round_id: int) -> str:
    round_ = _receipts_round_or_404(round_id)
    decided = round_.is_decided
    form = CheckReceiptForm()
    result: queries.ReceiptCheck | None = None
    codes: list[str] = []
    if decided:
        if request.method == "POST" and form.validate():
            result = queries.check_receipt(db.session, round_.id, form.code.data or "")
        codes = queries.counted_receipt_codes(db.session, round_.id)
    return render_template(
        "voting/receipts.html",
        round=round_,
        decided=decided,
        codes=codes,
        form=form,
        result=result.value if result else None,
        back=_receipts_back_link(round_),
    )


def _receipts_back_link(round_: Round) -> dict[str, str]:
    me = _me()
    if round_.id in panel_round_ids(me):
        return {"text": "Your vote", "href": url_for("voting.ballot", round_id=round_.id)}
    if is_staff_of(me, round_.funder_id):
        return {"text": round_.title, "href": url_for("rounds.overview", round_id=round_.id)}
    return {"text": "Audit", "href": url_for("home.auditor")}


# --- paper ballots, recorded by staff ------------------------------------------------------------------------


@bp.route("/staff/rounds/<int:round_id>/paper-ballots", methods=["GET", "POST"])
@role_required(Role.STAFF)
def paper_ballots(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    seats = {seat.user_id: seat for seat in queries.panel_seats(db.session, round_.id)}
    chooser = ChoosePanellistForm(formdata=request.args if "panellist" in request.args else None)
    chooser.panellist.choices = [
        ("", "Choose a panellist"),
        *[
            (s.user_id, s.name if s.conduct_accepted else f"{s.name} (has not accepted the code of conduct)")
            for s in seats.values()
        ],
    ]

    chosen: queries.Seat | None = None
    if request.method == "POST":
        chosen = seats.get(_whole(request.form.get("panellist")))
        if chosen is None:
            chooser.panellist.errors = ["Choose a panellist from the list"]
    elif "panellist" in request.args:
        chosen = seats.get(_whole(request.args.get("panellist")))
        if chosen is None:
            chooser.panellist.errors = ["Choose a panellist from the list"]

    context: dict[str, Any] = {
        "round": round_,
        "chooser": chooser,
        "seats": list(seats.values()),
        "progress": queries.voting_progress(db.session, round_.id),
        "has_ballot": services.has_ballot(round_),
        "closed_reason": services.voting_not_open_reason(round_),
        "chosen": chosen,
    }
    if chosen is None or not services.has_ballot(round_):
        # The error summary reads `form`; here the only form is the chooser.
        return render_template("voting/paper_ballots.html", form=chooser, **context)

    voter = db.session.get(User, chosen.user_id)
    if voter is None:
        abort(404)
    paper = queries.ballot_paper(db.session, round_, voter.id)
    # Staff do not see how a panellist voted; `current` is only used for the form's stale-page check.
    current_ballot = queries.current_ballot(db.session, round_.id, voter.id)
    form = _build_form(round_, paper, None, on_paper=True)
    marked: dict[str, str] = {}
    confirm_empty = False
    if request.method == "POST" and form.validate():
        outcome = _cast(form, round_, voter=voter, recorded_by=_me())
        if isinstance(outcome, CastResult):
            browser_session[JUST_RECORDED] = {"round_id": round_.id, "ballot_id": outcome.ballot.id}
            return redirect(url_for("voting.paper_receipt", round_id=round_.id))
        if isinstance(outcome, _NeedsConfirmation):
            confirm_empty = True
        else:
            marked = outcome
            paper = queries.ballot_paper(db.session, round_, voter.id)
            current_ballot = queries.current_ballot(db.session, round_.id, voter.id)
            context["progress"] = queries.voting_progress(db.session, round_.id)
    form.panellist.data = str(voter.id)
    ballot_context = _ballot_context(
        round_,
        form,
        paper,
        None,
        replaces_id=current_ballot.id if current_ballot is not None else None,
        marked=marked,
        confirm_empty=confirm_empty,
    )
    return render_template("voting/paper_ballots.html", voter=voter, **{**context, **ballot_context})


@bp.get("/staff/rounds/<int:round_id>/paper-ballots/receipt")
@role_required(Role.STAFF)
def paper_receipt(round_id: int) -> str | Response:
    """After recording a paper ballot: its receipt code, shown to staff this once to hand to the panellist."""
    round_ = load_or_404(Round, round_id, can_manage_round)
    kept = browser_session.pop(JUST_RECORDED, None)
    if not kept or kept.get("round_id") != round_.id:
        return redirect(url_for("voting.paper_ballots", round_id=round_.id))
    recorded = db.session.get(Ballot, kept.get("ballot_id"))
    if recorded is None or recorded.round_id != round_.id:
        return redirect(url_for("voting.paper_ballots", round_id=round_.id))
    voter = db.session.get(User, recorded.user_id)
    return render_template(
        "voting/paper_receipt.html",
        round=round_,
        view=queries.ballot_view(db.session, recorded),
        voter=voter,
        method=round_.voting_method.value,
    )


def _whole(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0
