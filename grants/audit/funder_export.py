"""The auditor's export of one funder's whole audit chain, for the offline verifier (verifier/).

One JSON Lines file: a header line, the installation's public key, every event of the funder's chain in order,
every checkpoint with its signature, and every recorded tally run of the funder's rounds with its inputs, so the
verifier can re-hash the chain, check each signature and re-run each tally without us. Each line is an object with
a "type". Events carry ids, never names (see docs/auditors.md).

The export is written as it is read: the chain a page of plain rows at a time, each tally run on its own, so its
size on disk (hundreds of megabytes for a million events) is never its size in memory. It holds the chain up to
the head in its header, and only the checkpoints and tally runs recorded by then, however many are recorded while
it is written, so the offline verifier finds it whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import undefer

from grants.audit.chain import chain_head, format_time
from grants.audit.checkpoints import checkpoint_statement
from grants.audit.exports import json_line, row_json_line
from grants.audit.signing import published_key, retired_published_keys
from grants.audit.walk import chain_rows
from grants.database import DbSession
from grants.models import Checkpoint, Funder, Round, TallyRun, utcnow
from grants.models.audit import genesis_hash

EXPORT_FORMAT = "common-pot-audit-export/1"


def _line(kind: str, body: dict[str, Any]) -> str:
    return json_line({"type": kind, **body}) + "\n"


def export_chunks(session: DbSession, funder: Funder) -> Iterator[str]:
    """The export, a few whole lines at a time (a header first); the chain is read in pages, so a long chain is
    never all in memory at once. The head is taken now; the rest is read as the chunks are asked for, from plain
    values only (a streamed response is sent after the request's session has ended)."""
    funder_id = funder.id
    head_seq, head_hash = chain_head(session, funder_id)
    # What was recorded by the time of the head: later checkpoints and runs are for the next export.
    last_checkpoint = session.scalar(sa.select(sa.func.max(Checkpoint.id))) or 0
    last_run = session.scalar(sa.select(sa.func.max(TallyRun.id))) or 0
    key = published_key()
    header = _line(
        "export",
        {
            "format": EXPORT_FORMAT,
            "funder_id": funder_id,
            "funder_name": funder.name,
            "chain": funder_id,
            "genesis_hash": genesis_hash(funder_id),
            "head_seq": head_seq,
            "head_hash": head_hash,
            "exported_at": format_time(utcnow()),
        },
    )
    header += _line("public_key", {"key_id": key.key_id, "ed25519_base64": key.base64, "pem": key.pem})
    for retired in retired_published_keys():  # keys that signed earlier checkpoints, before a rotation
        header += _line(
            "retired_public_key", {"key_id": retired.key_id, "ed25519_base64": retired.base64, "pem": retired.pem}
        )

    # Each chunk is whole: nothing read from the database is kept from one chunk to the next (a download makes
    # each chunk in a session of its own).
    def chunks() -> Iterator[str]:
        yield header
        for page in chain_rows(session, funder_id, upto=head_seq):
            yield "".join(row_json_line(session, funder_id, row, kind="event") + "\n" for row in page)
        round_ids = sa.select(Round.id).where(Round.funder_id == funder_id).scalar_subquery()
        checkpoints = session.scalars(
            sa.select(Checkpoint)
            .where(Checkpoint.round_id.in_(round_ids), Checkpoint.id <= last_checkpoint)
            .order_by(Checkpoint.id)
        )
        yield "".join(
            _line(
                "checkpoint",
                {"statement": checkpoint_statement(c, funder_id=funder_id), "signature": c.signature},
            )
            for c in checkpoints
        )
        runs = sa.select(TallyRun.id).where(TallyRun.round_id.in_(round_ids), TallyRun.id <= last_run)
        for run_id in list(session.scalars(runs.order_by(TallyRun.id))):
            # One at a time: a large round's inputs are megabytes (and deferred everywhere else).
            run = session.get_one(TallyRun, run_id, options=[undefer(TallyRun.inputs), undefer(TallyRun.result)])
            line = _line(
                "tally_run",
                {
                    "tally_run_id": run.id,
                    "round_id": run.round_id,
                    "kind": run.kind,
                    "algorithm_version": run.algorithm_version,
                    "digest": run.digest,
                    "inputs": run.inputs,
                    "funded_ids": list(run.result.get("funded_ids", [])),
                },
            )
            session.expunge(run)
            yield line

    return chunks()


def funder_export_jsonl(session: DbSession, funder: Funder) -> str:
    """The whole export as one text (for a small chain; the download streams `export_chunks`)."""
    return "".join(export_chunks(session, funder))
