"""Panel pages for panellists: the code of conduct, their round's hub, conflicts, reading and scoring bids, and the
score summary (where the chair records the notes of the discussion)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from grants.auth.permissions import (
    can_download_panel_attachment,
    can_record_deliberation,
    can_score_bid,
    current_person,
    in_round,
    load_or_404,
    role_required,
    seat_or_404,
    sits_on_panel,
)
from grants.auth.saved_forms import take_saved_form
from grants.extensions import db
from grants.models import Bid, PanelMember, Role, Round, utcnow
from grants.panel import bp, queries, rules
from grants.panel.forms import ConductForm, NoteForm, declarations_form, score_form, score_label
from grants.panel.hub import hub_tasks, open_now, plural
from grants.panel.pages import add_note, summary_page
from grants.panel.services.declarations import (
    DeclarationWindow,
    Declared,
    SystemRecusal,
    declaration_window,
    save_declarations,
)
from grants.panel.services.membership import accept_code_of_conduct
from grants.panel.services.scoring import save_scores, scoring_not_open_reason
from grants.panel.services.seats import CHAIR
from grants.web import asked_page, attempt, pagination


def _gate(round_: Round, seat: PanelMember, *, declarations: bool = True) -> Response | None:
    """The order a panellist goes in: the code of conduct, then a declaration for every bid, then the bids."""
    if seat.conduct_accepted_at is None:
        flash("First, read the panel's code of conduct and agree to it.", "info")
        return redirect(url_for("panel.round_home", round_id=round_.id))
    if declarations and rules.has_undeclared_bids(db.session, round_, seat.user_id):
        flash("Before you read the bids, say whether you have a conflict of interest with any of them.", "info")
        return redirect(url_for("panel.declarations", round_id=round_.id))
    return None


def _enter(round_id: int, *, declarations: bool = True) -> tuple[Round, PanelMember]:
    """The round and the panellist's seat on its panel; a panellist `_gate` sends somewhere first goes there."""
    round_ = load_or_404(Round, round_id, sits_on_panel)
    seat = seat_or_404(round_)
    if (gate := _gate(round_, seat, declarations=declarations)) is not None:
        abort(gate)
    return round_, seat


def _own_group_message(bid: Bid, excluded_scores: int) -> str:
    message = f"You are a member of {bid.group.name}, so you will not score or vote on its bid."
    if excluded_scores:
        message += f" Your {plural(excluded_scores, 'score')} for it will not count."
    return message


def _flash_own_group_recusals(made: Iterable[SystemRecusal]) -> None:
    """Tell the panellist of the recusals the platform has just recorded for their own groups' bids."""
    for recusal in made:
        flash(_own_group_message(recusal.bid, recusal.excluded_scores), "info")


# --- joining and the round's hub -----------------------------------------------------------------------------------


@bp.get("/panel/rounds/<int:round_id>")
@role_required(Role.PANELLIST)
def round_home(round_id: int) -> str:
    round_ = load_or_404(Round, round_id, sits_on_panel)
    seat = seat_or_404(round_)
    if seat.conduct_accepted_at is None:
        return render_template("panel/conduct.html", round=round_, seat=seat, form=ConductForm())
    now = utcnow()
    progress = queries.my_progress(db.session, round_, seat.user_id)
    stories = queries.story_selection(db.session, round_)
    return render_template(
        "panel/round_home.html",
        round=round_,
        seat=seat,
        progress=progress,
        tasks=hub_tasks(round_, progress, stories=stories, now=now),
        open_now=open_now(round_, now),
    )


@bp.post("/panel/rounds/<int:round_id>/code-of-conduct")
@role_required(Role.PANELLIST)
def accept_conduct(round_id: int) -> Response:
    round_ = load_or_404(Round, round_id, sits_on_panel)
    form = ConductForm()
    if not form.validate():
        abort(400)
    done = attempt(form, accept_code_of_conduct, db.session, round_=round_, user=current_person(), now=utcnow())
    if done:
        flash(
            "Thank you for agreeing to the code of conduct. Next, say whether you have a conflict with any bid.",
            "success",
        )
        _flash_own_group_recusals(done.value or [])
    elif done.error is not None:
        flash(done.error.message, "info")
    return redirect(url_for("panel.round_home", round_id=round_id))


# --- conflicts -----------------------------------------------------------------------------------------------------


def _after_declaring(round_: Round, declared: Declared) -> Response:
    _flash_own_group_recusals(declared.system_recusals)
    for result in declared.answers:
        if result.excluded_scores:
            flash(
                f"You have declared a conflict with {result.bid.group.name}'s bid. Your"
                f" {plural(result.excluded_scores, 'score')} for this bid will not count.",
                "info",
            )
    left = rules.undeclared_count(db.session, round_, current_person().id)
    if left:
        flash(f"Your answers are saved. You still need to answer for {plural(left, 'bid')}.", "success")
        return redirect(url_for("panel.declarations", round_id=round_.id))
    flash("Your answers are saved. You have answered for every bid.", "success")
    return redirect(url_for("panel.round_home", round_id=round_.id))


