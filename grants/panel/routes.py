"""Panel pages for panellists (the code of conduct, their round's hub, conflicts, reading and scoring bids, the
score summary) and for staff (the panel's members and invitations, the summary and its notes)."""

from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import OperationalError
from werkzeug.wrappers import Response

from grants.auth.permissions import can_manage_round, load_or_404, role_required, sits_on_panel
from grants.auth.saved_forms import take_saved_form
from grants.extensions import db
from grants.models import (
    Bid,
    BidStatus,
    Invitation,
    PanelMember,
    Role,
    Round,
    RoundStatus,
    StorySelection,
    User,
    VotingMethod,
)
from grants.panel import bp, queries, rules, services
from grants.panel.forms import (
    ConductForm,
    ConfirmForm,
    InviteForm,
    NoteForm,
    declarations_form,
    score_form,
    score_label,
)
from grants.panel.services import DeclarationWindow, PanelError
from grants.timefmt import london_time

VOTE_ENDPOINT = "voting.ballot"


def _me() -> User:
    return current_user._get_current_object()


def _attach(form: FlaskForm, exc: PanelError) -> None:
    """Put a service's message next to the field it names, or at the top of the form."""
    field = form._fields.get(exc.field) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


def _s(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- panellists: gates ------------------------------------------------------------------------------------------


def _my_seat(round_: Round) -> PanelMember:
    seat = rules.seat(db.session, round_.id, _me().id)
    if seat is None:  # sits_on_panel has already checked; a seat removed mid-request
        abort(404)
    return seat


def _gate(round_: Round, seat: PanelMember, *, declarations: bool = True) -> Response | None:
    """The order a panellist goes in: the code of conduct, then a declaration for every bid, then the bids."""
    if seat.conduct_accepted_at is None:
        flash("First, read the panel's code of conduct and agree to it.", "info")
        return redirect(url_for("panel.round_home", round_id=round_.id))
    if declarations and rules.undeclared_bid_ids(db.session, round_, seat.user_id):
        flash("Before you read the bids, say whether you have a conflict of interest with any of them.", "info")
        return redirect(url_for("panel.declarations", round_id=round_.id))
    return None


def _panel_bid_or_404(round_: Round, bid_id: int) -> Bid:
    """One of the panel's bids that this panellist is not recused from; anything else is not theirs to see."""
    bid = db.session.get(Bid, bid_id)
    if bid is None or bid.round_id != round_.id or bid.status != BidStatus.ELIGIBLE:
        abort(404)
    if bid.id in rules.recused_bid_ids(db.session, round_.id, _me().id):
        abort(404)
    return bid


def _system_recusal_messages(made: list[services.SystemRecusal]) -> list[str]:
    messages = []
    for recusal in made:
        message = f"You are a member of {recusal.bid.group.name}, so you will not score or vote on its bid."
        if recusal.excluded_scores:
            message += f" Your {_s(recusal.excluded_scores, 'score')} for it will not count."
        messages.append(message)
    return messages


# --- panellists: joining and the round's hub ---------------------------------------------------------------------


def _status(text: str, colour: str | None = None) -> dict[str, Any]:
    if colour is None:
        return {"text": text}
    return {"tag": {"text": text, "classes": f"govuk-tag--{colour}"}}


def _vote_url(round_: Round) -> str | None:
    if VOTE_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(VOTE_ENDPOINT, round_id=round_.id)


def _hub_tasks(round_: Round, progress: queries.Progress) -> list[dict[str, Any]]:
    """The panellist's task list: declare conflicts, score, deliberate, vote; each with where it stands now."""
    done, todo, waiting = _status("Completed"), _status("Incomplete", "blue"), _status("Cannot start yet")
    closed = _status("Closed", "grey")
    closes = f" Scoring closes on {london_time(round_.scoring_closes_at)}." if round_.scoring_closes_at else ""
    window = services.declaration_window(round_)

    declare: dict[str, Any]
    if progress.bids == 0:
        declare = {
            "title": {"text": "Say if you have a conflict with any bid"},
            "hint": {"text": "The funder's staff are still checking which bids go to the panel."},
            "status": waiting,
        }
    else:
        declare = {
            "title": {"text": "Say if you have a conflict with any bid"},
            "href": url_for("panel.declarations", round_id=round_.id),
            "hint": {
                "text": f"You have answered for {progress.declared} of {_s(progress.bids, 'bid')}."
                + (f" You are not scoring {progress.recused} of them." if progress.recused else "")
            },
            "status": done if progress.declarations_done else (closed if window is DeclarationWindow.FROZEN else todo),
        }

    score: dict[str, Any] = {"title": {"text": "Read and score the bids"}}
    scored_text = f"You have scored {progress.scored} of {_s(progress.may_score, 'bid')}."
    if not services.scoring_started(round_):
        score |= {"hint": {"text": "Scoring opens once the funder's staff have checked every bid."}, "status": waiting}
    elif not progress.declarations_done and progress.bids:
        score |= {"hint": {"text": "Answer the conflict question for every bid first." + closes}, "status": waiting}
    elif rules.scoring_open(round_):
        complete = progress.scored >= progress.may_score
        score |= {
            "href": url_for("panel.bid_list", round_id=round_.id),
            "hint": {"text": scored_text + closes},
            "status": done if complete else todo,
        }
    else:
        score |= {
            "href": url_for("panel.bid_list", round_id=round_.id),
            "hint": {"text": scored_text},
            "status": closed,
        }

    deliberate: dict[str, Any] = {"title": {"text": "Read the score summary and deliberate"}}
    if rules.scoring_closed(round_):
        deliberate |= {
            "href": url_for("panel.summary", round_id=round_.id),
            "hint": {
                "text": "See how the panel scored each bid, with everyone's comments, and the notes of the discussion."
            },
            "status": _status("Open", "green") if not round_.is_decided else closed,
        }
    else:
        when = f", on {london_time(round_.scoring_closes_at)}" if round_.scoring_closes_at else ""
        deliberate |= {"hint": {"text": f"The score summary is ready when scoring closes{when}."}, "status": waiting}

    vote: dict[str, Any] = {"title": {"text": "Vote"}}
    voting_closes = f" Voting closes on {london_time(round_.voting_closes_at)}." if round_.voting_closes_at else ""
    if round_.voting_method == VotingMethod.SCORES:
        vote |= {
            "hint": {"text": "In this round the panel's scores decide: there is no separate vote."},
            "status": _status("Not needed", "grey"),
        }
    elif rules.voting_open(round_):
        vote |= {
            "href": _vote_url(round_),
            "hint": {
                "text": ("You have voted. You can change your vote." if progress.ballot_cast else "") + voting_closes
            },
            "status": done if progress.ballot_cast else todo,
        }
    elif round_.status in (RoundStatus.VOTING, RoundStatus.DECIDED, RoundStatus.AWARDING, RoundStatus.COMPLETE):
        vote |= {
            "hint": {"text": "You voted." if progress.ballot_cast else "You did not vote."},
            "status": closed,
        }
    else:
        vote |= {"hint": {"text": "Voting opens after the panel has deliberated." + voting_closes}, "status": waiting}

    decision: dict[str, Any] = {"title": {"text": "See the decision and check your vote was counted"}}
    if round_.is_decided:
        decision |= {
            "href": url_for("decisions.decision", round_id=round_.id),
            "hint": {
                "text": "The result as ratified, any change the funder made to the panel's result and why, "
                "and the list of counted ballots to check your receipt against."
            },
            "status": _status("Open", "green"),
        }
    else:
        decision |= {"hint": {"text": "Ready once the funder has ratified the panel's result."}, "status": waiting}
    tasks = [declare, score, deliberate, vote, decision]
    selection = db.session.scalar(sa.select(StorySelection).where(StorySelection.round_id == round_.id))
    if selection is not None:
        tasks.append(
            {
                "title": {"text": "Choose the most significant stories of change"},
                "href": url_for("reports.stories", round_id=round_.id),
                "hint": {"text": "Read what funded groups told us and pick up to two stories, saying why."},
                "status": _status("Open", "green") if selection.closed_at is None else _status("Closed", "grey"),
            }
        )
    return tasks


def _open_now(round_: Round) -> str:
    """What the panel can do at this moment, in one sentence."""
    if rules.scoring_open(round_):
        if round_.scoring_closes_at:
            return f"Scoring is open until {london_time(round_.scoring_closes_at)}."
        return "Scoring is open."
    if rules.voting_open(round_):
        if round_.voting_closes_at:
            return f"Voting is open until {london_time(round_.voting_closes_at)}."
        return "Voting is open."
    if round_.is_decided:
        return "This round has been decided. Thank you for taking part."
    if rules.scoring_closed(round_):
        return "Scoring has closed. The panel is deliberating."
    return "The funder's staff are checking which bids go to the panel. You can answer the conflict question now."


@bp.get("/panel/rounds/<int:round_id>")
@role_required(Role.PANELLIST)
def round_home(round_id: int) -> str:
    round_ = load_or_404(Round, round_id, sits_on_panel)
    seat = _my_seat(round_)
    if seat.conduct_accepted_at is None:
        return render_template("panel/conduct.html", round=round_, seat=seat, form=ConductForm())
    progress = queries.my_progress(db.session, round_, seat.user_id)
    return render_template(
        "panel/round_home.html",
        round=round_,
        seat=seat,
        progress=progress,
        tasks=_hub_tasks(round_, progress),
        open_now=_open_now(round_),
    )


@bp.post("/panel/rounds/<int:round_id>/code-of-conduct")
@role_required(Role.PANELLIST)
def accept_conduct(round_id: int) -> Response:
    round_ = load_or_404(Round, round_id, sits_on_panel)
    form = ConductForm()
    if not form.validate():
        abort(400)
    made = services.accept_code_of_conduct(db.session, round_=round_, user=_me())
    told = _system_recusal_messages(made)
    db.session.commit()
    flash(
        "Thank you for agreeing to the code of conduct. Next, say whether you have a conflict with any bid.", "success"
    )
    for message in told:
        flash(message, "info")
    return redirect(url_for("panel.round_home", round_id=round_id))


# --- panellists: conflicts ---------------------------------------------------------------------------------------


def _record_system_recusals(round_: Round) -> None:
    """On opening the declarations page, record any recusal the platform owes (a group the panellist has joined
    since). The rules recuse them whether or not it is recorded yet, so if the database is busy this can wait."""
    try:
        told = _system_recusal_messages(services.sync_system_recusals(db.session, round_=round_, user_id=_me().id))
        db.session.commit()
    except OperationalError:
        db.session.rollback()
        return
    for message in told:
        flash(message, "info")


def _after_declaring(round_: Round, results: list[services.DeclarationResult]) -> Response:
    for result in results:
        if result.excluded_scores:
            flash(
                f"You have declared a conflict with {result.bid.group.name}'s bid. Your"
                f" {_s(result.excluded_scores, 'score')} for this bid will not count.",
                "info",
            )
    left = len(rules.undeclared_bid_ids(db.session, round_, _me().id))
    if left:
        flash(f"Your answers are saved. You still need to answer for {_s(left, 'bid')}.", "success")
        return redirect(url_for("panel.declarations", round_id=round_.id))
    flash("Your answers are saved. You have answered for every bid.", "success")
    return redirect(url_for("panel.round_home", round_id=round_.id))


@bp.route("/panel/rounds/<int:round_id>/declarations", methods=["GET", "POST"])
@role_required(Role.PANELLIST)
def declarations(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, sits_on_panel)
    seat = _my_seat(round_)
    if (gate := _gate(round_, seat, declarations=False)) is not None:
        return gate
    if request.method == "GET":
        _record_system_recusals(round_)
    window = services.declaration_window(round_)
    rows = queries.declaration_rows(db.session, round_, seat.user_id)
    form = declarations_form(
        rows,
        no_withdrawing=window is DeclarationWindow.CONFLICTS_ONLY,
        kept=take_saved_form() if request.method == "GET" else None,
    )
    if request.method == "POST" and form.validate():
        try:
            results = services.save_declarations(db.session, round_=round_, user=_me(), choices=form.choices())
        except PanelError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            db.session.commit()
            return _after_declaring(round_, results)
    return render_template(
        "panel/declarations.html",
        round=round_,
        rows=rows,
        form=form,
        window=window,
        windows=DeclarationWindow,
        answered=sum(1 for row in rows if row.declaration is not None or row.own_group),
    )


# --- panellists: reading and scoring -----------------------------------------------------------------------------


@bp.get("/panel/rounds/<int:round_id>/bids")
@role_required(Role.PANELLIST)
def bid_list(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, sits_on_panel)
    seat = _my_seat(round_)
    if (gate := _gate(round_, seat)) is not None:
        return gate
    return render_template(
        "panel/bid_list.html",
        round=round_,
        listing=queries.scoring_list(db.session, round_, seat.user_id),
        can_read=services.scoring_started(round_),
        scoring_open=rules.scoring_open(round_),
        not_open=services.scoring_not_open_reason(round_),
    )


def _score_page(round_: Round, bid: Bid, form: FlaskForm, view: queries.PanelBid) -> str:
    return render_template(
        "panel/score_bid.html",
        round=round_,
        bid=bid,
        view=view,
        form=form,
        scoring_open=rules.scoring_open(round_),
        not_open=services.scoring_not_open_reason(round_),
        score_label=score_label,
    )


@bp.route("/panel/rounds/<int:round_id>/bids/<int:bid_id>", methods=["GET", "POST"])
@role_required(Role.PANELLIST)
def score_bid(round_id: int, bid_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, sits_on_panel)
    seat = _my_seat(round_)
    if (gate := _gate(round_, seat)) is not None:
        return gate
    bid = _panel_bid_or_404(round_, bid_id)
    if not services.scoring_started(round_):
        flash("You can read and score the bids once scoring opens.", "info")
        return redirect(url_for("panel.bid_list", round_id=round_id))
    view = queries.panel_bid(db.session, bid, seat.user_id)
    saved: dict[str, Any] = {}
    for criterion_id, score in view.scores.items():
        saved[f"score_{criterion_id}"] = str(score.value)
        saved[f"comment_{criterion_id}"] = score.comment
    form = score_form(round_.criteria, data=saved, kept=take_saved_form() if request.method == "GET" else None)
    if request.method == "POST" and form.validate():
        group_name = bid.group.name
        try:
            services.save_scores(db.session, round_=round_, bid=bid, user=_me(), entries=form.entries())
        except PanelError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            db.session.commit()
            listing = queries.scoring_list(db.session, round_, seat.user_id)
            flash(
                f"Your scores for {group_name} are saved. You have scored {listing.scored} of"
                f" {_s(len(listing.rows), 'bid')}.",
                "success",
            )
            return redirect(url_for("panel.bid_list", round_id=round_id))
    return _score_page(round_, bid, form, view)


@bp.get("/panel/rounds/<int:round_id>/bids/<int:bid_id>/attachment")
@role_required(Role.PANELLIST)
def attachment(round_id: int, bid_id: int) -> Response:
    round_ = load_or_404(Round, round_id, sits_on_panel)
    seat = _my_seat(round_)
    if seat.conduct_accepted_at is None or rules.undeclared_bid_ids(db.session, round_, seat.user_id):
        abort(404)
    bid = _panel_bid_or_404(round_, bid_id)
    if not services.scoring_started(round_):
        abort(404)
    file = queries.attachment_with_content(db.session, bid)
    if file is None:
        abort(404)
    response = send_file(
        io.BytesIO(file.content), mimetype=file.content_type, as_attachment=True, download_name=file.filename
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the score summary and deliberation notes (panellists and staff) --------------------------------------------


def _summary_page(round_: Round, *, staff: bool, form: NoteForm | None, hidden: set[int]) -> str:
    ready = rules.scoring_closed(round_)
    return render_template(
        "panel/summary.html",
        round=round_,
        staff=staff,
        ready=ready,
        summary=queries.score_summary(db.session, round_) if ready else None,
        notes=queries.deliberation_notes(db.session, round_),
        form=form,
        notes_closed=services.notes_not_open_reason(round_),
        hidden=hidden,
    )


def _add_note(round_: Round, form: NoteForm, *, as_role: str, endpoint: str) -> Response | None:
    if not form.validate():
        return None
    try:
        services.add_deliberation_note(
            db.session, round_=round_, author=_me(), text=form.text.data or "", as_role=as_role
        )
    except PanelError as exc:
        db.session.rollback()
        _attach(form, exc)
        return None
    db.session.commit()
    flash("Your note has been added.", "success")
    return redirect(url_for(endpoint, round_id=round_.id, _anchor="notes"))


@bp.route("/panel/rounds/<int:round_id>/summary", methods=["GET", "POST"])
@role_required(Role.PANELLIST)
def summary(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, sits_on_panel)
    seat = _my_seat(round_)
    if (gate := _gate(round_, seat, declarations=False)) is not None:
        return gate
    form = NoteForm() if seat.is_chair else None
    if request.method == "POST":
        if form is None:
            abort(403)  # only the chair (and staff) record the panel's notes
        if (done := _add_note(round_, form, as_role=services.CHAIR, endpoint="panel.summary")) is not None:
            return done
    # A panellist recused from a bid does not see the comments on it (they may know its people).
    hidden = rules.recused_bid_ids(db.session, round_.id, seat.user_id)
    return _summary_page(round_, staff=False, form=form, hidden=hidden)


@bp.route("/staff/rounds/<int:round_id>/summary", methods=["GET", "POST"])
@role_required(Role.STAFF)
def staff_summary(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = NoteForm()
    if request.method == "POST" and (
        done := _add_note(round_, form, as_role=services.STAFF, endpoint="panel.staff_summary")
    ):
        return done
    return _summary_page(round_, staff=True, form=form, hidden=set())


# --- staff: the panel's members and invitations ------------------------------------------------------------------


def _staff_panel_page(round_: Round, form: InviteForm) -> str:
    return render_template(
        "panel/staff_panel.html",
        round=round_,
        form=form,
        panel=queries.staff_panel(db.session, round_),
        decided=round_.is_decided,
    )


@bp.route("/staff/rounds/<int:round_id>/panel", methods=["GET", "POST"])
@role_required(Role.STAFF)
def staff_panel(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = InviteForm()
    if request.method == "POST" and form.validate():
        try:
            services.invite_panellist(db.session, round_=round_, email=form.email.data or "", invited_by=_me())
        except PanelError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            email = (form.email.data or "").strip().lower()
            db.session.commit()
            flash(f"Invitation sent to {email}. The link works once and expires in 14 days.", "success")
            return redirect(url_for("panel.staff_panel", round_id=round_id))
    return _staff_panel_page(round_, form)


def _invitation_or_404(round_: Round, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.round_id != round_.id or invitation.role != Role.PANELLIST:
        abort(404)
    return invitation


def _staff_action(round_id: int, action: Any) -> Response:
    """Run one staff button's service; a refusal comes back as a message at the top of the panel page."""
    if not ConfirmForm().validate():
        abort(400)
    try:
        message = action()
    except PanelError as exc:
        db.session.rollback()
        flash(exc.message, "info")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("panel.staff_panel", round_id=round_id))


@bp.post("/staff/rounds/<int:round_id>/panel/invitations/<int:invitation_id>/resend")
@role_required(Role.STAFF)
def staff_resend(round_id: int, invitation_id: int) -> Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    invitation = _invitation_or_404(round_, invitation_id)

    def resend() -> str:
        services.resend_invitation(db.session, round_=round_, invitation=invitation, actor=_me())
        return f"A new invitation has been sent to {invitation.email}. The old link no longer works."

    return _staff_action(round_id, resend)


@bp.post("/staff/rounds/<int:round_id>/panel/invitations/<int:invitation_id>/revoke")
@role_required(Role.STAFF)
def staff_revoke(round_id: int, invitation_id: int) -> Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    invitation = _invitation_or_404(round_, invitation_id)

    def revoke() -> str:
        services.revoke_invitation(db.session, invitation=invitation, actor=_me())
        return f"The invitation to {invitation.email} has been withdrawn. Its link no longer works."

    return _staff_action(round_id, revoke)


@bp.post("/staff/rounds/<int:round_id>/panel/members/<int:member_id>/chair")
@role_required(Role.STAFF)
def staff_make_chair(round_id: int, member_id: int) -> Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    member = db.session.get(PanelMember, member_id)
    if member is None or member.round_id != round_.id:
        abort(404)

    def make_chair() -> str:
        previous = services.appoint_chair(db.session, member=member, actor=_me())
        stepped_down = f" {previous.user.name} is no longer the chair." if previous is not None else ""
        return f"{member.user.name} is now the panel's chair.{stepped_down}"

    return _staff_action(round_id, make_chair)
