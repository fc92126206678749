"""The auditor's export of one funder's whole audit chain, for the offline verifier (verifier/).

One JSON Lines file: a header line, the installation's public key, every event of the funder's chain in order,
every checkpoint with its signature, and every recorded tally run of the funder's rounds with its inputs, so the
verifier can re-hash the chain, check each signature and re-run each tally without us. Each line is an object with
a "type". Events carry ids, never names (see docs/auditors.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import undefer

from grants.audit.chain import chain_head, format_time
from grants.audit.checkpoints import checkpoint_statement
from grants.audit.exports import event_line
from grants.audit.signing import published_key
from grants.database import DbSession
from grants.models import AuditEvent, Checkpoint, Funder, Round, TallyRun, utcnow
from grants.models.audit import genesis_hash

EXPORT_FORMAT = "common-pot-audit-export/1"


def _line(kind: str, body: dict[str, Any]) -> str:
    return json.dumps({"type": kind, **body}, sort_keys=True, ensure_ascii=False)


def export_lines(session: DbSession, funder: Funder) -> Iterator[str]:
    """The export, line by line (a header first); the chain is read in pages, so a long chain is never all in
    memory at once."""
    head_seq, head_hash = chain_head(session, funder.id)
    key = published_key()
    yield _line(
        "export",
        {
            "format": EXPORT_FORMAT,
            "funder_id": funder.id,
            "funder_name": funder.name,
            "chain": funder.id,
            "genesis_hash": genesis_hash(funder.id),
            "head_seq": head_seq,
            "head_hash": head_hash,
            "exported_at": format_time(utcnow()),
        },
    )
    yield _line("public_key", {"key_id": key.key_id, "ed25519_base64": key.base64, "pem": key.pem})
    events = session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.chain == funder.id, AuditEvent.seq <= head_seq)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=1000)
    )
    for event in events:
        yield _line("event", event_line(event))
    round_ids = sa.select(Round.id).where(Round.funder_id == funder.id).scalar_subquery()
    for checkpoint in session.scalars(
        sa.select(Checkpoint).where(Checkpoint.round_id.in_(round_ids)).order_by(Checkpoint.id)
    ):
        statement = checkpoint_statement(checkpoint, funder_id=funder.id)
        yield _line("checkpoint", {"statement": statement, "signature": checkpoint.signature})
    runs = (
        sa.select(TallyRun)
        .where(TallyRun.round_id.in_(round_ids))
        .options(undefer(TallyRun.inputs), undefer(TallyRun.result))  # deferred everywhere else
        .order_by(TallyRun.id)
    )
    for run in session.scalars(runs):
        yield _line(
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


def funder_export_jsonl(session: DbSession, funder: Funder) -> str:
    """The whole export as one text."""
    return "".join(line + "\n" for line in export_lines(session, funder))
