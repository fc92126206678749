"""Public pages per funder and the 360Giving downloads."""

from __future__ import annotations

from flask import Response, abort, render_template

from grants.audit.signing import published_key, retired_published_keys
from grants.extensions import db
from grants.models import Funder, utcnow
from grants.transparency import bp, queries
from grants.transparency.links import public_links
from grants.transparency.services import ExportError, stream_360giving

_MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


def _funder(slug: str) -> Funder:
    """The funder a public address names (every funder's page is public: there is no rule but that it exists)."""
    return queries.funder_by_slug(db.session, slug) or abort(404)


@bp.get("/funders/<slug>")
def funder(slug: str) -> str:
    """What a funder's rounds funded, how the decisions were made, and the stories groups chose to share."""
    page = queries.funder_page(db.session, _funder(slug))
    return render_template(
        "transparency/funder.html",
        page=page,
        can_download=bool(page.funder.grant_id_prefix),
        signing_key=published_key(),
        retired_keys=retired_published_keys(),
    )


@bp.get("/funders/<slug>/audit-key.pem")
def audit_key(slug: str) -> Response:
    """The public key that checks the signatures of this funder's published checkpoints."""
    funder_ = _funder(slug)
    response = Response(published_key().pem, mimetype="application/x-pem-file")
    response.headers["Content-Disposition"] = f'attachment; filename="{funder_.slug}-audit-key.pem"'
    return response


@bp.get("/funders/<slug>/360giving.<any(json, csv):fmt>")
def download(slug: str, fmt: str) -> Response:
    """The funder's accepted awards as 360Giving open data."""
    funder_ = _funder(slug)
    try:
        pieces = stream_360giving(db.session, funder_, fmt=fmt, now=utcnow(), **public_links(funder_))
    except ExportError:
        abort(404)  # nothing to publish yet (or no 360Giving prefix): there is no such file
    # Everything was read before the first piece: the pieces only write the package out, a piece at a time.
    response = Response(pieces, mimetype=_MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{funder_.slug}-360giving.{fmt}"'
    return response
