"""Award pages for staff and for groups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
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
    RepublishForm,
    ReversalForm,
    WithdrawForm,
)
from grants.awards.offers import accept_offer, close_award, decline_offer, make_offer, withdraw_offer
from grants.awards.payments import record_payment, reverse_payment
from grants.awards.publication import changed_since_published, republish_grant
from grants.bids.audience import bid_recipients
from grants.extensions import db
from grants.models import Award, AwardStatus, Bid, Payment, Role, Round, utcnow
from grants.money import format_pounds
from grants.web import act, act_once, flash_outcome

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
        form.amount.data = bid.amount_pence  # what the group asked for, to start from
    if not form.validate_on_submit():
        return _offer_page(bid, form)
    done = act_once(form, make_offer, what="This offer", bid=bid, now=utcnow(), **form.terms())
    if flash_outcome(
        done,
        lambda made: (
            f"Offer of {format_pounds(made.amount_pence)} made for {bid.reference}. We have emailed the group."
        ),
    ):
        # Sent again, the offer page leads to the award the first post made.
        made = done.value
        return redirect(
            url_for("awards.award", award_id=made.id) if made is not None else url_for("awards.offer", bid_id=bid.id)
        )
    return _offer_page(bid, form)


# --- staff: one award -------------------------------------------------------------------------------------------


def _award_page(award: Award, *, reversing: int | None = None, **forms: FlaskForm) -> str:
    payment_form = forms.get("payment_form") or PaymentForm(formdata=None)
    withdraw_form = forms.get("withdraw_form") or WithdrawForm(formdata=None)
    reversal_form = forms.get("reversal_form") or ReversalForm(formdata=None)
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
        reversal_form=reversal_form,
        republish_form=forms.get("republish_form") or RepublishForm(formdata=None),
        changed_since_published=changed_since_published(award),
        reversing=reversing,
        reversed_ids={p.reverses_id for p in award.payments if p.reverses_id is not None},
        form=failed,
        still_to_pay=award.amount_pence - award.paid_pence,
        conflict=bid_refusal(me, award.bid, "act on this award") if staff_conflicted(me, award.bid) else None,
    )


@bp.get("/staff/awards/<int:award_id>")
@role_required(Role.STAFF)
def award(award_id: int) -> str:
    return _award_page(load_or_404(Award, award_id, can_manage_award))


def _paid_message(award: Award, amount_pence: int) -> str:
    full = " The award is now paid in full." if award.status == AwardStatus.PAID_IN_FULL else ""
    return f"Payment of {format_pounds(amount_pence)} recorded.{full}"


@bp.post("/staff/awards/<int:award_id>/payments")
@role_required(Role.STAFF)
def pay(award_id: int) -> str | Response:
    award = load_or_404(Award, award_id, can_manage_award)
    refuse_if_conflicted(award.bid, doing="record a payment on this award")
    form = PaymentForm()
    if not form.validate():
        return _award_page(award, payment_form=form)
    done = act_once(
        form,
        record_payment,
        what="This payment",
        award=award,
        amount_pence=form.amount.data,
        paid_on=form.paid_on.data,
        reference=form.reference.data or "",
        now=utcnow(),
    )
    if flash_outcome(done, lambda _: _paid_message(award, form.amount.data or 0)):
        return redirect(url_for("awards.award", award_id=award_id))
    return _award_page(load_or_404(Award, award_id, can_manage_award), payment_form=form)


@bp.post("/staff/awards/<int:award_id>/withdraw")
@role_required(Role.STAFF)
def withdraw(award_id: int) -> str | Response:
    award = load_or_404(Award, award_id, can_manage_award)
    refuse_if_conflicted(award.bid, doing="withdraw this offer")
    form = WithdrawForm()
    if not form.validate():
        return _award_page(award, withdraw_form=form)
    done = act_once(
        form, withdraw_offer, what="This withdrawal", award=award, reason=form.reason.data or "", now=utcnow()
    )
    if flash_outcome(done, "Offer withdrawn. We have emailed the group."):
        return redirect(url_for("awards.award", award_id=award_id))
    return _award_page(load_or_404(Award, award_id, can_manage_award), withdraw_form=form)


@bp.post("/staff/awards/<int:award_id>/close")
@role_required(Role.STAFF)
def close(award_id: int) -> Response:
    award = load_or_404(Award, award_id, can_manage_award)
    refuse_if_conflicted(award.bid, doing="close this award")
    form = CloseForm()
    if form.validate():
        done = act_once(form, close_award, what="Closing this award", award=award, now=utcnow())
        if not flash_outcome(done, "Award closed.") and done.error is not None:
            flash(done.error.message, "info")
    return redirect(url_for("awards.award", award_id=award_id))


@bp.post("/staff/awards/<int:award_id>/payments/<int:payment_id>/reverse")
@role_required(Role.STAFF)
def reverse(award_id: int, payment_id: int) -> str | Response:
    """Reverse a payment recorded in error: a reversing entry with a reason, never a deletion."""
    award = load_or_404(Award, award_id, can_manage_award)
    refuse_if_conflicted(award.bid, doing="reverse a payment on this award")
    payment = db.get_or_404(Payment, payment_id)
    if payment.award_id != award.id:
        abort(404)
    form = ReversalForm()
    if form.validate():
        done = act_once(
            form,
            reverse_payment,
            what="This reversal",
            award=award,
            payment=payment,
            reason=form.reason.data or "",
            now=utcnow(),
        )
        if flash_outcome(done, f"Payment of {format_pounds(payment.amount_pence)} reversed."):
            return redirect(url_for("awards.award", award_id=award_id))
    return _award_page(load_or_404(Award, award_id, can_manage_award), reversal_form=form, reversing=payment.id)


@bp.post("/staff/awards/<int:award_id>/republish")
@role_required(Role.STAFF)
def republish(award_id: int) -> str | Response:
    """Re-publish a grant's public details on purpose, after the group changed: a new dateModified, logged."""
    award = load_or_404(Award, award_id, can_manage_award)
    form = RepublishForm()
    if form.validate() and flash_outcome(
        act_once(form, republish_grant, what="This re-publication", award=award, now=utcnow()),
        "Re-published: the public page and the open data now show the group's details as they are.",
    ):
        return redirect(url_for("awards.award", award_id=award_id))
    return _award_page(load_or_404(Award, award_id, can_manage_award), republish_form=form)


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


