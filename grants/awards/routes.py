"""Award pages for staff and for groups."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from grants.auth.permissions import (
    can_answer_offer,
    can_manage_award,
    can_manage_round,
    can_manage_sent_bid,
    current_person,
    load_or_404,
    role_required,
)
from grants.auth.permissions.duties import bid_refusal, refuse_if_conflicted, staff_conflicted
from grants.awards import bp, queries
from grants.awards.feedback import feedback_refused, send_feedback
from grants.awards.forms import (
    AcceptForm,
    CloseForm,
    DeclineForm,
    FeedbackForm,
    OfferForm,
    PaymentForm,
    WithdrawForm,
)
from grants.awards.offers import accept_offer, close_award, decline_offer, make_offer, withdraw_offer
from grants.awards.payments import record_payment
from grants.bids.audience import bid_recipients
from grants.extensions import db
from grants.models import Award, AwardStatus, Bid, Role, Round, utcnow
from grants.money import format_pounds
from grants.web import act

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
    bid = load_or_404(Bid, bid_id, can_manage_sent_bid)
    refuse_if_conflicted(bid, doing="make this bid an offer")
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
    if (
        form.validate()
        and (
            done := act(
                form,
                make_offer,
                bid=bid,
                amount_pence=form.amount.data,
                reduced_reason=form.reduced_reason.data or "",
                conditions=form.conditions.data or "",
                report_dates=form.report_dates(),
                withhold_name=bool(form.withhold_name.data),
                now=utcnow(),
            )
        )
        and done.value is not None
    ):
        award = done.value
        flash(
            f"Offer of {format_pounds(award.amount_pence)} made for {bid.reference}. We have emailed the group.",
            "success",
        )
        return redirect(url_for("awards.award", award_id=award.id))
    return _offer_page(bid, form)


# --- staff: one award -------------------------------------------------------------------------------------------


def _award_page(award: Award, **forms: FlaskForm) -> str:
    payment_form = forms.get("payment_form") or PaymentForm(formdata=None)
    withdraw_form = forms.get("withdraw_form") or WithdrawForm(formdata=None)
    # The form with errors is passed as `form` too, so base.html shows its error summary.
    failed = next((f for f in forms.values() if f.errors), None)
    me = current_person()
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
        conflict=bid_refusal(me, award.bid, "act on this award") if staff_conflicted(me, award.bid) else None,
    )


@bp.get("/staff/awards/<int:award_id>")
@role_required(Role.STAFF)
def award(award_id: int) -> str:
    return _award_page(load_or_404(Award, award_id, can_manage_award))


@bp.post("/staff/awards/<int:award_id>/payments")
@role_required(Role.STAFF)
def pay(award_id: int) -> str | Response:
    award = load_or_404(Award, award_id, can_manage_award)
    refuse_if_conflicted(award.bid, doing="record a payment on this award")
    form = PaymentForm()
    if form.validate() and act(
        form,
        record_payment,
        award=award,
        amount_pence=form.amount.data,
        paid_on=form.paid_on.data,
        reference=form.reference.data or "",
        now=utcnow(),
    ):
        message = f"Payment of {format_pounds(form.amount.data)} recorded."
        if award.status == AwardStatus.PAID_IN_FULL:
            message += " The award is now paid in full."
        flash(message, "success")
        return redirect(url_for("awards.award", award_id=award_id))
    return _award_page(load_or_404(Award, award_id, can_manage_award), payment_form=form)


@bp.post("/staff/awards/<int:award_id>/withdraw")
@role_required(Role.STAFF)
def withdraw(award_id: int) -> str | Response:
    award = load_or_404(Award, award_id, can_manage_award)
    refuse_if_conflicted(award.bid, doing="withdraw this offer")
    form = WithdrawForm()
    if form.validate() and act(form, withdraw_offer, award=award, reason=form.reason.data or "", now=utcnow()):
        flash("Offer withdrawn. We have emailed the group.", "success")
        return redirect(url_for("awards.award", award_id=award_id))
    return _award_page(load_or_404(Award, award_id, can_manage_award), withdraw_form=form)


@bp.post("/staff/awards/<int:award_id>/close")
@role_required(Role.STAFF)
def close(award_id: int) -> Response:
    award = load_or_404(Award, award_id, can_manage_award)
    refuse_if_conflicted(award.bid, doing="close this award")
    form = CloseForm()
    if form.validate():
        done = act(form, close_award, award=award)
        if done:
            flash("Award closed.", "success")
        elif done.error is not None:
            flash(done.error.message, "info")
    return redirect(url_for("awards.award", award_id=award_id))


# --- the group: accept or decline -------------------------------------------------------------------------------


def _respond_page(bid: Bid, *, accept: AcceptForm | None = None, decline: DeclineForm | None = None) -> str:
    accept_form = accept or AcceptForm(formdata=None)
    decline_form = decline or DeclineForm(formdata=None)
    failed = accept if accept is not None and accept.errors else decline if decline and decline.errors else None
    return render_template(
        "awards/respond.html",
        bid=bid,
        award=queries.award_of(db.session, bid),
        accept_form=accept_form,
        decline_form=decline_form,
        form=failed,
    )


@bp.get("/bids/<int:bid_id>/offer")
@login_required
def respond(bid_id: int) -> str:
    return _respond_page(load_or_404(Bid, bid_id, can_answer_offer))


@bp.post("/bids/<int:bid_id>/offer")
@login_required
def accept(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_answer_offer)
    form = AcceptForm()
    if form.validate() and act(
        form,
        accept_offer,
        award=queries.award_of(db.session, bid),
        name=form.name.data or "",
        conditions_accepted=bool(form.confirm.data),
        now=utcnow(),
    ):
        flash("You have accepted the offer. Thank you: we will be in touch about payment.", "success")
        return redirect(url_for("bids.view", bid_id=bid_id))
    return _respond_page(load_or_404(Bid, bid_id, can_answer_offer), accept=form)


@bp.post("/bids/<int:bid_id>/offer/decline")
@login_required
def decline(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_answer_offer)
    form = DeclineForm()
    if form.validate() and act(
        form, decline_offer, award=queries.award_of(db.session, bid), reason=form.reason.data or "", now=utcnow()
    ):
        flash("You have declined the offer. We have told the funder.", "success")
        return redirect(url_for("bids.view", bid_id=bid_id))
    return _respond_page(load_or_404(Bid, bid_id, can_answer_offer), decline=form)


# --- staff: feedback to unfunded groups -------------------------------------------------------------------------


@bp.route("/staff/bids/<int:bid_id>/feedback", methods=["GET", "POST"])
@role_required(Role.STAFF)
def feedback(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_manage_sent_bid)
    refuse_if_conflicted(bid, doing="send this group feedback")
    comments = queries.panel_comments(db.session, bid)
    sent = queries.sent_feedback_for_bid(db.session, bid.id)
    form = FeedbackForm()
    problem = feedback_refused(db.session, bid)
    if form.validate_on_submit() and act(form, send_feedback, bid=bid, text=form.text.data or "", now=utcnow()):
        told = "We have emailed the group." if bid_recipients(db.session, bid) else "The group has no email address."
        flash(f"Feedback sent for {bid.reference}. {told}", "success")
        return redirect(url_for("awards.round_awards", round_id=bid.round_id))
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