@bp.route("/panel/rounds/<int:round_id>/declarations", methods=["GET", "POST"])
@role_required(Role.PANELLIST)
def declarations(round_id: int) -> str | Response:
    round_, seat = _enter(round_id, declarations=False)
    now = utcnow()
    window = declaration_window(round_, now)
    rows = queries.declaration_rows(db.session, round_, seat.user_id)
    form = declarations_form(
        rows,
        no_withdrawing=window is DeclarationWindow.CONFLICTS_ONLY,
        kept=take_saved_form() if request.method == "GET" else None,
    )
    if (
        form.validate_on_submit()
        and (
            done := attempt(
                form,
                save_declarations,
                db.session,
                round_=round_,
                user=current_person(),
                choices=form.choices(),
                now=now,
            )
        )
        and done.value is not None
    ):
        return _after_declaring(round_, done.value)
    return render_template(
        "panel/declarations.html",
        round=round_,
        rows=rows,
        form=form,
        window=window,
        windows=DeclarationWindow,
        answered=sum(1 for row in rows if row.declaration is not None or row.own_group),
        # Own groups' bids the rules already recuse them from, told as the page once told them on recording them.
        notices=[_own_group_message(row.bid, row.scores_newly_excluded) for row in rows if row.own_group_unrecorded],
    )


# --- reading and scoring -------------------------------------------------------------------------------------------


@bp.get("/panel/rounds/<int:round_id>/bids")
@role_required(Role.PANELLIST)
def bid_list(round_id: int) -> str | Response:
    round_, seat = _enter(round_id)
    now = utcnow()
    listing = queries.scoring_list(db.session, round_, seat.user_id, page=asked_page())
    return render_template(
        "panel/bid_list.html",
        round=round_,
        listing=listing,
        pagination=pagination(listing.page, "panel.bid_list", label="Pages of bids", round_id=round_.id),
        can_read=rules.scoring_started(round_),
        scoring_open=rules.scoring_open(round_, now),
        not_open=scoring_not_open_reason(round_, now),
    )


def _score_page(round_: Round, bid: Bid, form: FlaskForm, view: queries.PanelBid, now: datetime) -> str:
    return render_template(
        "panel/score_bid.html",
        round=round_,
        bid=bid,
        view=view,
        form=form,
        scoring_open=rules.scoring_open(round_, now),
        not_open=scoring_not_open_reason(round_, now),
        score_label=score_label,
    )


@bp.route("/panel/rounds/<int:round_id>/bids/<int:bid_id>", methods=["GET", "POST"])
@role_required(Role.PANELLIST)
def score_bid(round_id: int, bid_id: int) -> str | Response:
    round_, seat = _enter(round_id)
    bid = load_or_404(Bid, bid_id, in_round(round_, can_score_bid))
    if not rules.scoring_started(round_):
        flash("You can read and score the bids once scoring opens.", "info")
        return redirect(url_for("panel.bid_list", round_id=round_id))
    now = utcnow()
    view = queries.panel_bid(db.session, bid, seat.user_id)
    saved: dict[str, Any] = {}
    for criterion_id, score in view.scores.items():
        saved[f"score_{criterion_id}"] = str(score.value)
        saved[f"comment_{criterion_id}"] = score.comment
    form = score_form(round_.criteria, data=saved, kept=take_saved_form() if request.method == "GET" else None)
    if form.validate_on_submit() and (
        done := attempt(
            form,
            save_scores,
            db.session,
            round_=round_,
            bid=bid,
            user=current_person(),
            entries=form.entries(),
            now=now,
        )
    ):
        mine = queries.my_progress(db.session, round_, seat.user_id)
        flash(
            f"Your scores for {bid.group.name} are saved. You have scored {mine.scored} of"
            f" {plural(mine.may_score, 'bid')}.",
            "success",
        )
        _flash_own_group_recusals(done.value.system_recusals if done.value else [])
        return redirect(url_for("panel.bid_list", round_id=round_id))
    return _score_page(round_, bid, form, view, now)


@bp.get("/panel/rounds/<int:round_id>/bids/<int:bid_id>/attachment")
@role_required(Role.PANELLIST)
def attachment(round_id: int, bid_id: int) -> Response:
    round_ = load_or_404(Round, round_id, sits_on_panel)
    bid = load_or_404(Bid, bid_id, in_round(round_, can_download_panel_attachment))
    file = queries.attachment_with_content(db.session, bid)
    if file is None:
        abort(404)
    response = send_file(
        io.BytesIO(file.content), mimetype=file.content_type, as_attachment=True, download_name=file.filename
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the score summary and the chair's notes -------------------------------------------------------------------


@bp.route("/panel/rounds/<int:round_id>/summary", methods=["GET", "POST"])
@role_required(Role.PANELLIST)
def summary(round_id: int) -> str | Response:
    round_, seat = _enter(round_id, declarations=False)
    may_note = can_record_deliberation(current_person(), round_)
    if request.method == "POST" and not may_note:
        abort(403)
    form = NoteForm() if may_note else None
    now = utcnow()
    if (
        form is not None
        and request.method == "POST"
        and (done := add_note(round_, form, as_role=CHAIR, endpoint="panel.summary", now=now)) is not None
    ):
        return done
    # A panellist recused from a bid does not see the comments on it (they may know its people).
    hidden = rules.recused_bid_ids(db.session, round_.id, seat.user_id)
    return summary_page(round_, staff=False, form=form, hidden=hidden, now=now)
