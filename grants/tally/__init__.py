"""The pure tally: plain data in, plain data out, no Flask, no database and nothing else of the app.

    result = run_tally(settings=..., bids=..., scores=..., recusals=..., ballots=...)

See `run.py` for the walk, `equal_shares.py` for the Method of Equal Shares, `figures.py` and `methods.py` for the
figures, the ranking and the tie-breaks, `explanation.py` for the steps that say how the result came about,
`digest.py` for the digest stored with a result. The result is numbers and structure: it names bids by id and
money in pennies, and `grants.decisions.wording` puts it in words.
"""

from grants.tally.digest import ALGORITHM_VERSION, canonical_json, tally_digest
from grants.tally.document import TallyArguments, inputs_from_document
from grants.tally.explanation import (
    STEP_KINDS,
    BoughtByEqualShares,
    BudgetUsed,
    CompletionStarts,
    EqualSharesStarts,
    Funded,
    Skipped,
    Step,
    WalkStarts,
)
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
    "STEP_KINDS",
    "BallotInput",
    "BidInput",
    "BidResult",
    "BoughtByEqualShares",
    "BudgetUsed",
    "CompletionStarts",
    "Criterion",
    "EqualSharesStarts",
    "Flag",
    "Funded",
    "FundedBy",
    "Method",
    "Outcome",
    "Recusal",
    "RoundSettings",
    "ScoreInput",
    "Skipped",
    "Step",
    "TallyArguments",
    "TallyInputError",
    "TallyResult",
    "WalkStarts",
    "canonical_json",
    "format_score",
    "inputs_from_document",
    "run_tally",
    "tally_digest",
]
