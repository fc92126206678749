"""Reading a round's tally inputs from the database, as the pure tally's plain data.

`tally_inputs(session, round_)` reads everything the tally depends on in a fixed number of queries: the round's
settings, its eligible bids, every score of those bids, the recusals and the current ballots. A recused
panellist's scores and ballot entries are read like any other; the tally itself drops them, so the recorded
inputs show exactly what was in the database.

`TallyInputs.as_json()` is the canonical document the digest is computed over (see `grants.tally.digest`), so
the SHA-256 of its RFC 8785 form is the digest stored beside it: an auditor can re-hash the stored inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from itertools import starmap
from typing import Any

import sqlalchemy as sa

from grants.database import DbSession
from grants.models import Ballot, BallotChoice, Bid, BidStatus, Round, Score, VotingMethod
from grants.panel import rules
from grants.tally import (
    BallotInput,
    BidInput,
    Criterion,
    Recusal,
    RoundSettings,
    ScoreInput,
    TallyResult,
    run_tally,
    tally_digest,
)
from grants.tally.digest import canonical_document
from grants.tally.document import inputs_from_document
from grants.tally.inputs import prepare


@dataclass(frozen=True)
class TallyInputs:
    """The plain inputs of one tally, as read from the database (or from a stored run).

    The tally's result and the recorded document of the same inputs are worked out once and kept: ratifying with
    no departure records the panel's inputs twice and re-runs nothing (`without(())` is these very inputs).
    """

    settings: RoundSettings
    bids: tuple[BidInput, ...]
    scores: tuple[ScoreInput, ...]
    recusals: tuple[Recusal, ...]
    ballots: tuple[BallotInput, ...]
    _kept: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def _kwargs(self) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "bids": self.bids,
            "scores": self.scores,
            "recusals": self.recusals,
            "ballots": self.ballots,
        }

    def run(self) -> TallyResult:
        """Run the tally on these inputs (raises TallyInputError as the tally does)."""
        if "result" not in self._kept:
            self._kept["result"] = run_tally(**self._kwargs())
        result: TallyResult = self._kept["result"]
        return result

    def digest(self) -> str:
        if "result" in self._kept:
            return str(self._kept["result"].digest)  # the tally's own digest of these same inputs
        return tally_digest(**self._kwargs())

    def as_json(self) -> dict[str, Any]:
        """The inputs exactly as recorded: the canonical document whose digest is stored (plain JSON types; the same
        document each time, so do not change it)."""
        if "json" not in self._kept:
            self._kept["json"] = canonical_document(prepare(**self._kwargs()))
        document: dict[str, Any] = self._kept["json"]
        return document

    @property
    def bid_ids(self) -> tuple[int, ...]:
        return tuple(bid.id for bid in self.bids)

    def without(self, bid_ids: Iterable[int]) -> TallyInputs:
        """These inputs with some bids taken out altogether (a departure): their scores, recusals and ballot
        entries go too, so a ranking closes up and the walk runs as if the bids had never been there."""
        gone = frozenset(bid_ids)
        if not gone:
            return self
        return replace(
            self,
            bids=tuple(b for b in self.bids if b.id not in gone),
            scores=tuple(s for s in self.scores if s.bid_id not in gone),
            recusals=tuple(r for r in self.recusals if r.bid_id not in gone),
            ballots=tuple(
                BallotInput(
                    panellist_id=b.panellist_id,
                    approvals=tuple(i for i in b.approvals if i not in gone),
                    ranking=tuple(i for i in b.ranking if i not in gone),
                )
                for b in self.ballots
            ),
        )

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> TallyInputs:
        """Inputs from a stored run's `inputs` document (the inverse of `as_json`)."""
        return cls(**inputs_from_document(document))


def round_settings(round_: Round) -> RoundSettings:
    """The round's settings the tally depends on."""
    return RoundSettings(
        budget_pence=round_.budget_pence,
        method=round_.voting_method.value,
        criteria=tuple(Criterion(id=c.id, weight=c.weight) for c in round_.criteria),
        approval_limit=round_.approval_limit,
        ranked_limit=round_.ranked_limit,
        quorum=round_.quorum,
    )


def tally_inputs(session: DbSession, round_: Round) -> TallyInputs:
    """Everything the round's tally depends on, read from the database now: plain rows (never an object per
    score), in seven queries whatever the size of the round."""
    eligible = (Bid.round_id == round_.id) & (Bid.status == BidStatus.ELIGIBLE)
    bids = session.execute(
        sa.select(Bid.id, Bid.amount_pence, Bid.submitted_at).where(eligible).order_by(Bid.number)
    ).all()
    eligible_ids = {bid.id for bid in bids}
    # Through the connection, not the ORM: a large round has hundreds of thousands of scores, and plain rows
    # made into the tally's own inputs positionally are several times quicker.
    scores = session.connection().execute(
        sa.select(Score.user_id, Score.bid_id, Score.criterion_id, Score.value)
        .join(Bid, Bid.id == Score.bid_id)
        .where(Score.round_id == round_.id, eligible)
        .order_by(Score.id)
    )
    recusals = sorted(
        (user, bid_id) for user, bid_id in rules.all_recusals(session, round_.id) if bid_id in eligible_ids
    )
    ballots: list[BallotInput] = []
    if round_.voting_method != VotingMethod.SCORES:
        ranked = round_.voting_method == VotingMethod.RANKED
        current = (Ballot.round_id == round_.id) & Ballot.is_current.is_(True)
        voters = session.scalars(sa.select(Ballot.user_id).where(current).order_by(Ballot.user_id))
        chosen: dict[int, list[int]] = {user_id: [] for user_id in voters}
        for user_id, bid_id in session.execute(
            sa.select(Ballot.user_id, BallotChoice.bid_id)
            .join(BallotChoice, BallotChoice.ballot_id == Ballot.id)
            .where(current)
            .order_by(Ballot.user_id, BallotChoice.position)
        ):
            # A choice of a bid that is no longer with the panel (screened out again) cannot count for anything.
            if bid_id in eligible_ids:
                chosen[user_id].append(bid_id)
        ballots = [
            BallotInput(
                panellist_id=user_id,
                approvals=() if ranked else tuple(bid_ids),
                ranking=tuple(bid_ids) if ranked else (),
            )
            for user_id, bid_ids in chosen.items()
        ]
    return TallyInputs(
        settings=round_settings(round_),
        bids=tuple(
            BidInput(
                id=bid.id,
                # An eligible bid always has an amount and a submission time; the tally refuses one that does not.
                amount_pence=bid.amount_pence if bid.amount_pence is not None else 0,
                submitted_at=bid.submitted_at if bid.submitted_at is not None else "",
            )
            for bid in bids
        ),
        scores=tuple(starmap(ScoreInput, scores)),  # (panellist_id, bid_id, criterion_id, value)
        recusals=tuple(Recusal(panellist_id=user_id, bid_id=bid_id) for user_id, bid_id in recusals),
        ballots=tuple(ballots),
    )
