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
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants.database import DbSession
from grants.models import Ballot, Round, Score, VotingMethod
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
    """The plain inputs of one tally, as read from the database (or from a stored run)."""

    settings: RoundSettings
    bids: tuple[BidInput, ...]
    scores: tuple[ScoreInput, ...]
    recusals: tuple[Recusal, ...]
    ballots: tuple[BallotInput, ...]

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
        return run_tally(**self._kwargs())

    def digest(self) -> str:
        return tally_digest(**self._kwargs())

    def as_json(self) -> dict[str, Any]:
        """The inputs exactly as recorded: the canonical document whose digest is stored (plain JSON types)."""
        return canonical_document(prepare(**self._kwargs()))

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
    """Everything the round's tally depends on, read from the database now (five queries)."""
    bids = rules.panel_bids(session, round_)
    eligible = {bid.id for bid in bids}
    scores = session.scalars(
        sa.select(Score).where(Score.round_id == round_.id, Score.bid_id.in_(eligible)).order_by(Score.id)
    ).all()
    recusals = sorted((user, bid_id) for user, bid_id in rules.all_recusals(session, round_.id) if bid_id in eligible)
    ballots: list[BallotInput] = []
    if round_.voting_method != VotingMethod.SCORES:
        ranked = round_.voting_method == VotingMethod.RANKED
        rows = session.scalars(
            sa.select(Ballot)
            .where(Ballot.round_id == round_.id, Ballot.is_current.is_(True))
            .options(selectinload(Ballot.choices))
            .order_by(Ballot.user_id)
        ).all()
        for ballot in rows:
            # A choice of a bid that is no longer with the panel (screened out again) cannot count for anything.
            chosen = tuple(c.bid_id for c in sorted(ballot.choices, key=lambda c: c.position) if c.bid_id in eligible)
            ballots.append(
                BallotInput(
                    panellist_id=ballot.user_id,
                    approvals=() if ranked else chosen,
                    ranking=chosen if ranked else (),
                )
            )
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
        scores=tuple(
            ScoreInput(panellist_id=s.user_id, bid_id=s.bid_id, criterion_id=s.criterion_id, value=s.value)
            for s in scores
        ),
        recusals=tuple(Recusal(panellist_id=user_id, bid_id=bid_id) for user_id, bid_id in recusals),
        ballots=tuple(ballots),
    )
