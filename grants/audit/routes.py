"""The auditor's pages: decision trails, round audits, re-running tallies, exports.

Auditors read only: every route is a GET except re-running a tally, which changes nothing but logs the check.
Staff of the round's funder may read the round's audit and trails too (panellists are named for auditors only);
the exports, which name panellists, are for auditors.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, abort, render_template

from grants.audit import bp, checkpoints, exports, funder_export, trail
from grants.auth.permissions import (
    AUDIT_READERS,
    any_role_required,
    can_export_audit,
    can_export_funder_chain,
    can_read_bid_trail,
    can_read_round,
    current_person,
    is_auditor_of,
    load_or_404,
)
from grants.database import DbSession
from grants.decisions import pabulib
from grants.domain import DomainError
from grants.extensions import db
from grants.models import Bid, Funder, Role, Round


def _export_round(round_id: int) -> Round:
    """A round whose exports the signed-in auditor may take; staff of its funder get 403, others 404."""
    round_ = load_or_404(Round, round_id, can_read_round)
    if not can_export_audit(current_person(), round_):
        abort(403)  # theirs to read, but the exports name panellists
    return round_


def _round_page(round_: Round, rerun: trail.RerunResult | None = None) -> str:
    return render_template(
        "audit/round.html",
        audit=trail.round_audit(db.session, round_),
        checkpoints=checkpoints.round_checkpoints(db.session, round_.id),
        milestone_words=checkpoints.MILESTONE_WORDS,
        summary=trail.inputs_summary,
        rerun=rerun,
        is_auditor=is_auditor_of(current_person(), round_.funder_id),
        pabulib=pabulib.has_approval_ballots(round_),
    )


@bp.get("/audit/rounds/<int:round_id>", endpoint="round")
@any_role_required(*AUDIT_READERS)
def round_page(round_id: int) -> str:
    return _round_page(load_or_404(Round, round_id, can_read_round))


@bp.post("/audit/rounds/<int:round_id>/rerun")
@any_role_required(*AUDIT_READERS)
def rerun(round_id: int) -> str:
    round_ = load_or_404(Round, round_id, can_read_round)
    me = current_person()
    role = Role.AUDITOR if is_auditor_of(me, round_.funder_id) else Role.STAFF
    result = trail.rerun_tally(db.session, round_=round_, actor=me, role=role.value)
    return _round_page(round_, rerun=result)


@bp.get("/audit/bids/<int:bid_id>", endpoint="trail")
@any_role_required(*AUDIT_READERS)
def trail_page(bid_id: int) -> str:
    bid = load_or_404(Bid, bid_id, can_read_bid_trail)
    auditor = is_auditor_of(current_person(), bid.round.funder_id)
    return render_template(
        "audit/trail.html",
        bid=bid,
        round=bid.round,
        rows=trail.bid_trail(db.session, bid, name_panellists=auditor),
        is_auditor=auditor,
    )


def _export(round_id: int, make: Callable[[DbSession, Round], str], mimetype: str, name: str) -> Response:
    """A download of the round's audit, never cached: `name` follows the round's code in the file's name."""
    round_ = _export_round(round_id)
    return _download(make(db.session, round_), mimetype, f"{round_.code.lower()}-{name}")


def _download(body: str, mimetype: str, filename: str) -> Response:
    """A file to save, never cached."""
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.get("/audit/rounds/<int:round_id>/trail.csv")
@any_role_required(*AUDIT_READERS)
def trail_csv(round_id: int) -> Response:
    return _export(round_id, exports.round_trail_csv, "text/csv", "decision-trail.csv")


@bp.get("/audit/rounds/<int:round_id>/log.jsonl")
@any_role_required(*AUDIT_READERS)
def log_jsonl(round_id: int) -> Response:
    return _export(round_id, exports.round_log_jsonl, "application/jsonl", "audit-log.jsonl")


@bp.get("/audit/funders/<int:funder_id>/export.jsonl")
@any_role_required(*AUDIT_READERS)
def funder_export_jsonl(funder_id: int) -> Response:
    """The funder's whole chain, checkpoints, public key and tally inputs, for the offline verifier."""
    funder = load_or_404(Funder, funder_id, can_export_funder_chain)
    body = funder_export.funder_export_jsonl(db.session, funder)
    return _download(body, "application/jsonl", f"{funder.slug}-audit-export.jsonl")


@bp.get("/audit/rounds/<int:round_id>/ballots.pb")
@any_role_required(*AUDIT_READERS)
def pabulib_ballots(round_id: int) -> Response:
    """The decided round's approval ballots as a pabulib file, to count again with pabutools or equalshares.net.
    Not public: a panel is small, so even numbered ballots could show how a known panellist voted."""
    round_ = load_or_404(Round, round_id, can_read_round)
    try:
        body = pabulib.round_pabulib(db.session, round_)
    except DomainError:
        abort(404)  # not decided, or not approval ballots: there is no such file
    return _download(body, "text/plain", f"{round_.code.lower()}-ballots.pb")
