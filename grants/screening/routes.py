"""Screening pages for staff: the round's sent bids, one bid with everything the group sent, and the decision."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from grants.auth.permissions import role_required, staff_bid_or_404, staff_round_or_404
from grants.extensions import db
from grants.models import Bid, BidStatus, Role, Round
from grants.screening import queries
from grants.screening.forms import BidFilterForm, ScreeningForm
from grants.screening.services import ScreeningError, can_screen, recipients, screen_bid

bp = Blueprint("screening", __name__)


def _sent_bid_or_404(bid_id: int) -> Bid:
    """A bid of the staff member's funder that the group has sent; a draft is still the group's own."""
    bid = staff_bid_or_404(bid_id)
    if bid.status == BidStatus.DRAFT:
        abort(404)
    return bid


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _pagination(round_: Round, result: queries.ScreeningPage, args: dict[str, str]) -> dict[str, Any] | None:
    """Parameters for the GOV.UK pagination component: first, last, and the pages either side of this one."""
    if result.pages <= 1:
        return None

    def href(number: int) -> str:
        values: dict[str, Any] = {**args, "round_id": round_.id, "page": number}
        return url_for("screening.bid_list", **values)

    shown = sorted({1, result.pages, result.page - 1, result.page, result.page + 1} & set(range(1, result.pages + 1)))
    items: list[dict[str, Any]] = []
    for i, number in enumerate(shown):
        if i and number - shown[i - 1] > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == result.page})
    params: dict[str, Any] = {"items": items, "landmarkLabel": "Pages of bids"}
    if result.page > 1:
        params["previous"] = {"href": href(result.page - 1)}
    if result.page < result.pages:
        params["next"] = {"href": href(result.page + 1)}
    return params


@bp.get("/staff/rounds/<int:round_id>/bids")
@role_required(Role.STAFF)
def bid_list(round_id: int) -> str:
    round_ = staff_round_or_404(round_id)
    form = BidFilterForm(formdata=request.args if request.args else None)
    if request.args:
        form.validate()
    filters = form.filters()
    result = queries.screening_page(db.session, round_, filters, _page_number())
    return render_template(
        "screening/bid_list.html",
        round=round_,
        form=form,
        filters=filters,
        result=result,
        pagination=_pagination(round_, result, filters.as_args()),
        listed_statuses=queries.LISTED_STATUSES,
    )


def _bid_page(bid: Bid, form: ScreeningForm) -> str:
    view = queries.bid_view(db.session, bid)
    return render_template("screening/bid.html", view=view, bid=view.bid, form=form, can_screen=can_screen(view.bid))


@bp.get("/staff/bids/<int:bid_id>")
@role_required(Role.STAFF)
def bid(bid_id: int) -> str:
    bid = _sent_bid_or_404(bid_id)
    form = ScreeningForm(formdata=None)
    if bid.status in (BidStatus.ELIGIBLE, BidStatus.INELIGIBLE):
        form.decision.data = bid.status.value
        form.reason.data = bid.screening_reason
    return _bid_page(bid, form)


@bp.post("/staff/bids/<int:bid_id>")
@role_required(Role.STAFF)
def screen(bid_id: int) -> str | Response:
    bid = _sent_bid_or_404(bid_id)
    form = ScreeningForm()
    if form.validate():
        was_screened = bid.status in (BidStatus.ELIGIBLE, BidStatus.INELIGIBLE)
        try:
            screen_bid(
                db.session,
                bid=bid,
                eligible=form.decision.data == "eligible",
                reason=form.reason.data or "",
                actor=current_user._get_current_object(),
            )
        except ScreeningError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(exc.message)
        else:
            outcome = "eligible" if bid.status == BidStatus.ELIGIBLE else "not eligible"
            reference = bid.reference
            told = (
                "We have emailed the group."
                if recipients(db.session, bid)
                else "The group has no email address, so tell them another way."
            )
            db.session.commit()
            verb = "Screening changed" if was_screened else "Screened"
            flash(f"{verb}: {reference} is marked {outcome}. {told}", "success")
            return redirect(url_for("screening.bid", bid_id=bid_id))
    return _bid_page(bid, form)


@bp.get("/staff/bids/<int:bid_id>/attachment")
@role_required(Role.STAFF)
def attachment(bid_id: int) -> Response:
    bid = _sent_bid_or_404(bid_id)
    file = queries.attachment_with_content(db.session, bid)
    if file is None:
        abort(404)
    response = send_file(
        io.BytesIO(file.content),
        mimetype=file.content_type,
        as_attachment=True,
        download_name=file.filename,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
