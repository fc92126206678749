"""Making a funder's 360Giving files from the database."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from grants.database import DbSession
from grants.models import Funder, Round
from grants.transparency import queries
from grants.transparency.threesixty import ExportError, FunderData, build_package, to_csv

FORMATS = ("json", "csv")

__all__ = ["FORMATS", "ExportError", "export_360giving"]


def export_360giving(
    session: DbSession,
    funder: Funder,
    *,
    fmt: str,
    now: datetime,
    funder_url: str,
    round_url: Callable[[int], str],
    round_: Round | None = None,
) -> str:
    """The funder's accepted awards (of one round, or all) as 360Giving JSON or CSV text. Raises ExportError.

    The caller gives the public pages' addresses (the funder's page, and each round's by its id)."""
    if fmt not in FORMATS:
        raise ExportError(f"Unknown format {fmt!r}: choose json or csv.")
    awards = queries.published_awards(session, funder, round_id=round_.id if round_ is not None else None)
    grants = [queries.grant_data(a, round_url=round_url(a.round_id)) for a in awards]
    funder_data = FunderData(name=funder.name, prefix=funder.grant_id_prefix or "", page_url=funder_url)
    package = build_package(funder_data, grants, issued=now, round_code=round_.code if round_ is not None else None)
    if fmt == "csv":
        return to_csv(package)
    return json.dumps(package, indent=2, ensure_ascii=False) + "\n"
