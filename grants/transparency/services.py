"""Making a funder's 360Giving files from the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from grants.database import DbSession
from grants.models import Funder, Round
from grants.transparency import queries
from grants.transparency.threesixty import ExportError, FunderData, build_package, csv_chunks, json_chunks

FORMATS = ("json", "csv")

__all__ = ["FORMATS", "ExportError", "export_360giving", "stream_360giving"]


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
    return "".join(
        stream_360giving(session, funder, fmt=fmt, now=now, funder_url=funder_url, round_url=round_url, round_=round_)
    )


def stream_360giving(
    session: DbSession,
    funder: Funder,
    *,
    fmt: str,
    now: datetime,
    funder_url: str,
    round_url: Callable[[int], str],
    round_: Round | None = None,
) -> Iterator[str]:
    """`export_360giving` as pieces of text for a download that streams. Everything is read from the database, and
    any ExportError raised, before this returns: the pieces are only the package written out."""
    if fmt not in FORMATS:
        raise ExportError(f"Unknown format {fmt!r}: choose json or csv.")
    grants = queries.published_grants(
        session, funder, round_id=round_.id if round_ is not None else None, round_url=round_url
    )
    funder_data = FunderData(name=funder.name, prefix=funder.grant_id_prefix or "", page_url=funder_url)
    package = build_package(funder_data, grants, issued=now, round_code=round_.code if round_ is not None else None)
    return csv_chunks(package) if fmt == "csv" else json_chunks(package)
