"""The integrity pages: read only, for the funder's auditors and staff."""

from __future__ import annotations

from flask import render_template

from grants.auth.permissions import (
    AUDIT_READERS,
    any_role_required,
    can_read_integrity,
    can_read_round,
    load_or_404,
)
from grants.extensions import db
from grants.integrity import bp, queries
from grants.models import Funder, Round


@bp.get("/audit/funders/<int:funder_id>/integrity")
@any_role_required(*AUDIT_READERS)
def flags(funder_id: int) -> str:
    """Every event of the funder's decisions an auditor should look at, from the audit registry's flags."""
    funder = load_or_404(Funder, funder_id, can_read_integrity)
    return render_template("integrity/flags.html", funder=funder, flags=queries.funder_flags(db.session, funder))


@bp.get("/audit/rounds/<int:round_id>/paper-ballots")
@any_role_required(*AUDIT_READERS)
def paper_ballots(round_id: int) -> str:
    """Every paper ballot of the round: who recorded it, for whom, when, and what it replaced."""
    round_ = load_or_404(Round, round_id, can_read_round)
    return render_template(
        "integrity/paper_ballots.html", round=round_, ballots=queries.paper_ballots(db.session, round_)
    )
