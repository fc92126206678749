"""The auditor's pages: decision trails, round audits, re-running tallies, exports.

Auditors read only: every route is a GET except re-running a tally, which changes nothing but logs the check.
Staff of the round's funder may read the round's audit and trails too (panellists are named for auditors only);
the exports, which name panellists, are for auditors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Response, abort, current_app, render_template, request, url_for

from grants.audit import bp, checkpoints, exports, funder_export, trail, verification
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


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _pagination(page: int, pages: int, href: Callable[[int], str], label: str) -> dict[str, Any] | None:
    """Parameters for the GOV.UK pagination component: first, last, and the pages either side of this one."""
    if pages <= 1:
        return None
    shown = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    items: list[dict[str, Any]] = []
    for i, number in enumerate(shown):
        if i and number - shown[i - 1] > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == page})
    params: dict[str, Any] = {"items": items, "landmarkLabel": label}
    if page > 1:
        params["previous"] = {"href": href(page - 1)}
    if page < pages:
        params["next"] = {"href": href(page + 1)}
    return params


def _round_page(round_: Round, rerun: trail.RerunResult | None = None, page: int = 1) -> str:
    audit = trail.round_audit(db.session, round_, page=page)
    return render_template(
        "audit/round.html",
        audit=audit,
        pagination=_pagination(
            audit.page, audit.pages, lambda n: url_for("audit.round", round_id=round_.id, page=n), "Pages of bids"
        ),
        checkpoints=checkpoints.round_checkpoints(db.session, round_.id),
        milestone_words=checkpoints.MILESTONE_WORDS,
        page_limit=verification.PAGE_LIMIT,
        rerun=rerun,
        is_auditor=is_auditor_of(current_person(), round_.funder_id),
        pabulib=pabulib.has_approval_ballots(round_),
    )


@bp.get("/audit/rounds/<int:round_id>", endpoint="round")
@any_role_required(*AUDIT_READERS)
def round_page(round_id: int) -> str:
    return _round_page(load_or_404(Round, round_id, can_read_round), page=_page_number())


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
    found = trail.bid_trail(db.session, bid, name_panellists=auditor, page=_page_number())
    return render_template(
        "audit/trail.html",
        bid=bid,
        round=bid.round,
        trail=found,
        rows=found.rows,
        pagination=_pagination(
            found.page, found.pages, lambda n: url_for("audit.trail", bid_id=bid.id, page=n), "Pages of the trail"
        ),
        is_auditor=auditor,
    )


def _export(round_id: int, make: Callable[[DbSession, Round], Iterator[str]], mimetype: str, name: str) -> Response:
    """A download of the round's audit, never cached, written as it is read: `name` follows the round's code in
    the file's name."""
    round_ = _export_round(round_id)
    return _download(make(db.session, round_), mimetype, f"{round_.code.lower()}-{name}")


def _streamed(chunks: Iterable[str]) -> Iterator[str]:
    """Chunks made as the server sends them, after the request has ended. Each is made in an app context of its
    own (so in a database session and transaction of its own), entered and left around that chunk alone: nothing
    is held open between two chunks, so a download abandoned half way leaves nothing behind."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    source = iter(chunks)

    def stream() -> Iterator[str]:
        while True:
            with app.app_context():
                chunk = next(source, None)
            if chunk is None:
                return
            yield chunk

    return stream()


def _download(body: str | Iterable[str], mimetype: str, filename: str) -> Response:
    """A file to save, never cached. A body given as chunks is streamed: sent as it is made, never all in
    memory."""
    if not isinstance(body, str):
        body = _streamed(body)
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
    body = funder_export.export_chunks(db.session, funder)
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
