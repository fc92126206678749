"""The tally's digest: SHA-256 of the RFC 8785 canonical JSON of the recorded inputs and the algorithm's version.

Every list is sorted (and a ballot's approvals too: their order means nothing), so the order the inputs come in
never changes the digest; a ranking keeps its order, which is its meaning. Times are written in UTC with
microseconds ('2026-03-01T09:30:00.000000Z') whatever form they came in.

The canonical JSON is written straight from the inputs, a row at a time (`canonical.py`), rather than by building
the document and walking it with a general RFC 8785 encoder: the bytes are the same, which a property test checks
against the `rfc8785` library, and anything the fast writer is not sure of goes to the library.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import rfc8785

from grants.tally.canonical import fast_canonical_json
from grants.tally.inputs import BallotInput, BidInput, Method, Prepared, Recusal, RoundSettings, ScoreInput, prepare

# Change this whenever a change to the tally could change any result: a stored digest then no longer matches a
# re-run under the new version, which is the point.
ALGORITHM_VERSION = "commonpot-tally/1"

LIMITED_BY_K = (Method.APPROVAL, Method.EQUAL_SHARES)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def canonical_settings(prepared: Prepared) -> dict[str, Any]:
    settings = prepared.settings
    return {
        "budget_pence": settings.budget_pence,
        "method": prepared.method.value,
        # a limit the method does not use is left out (null), so it cannot change the digest
        "approval_limit": settings.approval_limit if prepared.method in LIMITED_BY_K else None,
        "ranked_limit": settings.ranked_limit if prepared.method is Method.RANKED else None,
        "quorum": settings.quorum,
        "criteria": [{"id": cid, "weight": weight} for cid, weight in sorted(prepared.weights.items())],
    }


def canonical_document(prepared: Prepared) -> dict[str, Any]:
    """The inputs as the JSON-ready document that is hashed."""
    return {
        "algorithm": ALGORITHM_VERSION,
        "settings": canonical_settings(prepared),
        "bids": [
            {"id": bid.id, "amount_pence": bid.amount_pence, "submitted_at": bid.submitted_at.strftime(TIME_FORMAT)}
            for bid in sorted(prepared.bids.values(), key=lambda b: b.id)
        ],
        "scores": [
            {"panellist_id": s.panellist_id, "bid_id": s.bid_id, "criterion_id": s.criterion_id, "value": s.value}
            for s in sorted(prepared.raw_scores, key=lambda s: (s.panellist_id, s.bid_id, s.criterion_id))
        ],
        "recusals": [
            {"panellist_id": r.panellist_id, "bid_id": r.bid_id}
            for r in sorted(prepared.raw_recusals, key=lambda r: (r.panellist_id, r.bid_id))
        ],
        "ballots": [
            {"panellist_id": b.panellist_id, "approvals": sorted(b.approvals), "ranking": list(b.ranking)}
            for b in sorted(prepared.raw_ballots, key=lambda b: b.panellist_id)
        ],
    }


def canonical_json(prepared: Prepared) -> bytes:
    """The canonical JSON (RFC 8785) of the inputs: what an auditor keeps to re-run and re-hash the tally."""
    try:
        settings = rfc8785.dumps(canonical_settings(prepared))
    except rfc8785.CanonicalizationError:
        fast = None  # the library then refuses the whole document, naming the first bad value as it always did
    else:
        fast = fast_canonical_json(prepared, algorithm=ALGORITHM_VERSION, settings=settings, time_format=TIME_FORMAT)
    return fast if fast is not None else rfc8785.dumps(canonical_document(prepared))


def digest_prepared(prepared: Prepared) -> str:
    return hashlib.sha256(canonical_json(prepared)).hexdigest()


def tally_digest(
    *,
    settings: RoundSettings,
    bids: Iterable[BidInput],
    scores: Iterable[ScoreInput] = (),
    recusals: Iterable[Recusal] = (),
    ballots: Iterable[BallotInput] = (),
) -> str:
    """SHA-256 (hex) of the canonical JSON of the inputs and ALGORITHM_VERSION; raises TallyInputError as the tally."""
    return digest_prepared(prepare(settings=settings, bids=bids, scores=scores, recusals=recusals, ballots=ballots))
