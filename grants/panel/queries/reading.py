"""What a panellist reads: the conflict question for each bid, the list of bids to score, and one bid as the panel
sees it. Each in a fixed number of queries whatever the size of the round."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, undefer

from grants.bids.queries import AnsweredQuestion, bid_contents
from grants.database import DbSession
from grants.models import Attachment, Bid, BidStatus, BudgetLine, ConflictDeclaration, Round, Score
from grants.paging import Page, page_of
from grants.panel import rules
from grants.panel.queries.progress import my_progress


def _score_counts(session: DbSession, round_: Round, user_id: int) -> dict[int, int]:
    """How many scores this panellist has given each bid of the round, by bid id."""
    return dict(
        session.execute(
            sa.select(Score.bid_id, sa.func.count(Score.id))
            .where(Score.round_id == round_.id, Score.user_id == user_id)
            .group_by(Score.bid_id)
        ).all()
    )


# --- declarations -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclarationRow:
    """One of the panel's bids as the declarations page shows it: only the group's name and the bid's title."""

    bid: Bid
    declaration: ConflictDeclaration | None
    own_group: bool  # recused by the platform itself
    scores_given: int  # the panellist's scores for this bid (excluded if they are recused)

    @property
    def recused(self) -> bool:
        return self.own_group or (self.declaration is not None and self.declaration.recused)

    @property
    def own_group_unrecorded(self) -> bool:
        """Their own group's bid, recused by the rules, that no declaration records yet (one does from their next
        answer, score or ballot): the page tells them, as it would have when it was recorded."""
        return self.own_group and not (self.declaration is not None and self.declaration.by_system)

    @property
    def scores_newly_excluded(self) -> int:
        """The scores this own-group recusal leaves out that their own answer did not already."""
        return 0 if self.declaration is not None and self.declaration.recused else self.scores_given


def declaration_rows(session: DbSession, round_: Round, user_id: int) -> list[DeclarationRow]:
    bids = rules.panel_bids(session, round_, with_groups=True)
    declared = rules.declarations(session, round_.id, user_id)
    own = rules.own_group_bid_ids(session, round_.id, user_id)
    scores = _score_counts(session, round_, user_id)
    return [
        DeclarationRow(
            bid,
            declared.get(bid.id),
            own_group=bid.id in own or bool(declared.get(bid.id) and declared[bid.id].by_system),
            scores_given=scores.get(bid.id, 0),
        )
        for bid in bids
    ]


# --- scoring ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoringRow:
    bid: Bid
    scored: bool


@dataclass(frozen=True)
class ScoringList:
    """One page of the bids a panellist may score, with the counts over all of them."""

    rows: list[ScoringRow]  # this page's: only bids the panellist may score, in reference order
    page: Page  # of the bids they may score
    scored: int  # of all the bids they may score, those scored against every criterion
    recused: int
    next_to_score: Bid | None  # the first bid (in reference order) they have not scored yet

    @property
    def total(self) -> int:
        return self.page.total


def scoring_list(session: DbSession, round_: Round, user_id: int, *, page: int = 1) -> ScoringList:
    """The page `page` of the panel's bids this panellist may score (not recused from), each with whether they have
    scored it, and the counts over every bid: a fixed number of queries whatever the number of bids."""
    mine = my_progress(session, round_, user_id)
    shown = page_of(mine.may_score, page)
    may_score = [Bid.round_id == round_.id, Bid.status == BidStatus.ELIGIBLE, ~rules.recused(user_id)]
    bids = list(
        session.scalars(
            sa.select(Bid)
            .where(*may_score)
            .options(joinedload(Bid.group))
            .order_by(Bid.number)
            .limit(shown.size)
            .offset(shown.offset)
        )
    )
    complete = _fully_scored(round_, user_id)
    scored = set(session.scalars(complete.where(Score.bid_id.in_([bid.id for bid in bids])))) if bids else set()
    next_to_score = session.scalars(
        sa.select(Bid)
        .where(*may_score, Bid.id.not_in(complete))
        .options(joinedload(Bid.group))
        .order_by(Bid.number)
        .limit(1)
    ).first()
    return ScoringList(
        rows=[ScoringRow(bid, bid.id in scored) for bid in bids],
        page=shown,
        scored=mine.scored,
        recused=mine.recused,
        next_to_score=next_to_score,
    )


def _fully_scored(round_: Round, user_id: int) -> sa.Select[Any]:
    """The bids this panellist has scored against every criterion of the round (as a query of bid ids)."""
    criteria = len(round_.criteria)
    return (
        sa.select(Score.bid_id)
        .where(Score.round_id == round_.id, Score.user_id == user_id, sa.true() if criteria else sa.false())
        .group_by(Score.bid_id)
        .having(sa.func.count(Score.id) >= criteria)
    )


@dataclass(frozen=True)
class PanelBid:
    """What the panel reads of a bid: the group's name, area and kind, and everything the group sent, but not the
    group's contact details or its history with the funder's staff."""

    bid: Bid
    answers: list[AnsweredQuestion]
    budget_lines: list[BudgetLine]
    budget_total_pence: int
    attachment: Attachment | None
    scores: dict[int, Score]  # this panellist's, by criterion id


def panel_bid(session: DbSession, bid: Bid, user_id: int) -> PanelBid:
    """One bid as the panel reads it, with this panellist's scores; the contents are the bids area's read."""
    answers = bid_contents(session, bid)
    scores = {
        s.criterion_id: s
        for s in session.scalars(sa.select(Score).where(Score.bid_id == bid.id, Score.user_id == user_id))
    }
    return PanelBid(
        bid=bid,
        answers=answers,
        budget_lines=list(bid.budget_lines),
        budget_total_pence=sum(line.cost_pence for line in bid.budget_lines),
        attachment=bid.attachment,
        scores=scores,
    )


def attachment_with_content(session: DbSession, bid: Bid) -> Attachment | None:
    """The bid's attachment with its bytes (which are deferred everywhere else)."""
    return session.scalars(
        sa.select(Attachment).where(Attachment.bid_id == bid.id).options(undefer(Attachment.content))
    ).first()
