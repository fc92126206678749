"""The pure tally: plain data in, plain data out, no Flask and no database.

    result = run_tally(settings=..., bids=..., scores=..., recusals=..., ballots=...)

See `run.py` for the walk, `equal_shares.py` for the Method of Equal Shares, `figures.py` and `methods.py` for the
figures, the ranking and the tie-breaks, `digest.py` for the digest stored with a result.
"""

from grants.money import format_pounds
from grants.tally.digest import ALGORITHM_VERSION, canonical_json, tally_digest
from grants.tally.inputs import (
    BallotInput,
    BidInput,
    Criterion,
    Method,
    Recusal,
    RoundSettings,
    ScoreInput,
    TallyInputError,
)
from grants.tally.result import BidResult, Flag, FundedBy, Outcome, TallyResult, format_score
from grants.tally.run import run_tally

__all__ = [
    "ALGORITHM_VERSION",
    "BallotInput",
    "BidInput",
    "BidResult",
    "Criterion",
    "Flag",
    "FundedBy",
    "Method",
    "Outcome",
    "Recusal",
    "RoundSettings",
    "ScoreInput",
    "TallyInputError",
    "TallyResult",
    "canonical_json",
    "format_pounds",
    "format_score",
    "run_tally",
    "tally_digest",
]
