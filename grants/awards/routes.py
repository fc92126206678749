"""Award pages for staff and for groups."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from grants.auth.permissions import (
    can_manage_bid,
    can_manage_round,
    is_own_group_bid,
    is_staff_of,
    load_or_404,
    role_required,
)
from grants.awards import bp, queries
from grants.awards.forms import (
    AcceptForm,
    CloseForm,
    DeclineForm,
    FeedbackForm,
    OfferForm,
    PaymentForm,
    WithdrawForm,
)
from grants.awards.services import (
    AwardError,
    accept_offer,
    check_feedback_allowed,
    close_award,
    decline_offer,
    make_offer,
    record_payment,
    withdraw_offer,
)
from grants.awards.services import send_feedback as _send_feedback
from grants.bids.audience import bid_recipients
from grants.extensions import db
from grants.models import Award, AwardStatus, Bid, Feedback, Role, Round, User
from grants.money import format_pounds


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _put_error(form: FlaskForm, exc: AwardError) -> None:
    field = getattr(form, exc.field, None)
    if field is None:
        form.form_errors.append(exc.message)
    else:
        field.errors = [*field.errors, exc.message]


def _staff_award_or_404(award_id: int) -> Award:
    """An award in a round of the signed-in staff member's funder, else 404."""
    award = queries.award_with_details(db.session, award_id)
    if award is None or not is_staff_of(current_user, award.bid.round.funder_id):
        abort(404)
    return award


# --- what the group's bid page shows (templates/bids/sent.html includes awards/_for_group.html) ------------------


@bp.app_template_global()
def award_for_bid(bid_id: int) -> Award | None:
    """The bid's award, if it has one (for the group's view of its bid)."""
    return queries.award_for_bid(db.session, bid_id)


@bp.app_template_global()
def feedback_for_bid(bid_id: int) -> Feedback | None:
    """Feedback sent to the group on this bid; a draft not yet sent is not shown."""
    return queries.sent_feedback_for_bid(db.session, bid_id)


# --- staff: the round's awards ----------------------------------------------------------------------------------


@bp.get("/staff/rounds/<int:round_id>/awards")
@role_required(Role.STAFF)
def round_awards(round_id: int) -> str:
    round_ = load_or_404(Round, round_id, can_manage_round)
    view = queries.round_awards(db.session, round_)
    return render_template("awards/round.html", round=round_, view=view)


def _offer_page(bid: Bid, form: OfferForm) -> str:
    return render_template("awards/offer.html", bid=bid, round=bid.round, form=form)


@bp.route("/staff/bids/<int:bid_id>/offer", methods=["GET", "POST"])
@role_required(Role.STAFF)
def offer(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_manage_bid)
    existing = queries.award_for_bid(db.session, bid.id)
    if existing is not None:
        return redirect(url_for("awards.award", award_id=existing.id))
    if not queries.is_funded(db.session, bid):
        flash(f"{bid.reference} is not in the ratified funded set, so it cannot have an offer.", "info")
        return redirect(url_for("awards.round_awards", round_id=bid.round_id))
    form = OfferForm()
    if not form.is_submitted():
        form.amount.data = bid.amount_pence
        return _offer_page(bid, form)
    if form.validate():
        try:
            award = make_offer(
                db.session,
                bid=bid,
                amount_pence=form.amount.data,
                reduced_reason=form.reduced_reason.data or "",
                conditions=form.conditions.data or "",
                report_dates=form.report_dates(),
                withhold_name=bool(form.withhold_name.data),
                actor=_me(),
            )
        except AwardError as exc:
            db.session.rollback()
            _put_error(form, exc)
        else:
            award_id, amount, reference = award.id, award.amount_pence, bid.reference
            db.session.commit()
            flash(f"Offer of {format_pounds(amount)} made for {reference}. We have emailed the group.", "success")
            return redirect(url_for("awards.award", award_id=award_id))
    return _offer_page(bid, form)


# --- staff: one award -------------------------------------------------------------------------------------------


def _award_page(award: Award, **forms: FlaskForm) -> str:
    payment_form = forms.get("payment_form") or PaymentForm(formdata=None)
    withdraw_form = forms.get("withdraw_form") or WithdrawForm(formdata=None)
    # The form with errors is passed as `form` too, so base.html shows its error summary.
    failed = next((f for f in forms.values() if f.errors), None)
    return render_template(
        "awards/award.html",
        award=award,
        bid=award.bid,
        round=award.bid.round,
        payment_form=payment_form,
        withdraw_form=withdraw_form,
        close_form=CloseForm(formdata=None),
        form=failed,
        still_to_pay=award.amount_pence - award.paid_pence,
    )


@bp.get("/staff/awards/<int:award_id>")
@role_required(Role.STAFF)
def award(award_id: int) -> str:
    return _award_page(_staff_award_or_404(award_id))


@bp.post("/staff/awards/<int:award_id>/payments")
@role_required(Role.STAFF)
def pay(award_id: int) -> str | Response:
    award = _staff_award_or_404(award_id)
    form = PaymentForm()
    if form.validate():
        try:
            record_payment(
                db.session,
                award=award,
                amount_pence=form.amount.data,
                paid_on=form.paid_on.data,
                reference=form.reference.data or "",
                actor=_me(),
            )
        except AwardError as exc:
            db.session.rollback()
            _put_error(form, exc)
        else:
            paid_in_full = award.status == AwardStatus.PAID_IN_FULL
            message = f"Payment of {format_pounds(form.amount.data)} recorded."
            if paid_in_full:
                message += " The award is now paid in full."
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("awards.award", award_id=award_id))
    return _award_page(_staff_award_or_404(award_id), payment_form=form)