def _answer(
    bid_id: int, form: AcceptForm | DeclineForm, service: Callable[..., None], done: str, **values: Any
) -> str | Response:
    """The group's answer to its offer, sent once: back to the bid with `done`, or the page again with the message."""
    bid = load_or_404(Bid, bid_id, can_answer_offer)
    which = "accept" if isinstance(form, AcceptForm) else "decline"
    if form.validate() and flash_outcome(
        act_once(form, service, what="Your answer", award=queries.award_of(db.session, bid), now=utcnow(), **values),
        done,
    ):
        return redirect(url_for("bids.view", bid_id=bid_id))
    return _respond_page(load_or_404(Bid, bid_id, can_answer_offer), **{which: form})


@bp.post("/bids/<int:bid_id>/offer")
@login_required
def accept(bid_id: int) -> str | Response:
    form = AcceptForm()
    return _answer(
        bid_id,
        form,
        accept_offer,
        "You have accepted the offer. Thank you: we will be in touch about payment.",
        name=form.name.data or "",
        conditions_accepted=bool(form.confirm.data),
    )


@bp.post("/bids/<int:bid_id>/offer/decline")
@login_required
def decline(bid_id: int) -> str | Response:
    form = DeclineForm()
    return _answer(
        bid_id,
        form,
        decline_offer,
        "You have declined the offer. We have told the funder.",
        reason=form.reason.data or "",
    )


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
