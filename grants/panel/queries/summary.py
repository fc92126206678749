"""The panel's anonymous score summary, ranked by the tally's own figures, and the notes of its discussion."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

import sqlalchemy as sa

from grants.database import DbSession
from grants.models import AuditEvent, Bid, BidStatus, Criterion, DeliberationNote, Round, Score
from grants.paging import Page, page_of
from grants.panel import rules
from grants.panel.rules import SCORE_VALUES
from grants.tally import BidInput, Recusal, ScoreInput, format_score
from grants.tally import Criterion as TallyCriterion
from grants.tally.summary import score_ranking


@dataclass(frozen=True)
class CriterionSummary:
    criterion: Criterion
    mean: Fraction | None  # plain mean of the counted scores for this criterion
    comments: list[str]  # anonymous, in alphabetical order (so their order says nothing about who wrote them)

    @property
    def mean_text(self) -> str:
        return format_score(self.mean)


@dataclass(frozen=True)
class BidSummary:
    rank: int
    bid: Bid
    mean: Fraction | None  # weighted mean score over non-recused scorers; None if nobody scored it
    scorers: int
    under_quorum: bool
    spread: dict[int, int]  # how many counted scores (over every criterion) had each value 1 to 5
    excluded: int  # scores kept but not counted, from panellists who later declared a conflict
    criteria: list[CriterionSummary] = field(default_factory=list)

    @property
    def mean_text(self) -> str:
        return format_score(self.mean)

    @property
    def most(self) -> int:
        return max(self.spread.values(), default=0)

    @property
    def counted(self) -> int:
        return sum(self.spread.values())


@dataclass(frozen=True)
class NoteView:
    note: DeliberationNote
    role: str  # "Chair" or "Staff": never the author's name


@dataclass(frozen=True)
class ScoreSummary:
    bids: list[BidSummary]  # this page of the ranking
    notes: list[NoteView]
    quorum: int
    under_quorum: int  # of all the panel's bids, those scored by fewer than the quorum
    page: Page = field(default_factory=lambda: page_of(0, 1))  # of the ranking


def _criterion_summaries(
    criteria: list[Criterion], counted: dict[int, dict[int, int]], comments: dict[int, list[str]]
) -> list[CriterionSummary]:
    summaries = []
    for criterion in criteria:
        given = [values[criterion.id] for values in counted.values() if criterion.id in values]
        summaries.append(
            CriterionSummary(
                criterion,
                Fraction(sum(given), len(given)) if given else None,
                sorted(comments.get(criterion.id, []), key=str.casefold),
            )
        )
    return summaries


def score_summary(session: DbSession, round_: Round, *, page: int = 1) -> ScoreSummary:
    """The panel's anonymous score summary: bids in the order the tally's scores method ranks them (weighted mean
    over the scores that count, those of panellists not recused from the bid, then the tally's tie-breaks), with
    the spread of scores, scorers, bids under quorum, and comments.

    The ranking needs every score of the round (read as plain rows); the page shows one page of it, so only that
    page's bids, groups and comments are loaded. A fixed number of queries whatever the size of the round."""
    eligible = (Bid.round_id == round_.id) & (Bid.status == BidStatus.ELIGIBLE)
    bid_rows = session.execute(sa.select(Bid.id, Bid.amount_pence, Bid.submitted_at).where(eligible)).all()
    bid_ids = {row.id for row in bid_rows}
    criteria = list(round_.criteria)
    criterion_ids = {c.id for c in criteria}
    recusals = {(user, bid_id) for user, bid_id in rules.all_recusals(session, round_.id) if bid_id in bid_ids}
    scores: list[ScoreInput] = []
    excluded: dict[int, int] = defaultdict(int)  # by bid: scores kept but not counted (their scorer is recused)
    for user_id, bid_id, criterion_id, value in session.execute(
        sa.select(Score.user_id, Score.bid_id, Score.criterion_id, Score.value)
        .join(Bid, Bid.id == Score.bid_id)
        .where(Score.round_id == round_.id, Score.criterion_id.in_(criterion_ids), eligible)
    ):
        scores.append(ScoreInput(user_id, bid_id, criterion_id, value))
        if (user_id, bid_id) in recusals:
            excluded[bid_id] += 1
    ranking = score_ranking(
        criteria=[TallyCriterion(id=c.id, weight=c.weight) for c in criteria],
        # An eligible bid always has an amount and a submission time; the tally refuses one that does not.
        bids=[BidInput(id=b.id, amount_pence=b.amount_pence or 0, submitted_at=b.submitted_at or "") for b in bid_rows],
        scores=scores,
        recusals=[Recusal(user, bid_id) for user, bid_id in sorted(recusals)],
    )
    shown = page_of(len(ranking.order), page)
    on_page = list(ranking.order[shown.offset : shown.offset + shown.size])
    bids = {bid.id: bid for bid in rules.panel_bids_among(session, round_, on_page, with_groups=True)}

    comments: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))  # bid, criterion
    if on_page:
        for user_id, bid_id, criterion_id, comment in session.execute(
            sa.select(Score.user_id, Score.bid_id, Score.criterion_id, Score.comment).where(
                Score.round_id == round_.id, Score.bid_id.in_(on_page), Score.comment != ""
            )
        ):
            if (user_id, bid_id) not in recusals and criterion_id in criterion_ids and comment.strip():
                comments[bid_id][criterion_id].append(comment.strip())

    summaries = []
    for rank, bid_id in enumerate(on_page, start=shown.offset + 1):
        figures = ranking.figures[bid_id]
        counted = {user: dict(values) for user, values in ranking.counted[bid_id].items()}
        spread = dict.fromkeys(SCORE_VALUES, 0)
        for values in counted.values():
            for value in values.values():
                spread[value] += 1
        summaries.append(
            BidSummary(
                rank=rank,
                bid=bids[bid_id],
                mean=figures.mean_score,
                scorers=figures.scorers,
                under_quorum=figures.scorers < round_.quorum,
                spread=spread,
                excluded=excluded[bid_id],
                criteria=_criterion_summaries(criteria, counted, comments[bid_id]),
            )
        )
    under_quorum = sum(1 for figures in ranking.figures.values() if figures.scorers < round_.quorum)
    return ScoreSummary(summaries, deliberation_notes(session, round_), round_.quorum, under_quorum, shown)


def deliberation_notes(session: DbSession, round_: Round) -> list[NoteView]:
    """The panel's notes in the order they were written, each with the role its author wrote it in."""
    notes = list(
        session.scalars(
            sa.select(DeliberationNote)
            .where(DeliberationNote.round_id == round_.id)
            .order_by(DeliberationNote.created_at, DeliberationNote.id)
        )
    )
    if not notes:
        return []
    # The role is the one recorded when the note was written (a chair may later step down).
    roles = dict(
        session.execute(
            sa.select(AuditEvent.object_id, AuditEvent.actor_role).where(
                AuditEvent.action == "deliberation.note_added",
                AuditEvent.object_type == "deliberation_note",
                AuditEvent.object_id.in_([n.id for n in notes]),
            )
        ).all()
    )
    return [NoteView(n, "Staff" if roles.get(n.id) == "staff" else "Chair") for n in notes]