@bp.post("/staff/awards/<int:award_id>/withdraw")
@role_required(Role.STAFF)
def withdraw(award_id: int) -> str | Response:
    award = _staff_award_or_404(award_id)
    form = WithdrawForm()
    if form.validate():
        try:
            withdraw_offer(db.session, award=award, reason=form.reason.data or "", actor=_me())
        except AwardError as exc:
            db.session.rollback()
            _put_error(form, exc)
        else:
            db.session.commit()
            flash("Offer withdrawn. We have emailed the group.", "success")
            return redirect(url_for("awards.award", award_id=award_id))
    return _award_page(_staff_award_or_404(award_id), withdraw_form=form)


@bp.post("/staff/awards/<int:award_id>/close")
@role_required(Role.STAFF)
def close(award_id: int) -> Response:
    award = _staff_award_or_404(award_id)
    if CloseForm().validate():
        try:
            close_award(db.session, award=award, actor=_me())
        except AwardError as exc:
            db.session.rollback()
            flash(exc.message, "info")
        else:
            db.session.commit()
            flash("Award closed.", "success")
    return redirect(url_for("awards.award", award_id=award_id))


# --- the group: accept or decline -------------------------------------------------------------------------------


def _group_award_or_404(bid_id: int) -> tuple[Bid, Award]:
    bid = load_or_404(Bid, bid_id, is_own_group_bid)
    award = queries.award_for_bid(db.session, bid.id)
    if award is None:
        abort(404)
    return bid, award


def _respond_page(
    bid: Bid, award: Award, *, accept: AcceptForm | None = None, decline: DeclineForm | None = None
) -> str:
    accept_form = accept or AcceptForm(formdata=None)
    decline_form = decline or DeclineForm(formdata=None)
    failed: Any = accept if accept is not None and accept.errors else decline if decline and decline.errors else None
    return render_template(
        "awards/respond.html",
        bid=bid,
        award=award,
        accept_form=accept_form,
        decline_form=decline_form,
        form=failed,
    )


@bp.get("/bids/<int:bid_id>/offer")
@login_required
def respond(bid_id: int) -> str:
    bid, award = _group_award_or_404(bid_id)
    return _respond_page(bid, award)


@bp.post("/bids/<int:bid_id>/offer")
@login_required
def accept(bid_id: int) -> str | Response:
    bid, award = _group_award_or_404(bid_id)
    form = AcceptForm()
    if form.validate():
        try:
            accept_offer(
                db.session,
                award=award,
                name=form.name.data or "",
                conditions_accepted=bool(form.confirm.data),
                actor=_me(),
            )
        except AwardError as exc:
            db.session.rollback()
            _put_error(form, exc)
        else:
            db.session.commit()
            flash("You have accepted the offer. Thank you: we will be in touch about payment.", "success")
            return redirect(url_for("bids.view", bid_id=bid_id))
    bid, award = _group_award_or_404(bid_id)
    return _respond_page(bid, award, accept=form)


@bp.post("/bids/<int:bid_id>/offer/decline")
@login_required
def decline(bid_id: int) -> str | Response:
    bid, award = _group_award_or_404(bid_id)
    form = DeclineForm()
    if form.validate():
        try:
            decline_offer(db.session, award=award, reason=form.reason.data or "", actor=_me())
        except AwardError as exc:
            db.session.rollback()
            _put_error(form, exc)
        else:
            db.session.commit()
            flash("You have declined the offer. We have told the funder.", "success")
            return redirect(url_for("bids.view", bid_id=bid_id))
    bid, award = _group_award_or_404(bid_id)
    return _respond_page(bid, award, decline=form)


# --- staff: feedback to unfunded groups -------------------------------------------------------------------------


@bp.route("/staff/bids/<int:bid_id>/feedback", methods=["GET", "POST"])
@role_required(Role.STAFF)
def feedback(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_manage_bid)
    comments = queries.panel_comments(db.session, bid)
    sent = queries.sent_feedback_for_bid(db.session, bid.id)
    form = FeedbackForm()
    problem = None
    try:
        check_feedback_allowed(db.session, bid)
    except AwardError as exc:
        problem = exc.message
    if form.validate_on_submit():
        try:
            _send_feedback(db.session, bid=bid, text=form.text.data or "", actor=_me())
        except AwardError as exc:
            db.session.rollback()
            _put_error(form, exc)
        else:
            told = (
                "We have emailed the group." if bid_recipients(db.session, bid) else "The group has no email address."
            )
            reference, round_id = bid.reference, bid.round_id
            db.session.commit()
            flash(f"Feedback sent for {reference}. {told}", "success")
            return redirect(url_for("awards.round_awards", round_id=round_id))
    if not form.is_submitted():
        form.text.data = sent.text if sent is not None else queries.draft_feedback(bid, comments)
    return render_template(
        "awards/feedback.html",
        bid=bid,
        round=bid.round,
        comments=comments,
        form=form,
        sent=sent,
        problem=problem,
    )
