"""The auditor's pages: decision trails, round audits, re-running tallies, exports.

Auditors read only: every route is a GET except re-running a tally, which changes nothing but logs the check.
Staff of the round's funder may read the round's audit and trails too (panellists are named for auditors only);
the exports, which name panellists, are for auditors.
"""

from __future__ import annotations

from flask import Response, abort, render_template
from flask_login import current_user, login_required

from grants.audit import bp, checkpoints, exports, trail
from grants.auth.permissions import can_read_round, has_role, is_auditor_of, load_or_404
from grants.extensions import db
from grants.models import Bid, Checkpoint, Role, Round

READER_ROLES = (Role.AUDITOR, Role.STAFF)


def _readable_round(round_id: int) -> Round:
    """A round the signed-in auditor or staff member may audit; 403 without either role, 404 if not theirs."""
    if not any(has_role(current_user, role) for role in READER_ROLES):
        abort(403)
    return load_or_404(Round, round_id, can_read_round)


def _auditor_round(round_id: int) -> Round:
    """A round of the signed-in auditor's funder, for the exports; staff of its funder get 403, others 404."""
    round_ = _readable_round(round_id)
    if not is_auditor_of(current_user, round_.funder_id):
        abort(403)
    return round_


def _round_page(round_: Round, rerun: trail.RerunResult | None = None) -> str:
    return render_template(
        "audit/round.html",
        audit=trail.round_audit(db.session, round_),
        checkpoints=checkpoints.round_checkpoints(db.session, round_.id),
        milestone_words=checkpoints.MILESTONE_WORDS,
        summary=trail.inputs_summary,
        rerun=rerun,
        is_auditor=is_auditor_of(current_user, round_.funder_id),
    )


@bp.get("/audit/rounds/<int:round_id>", endpoint="round")
@login_required
def round_page(round_id: int) -> str:
    return _round_page(_readable_round(round_id))


@bp.post("/audit/rounds/<int:round_id>/rerun")
@login_required
def rerun(round_id: int) -> str:
    round_ = _readable_round(round_id)
    role = Role.AUDITOR if is_auditor_of(current_user, round_.funder_id) else Role.STAFF
    result = trail.rerun_tally(db.session, round_=round_, actor=current_user._get_current_object(), role=role.value)
    db.session.commit()
    return _round_page(round_, rerun=result)


@bp.get("/audit/bids/<int:bid_id>", endpoint="trail")
@login_required
def trail_page(bid_id: int) -> str:
    if not any(has_role(current_user, role) for role in READER_ROLES):
        abort(403)
    bid = db.session.get(Bid, bid_id)
    if bid is None:
        abort(404)
    round_ = load_or_404(Round, bid.round_id, can_read_round)
    auditor = is_auditor_of(current_user, round_.funder_id)
    return render_template(
        "audit/trail.html",
        bid=bid,
        round=round_,
        rows=trail.bid_trail(db.session, bid, name_panellists=auditor),
        is_auditor=auditor,
    )


def _attachment(body: str, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.get("/audit/rounds/<int:round_id>/trail.csv")
@login_required
def trail_csv(round_id: int) -> Response:
    round_ = _auditor_round(round_id)
    body = exports.round_trail_csv(db.session, round_)
    return _attachment(body, "text/csv", f"{round_.code.lower()}-decision-trail.csv")


@bp.get("/audit/rounds/<int:round_id>/log.jsonl")
@login_required
def log_jsonl(round_id: int) -> Response:
    round_ = _auditor_round(round_id)
    body = exports.round_log_jsonl(db.session, round_)
    return _attachment(body, "application/jsonl", f"{round_.code.lower()}-audit-log.jsonl")


@bp.app_template_global()
def round_checkpoints(round_id: int) -> list[Checkpoint]:
    """The round's published checkpoints of the audit chain, for its public page."""
    return checkpoints.round_checkpoints(db.session, round_id)
