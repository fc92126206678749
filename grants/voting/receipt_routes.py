"""The round's receipt codes, and checking one: for its panellists, and its funder's staff and auditors."""

from __future__ import annotations

from flask import render_template, request, url_for

from grants.auth.permissions import (
    any_role_required,
    can_manage_round,
    can_read_receipts,
    current_person,
    load_or_404,
    sits_on_panel,
)
from grants.extensions import db
from grants.models import Role, Round
from grants.voting import bp, queries
from grants.voting.forms import CheckReceiptForm


def _back_link(round_: Round) -> dict[str, str]:
    me = current_person()
    if sits_on_panel(me, round_):
        return {"text": "Your vote", "href": url_for("voting.ballot", round_id=round_.id)}
    if can_manage_round(me, round_):
        return {"text": round_.title, "href": url_for("rounds.overview", round_id=round_.id)}
    return {"text": "Audit", "href": url_for("home.auditor")}


@bp.route("/rounds/<int:round_id>/receipts", methods=["GET", "POST"])
@any_role_required(Role.PANELLIST, Role.STAFF, Role.AUDITOR)
def receipts(round_id: int) -> str:
    round_ = load_or_404(Round, round_id, can_read_receipts)
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
        back=_back_link(round_),
    )
