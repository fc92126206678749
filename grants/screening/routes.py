"""Screening pages for staff: the round's sent bids, one bid with everything the group sent, and the decision."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from grants.auth.permissions import (
    can_manage_round,
    can_manage_sent_bid,
    current_person,
    load_or_404,
    role_required,
)
from grants.auth.permissions.duties import bid_refusal, refuse_if_conflicted, staff_conflicted
from grants.bids.audience import bid_recipients
from grants.bids.downloads import send_attachment
from grants.extensions import db
from grants.models import Bid, BidStatus, Role, Round, utcnow
from grants.panel.services import declare_staff_conflict
from grants.screening import bp, queries
from grants.screening.forms import BidFilterForm, ScreeningForm, StaffConflictForm
from grants.screening.services import can_screen, screen_bid
from grants.web import act, asked_page, pagination


@bp.get("/staff/rounds/<int:round_id>/bids")
@role_required(Role.STAFF)
def bid_list(round_id: int) -> str:
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = BidFilterForm(formdata=request.args if request.args else None)
    if request.args:
        form.validate()
    filters = form.filters()
    result = queries.screening_page(db.session, round_, filters, asked_page())
    return render_template(
        "screening/bid_list.html",
        round=round_,
        form=form,
        filters=filters,
        result=result,
        pagination=pagination(
            result.page, "screening.bid_list", label="Pages of bids", round_id=round_.id, **filters.as_args()
        ),
        listed_statuses=queries.LISTED_STATUSES,
    )


def _bid_page(bid: Bid, form: ScreeningForm, conflict_form: StaffConflictForm | None = None) -> str:
    view = queries.bid_view(db.session, bid)
    me = current_person()
    return render_template(
        "screening/bid.html",
        view=view,
        bid=view.bid,
        form=form,
        can_screen=can_screen(view.bid),
        conflict=bid_refusal(me, bid, "screen this bid") if staff_conflicted(me, bid) else None,
        conflict_form=conflict_form or StaffConflictForm(formdata=None),
    )


@bp.get("/staff/bids/<int:bid_id>")
@role_required(Role.STAFF)
def bid(bid_id: int) -> str:
    bid = load_or_404(Bid, bid_id, can_manage_sent_bid)
    form = ScreeningForm(formdata=None)
    if bid.status in (BidStatus.ELIGIBLE, BidStatus.INELIGIBLE):
        form.decision.data = bid.status.value
        form.reason.data = bid.screening_reason
    return _bid_page(bid, form)


@bp.post("/staff/bids/<int:bid_id>")
@role_required(Role.STAFF)
def screen(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_manage_sent_bid)
    refuse_if_conflicted(bid, doing="screen this bid")
    form = ScreeningForm()
    was_screened = bid.status in (BidStatus.ELIGIBLE, BidStatus.INELIGIBLE)
    if form.validate() and act(
        form,
        screen_bid,
        bid=bid,
        eligible=form.decision.data == "eligible",
        reason=form.reason.data or "",
        now=utcnow(),
    ):
        outcome = "eligible" if bid.status == BidStatus.ELIGIBLE else "not eligible"
        told = (
            "We have emailed the group."
            if bid_recipients(db.session, bid)
            else "The group has no email address, so tell them another way."
        )
        verb = "Screening changed" if was_screened else "Screened"
        flash(f"{verb}: {bid.reference} is marked {outcome}. {told}", "success")
        return redirect(url_for("screening.bid", bid_id=bid_id))
    return _bid_page(bid, form)


@bp.post("/staff/bids/<int:bid_id>/conflict")
@role_required(Role.STAFF)
def declare_conflict(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_manage_sent_bid)
    form = StaffConflictForm()
    if form.validate() and act(
        form, declare_staff_conflict, bid=bid, kind=form.conflict_kind(), note=form.note.data or ""
    ):
        flash(f"Your conflict with {bid.reference} is recorded. Another member of staff will act on it.", "success")
        return redirect(url_for("screening.bid", bid_id=bid_id))
    return _bid_page(bid, ScreeningForm(formdata=None), conflict_form=form)


@bp.get("/staff/bids/<int:bid_id>/attachment")
@role_required(Role.STAFF)
def attachment(bid_id: int) -> Response:
    bid = load_or_404(Bid, bid_id, can_manage_sent_bid)
    file = queries.attachment_with_content(db.session, bid)
    if file is None:
        abort(404)
    return send_attachment(file)
