"""Reads for the panel's pages, each in a fixed number of queries whatever the size of the panel or the round."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy.orm import selectinload, undefer

from grants.database import DbSession
from grants.models import (
    Attachment,
    AuditEvent,
    Ballot,
    Bid,
    BudgetLine,
    ConflictDeclaration,
    Criterion,
    DeliberationNote,
    Group,
    Invitation,
    PanelMember,
    Question,
    Role,
    Round,
    Score,
    User,
    utcnow,
)
from grants.panel import rules
from grants.panel.services import SCORE_VALUES
from grants.tally.figures import weighted_mean_score
from grants.tally.result import format_score


def load_groups(session: DbSession, bids: Iterable[Bid]) -> None:
    """Load the groups of these bids in one query. `bid.group` then comes from the session's identity map
    (a many-to-one by primary key), so a page listing bids makes no query per bid."""
    ids = {bid.group_id for bid in bids}
    if ids:
        session.scalars(sa.select(Group).where(Group.id.in_(ids))).all()


# --- progress -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """How far one panellist has got in a round."""

    conduct_accepted_at: datetime | None
    bids: int  # the panel's bids (eligible)
    declared: int  # of those, answered (their own group's bids count: the platform recuses them)
    recused: int  # of those, bids they may not score or vote on
    scored: int  # bids they may score and have scored against every criterion
    ballot_cast: bool

    @property
    def may_score(self) -> int:
        return self.bids - self.recused

    @property
    def declarations_done(self) -> bool:
        return self.declared >= self.bids

    @property
    def to_declare(self) -> int:
        return self.bids - self.declared


def progress(session: DbSession, round_: Round, user_ids: Iterable[int]) -> dict[int, Progress]:
    """Each panellist's progress in the round, by user id (a fixed number of queries for any number of them)."""
    users = set(user_ids)
    if not users:
        return {}
    bid_ids = {bid.id for bid in rules.panel_bids(session, round_)}
    accepted = dict(
        session.execute(
            sa.select(PanelMember.user_id, PanelMember.conduct_accepted_at).where(
                PanelMember.round_id == round_.id, PanelMember.user_id.in_(users)
            )
        ).all()
    )
    declared: dict[int, set[int]] = defaultdict(set)
    for user_id, bid_id in session.execute(
        sa.select(ConflictDeclaration.user_id, ConflictDeclaration.bid_id).where(
            ConflictDeclaration.round_id == round_.id, ConflictDeclaration.user_id.in_(users)
        )
    ).all():
        declared[user_id].add(bid_id)
    recused: dict[int, set[int]] = defaultdict(set)
    for user_id, bid_id in rules.all_recusals(session, round_.id):
        recused[user_id].add(bid_id)
    criteria = int(session.scalar(sa.select(sa.func.count(Criterion.id)).where(Criterion.round_id == round_.id)) or 0)
    scored: dict[int, set[int]] = defaultdict(set)
    for user_id, bid_id, count in session.execute(
        sa.select(Score.user_id, Score.bid_id, sa.func.count(Score.id))
        .where(Score.round_id == round_.id, Score.user_id.in_(users))
        .group_by(Score.user_id, Score.bid_id)
    ).all():
        if criteria and count >= criteria:
            scored[user_id].add(bid_id)
    voted = set(
        session.scalars(
            sa.select(Ballot.user_id).where(Ballot.round_id == round_.id, Ballot.is_current, Ballot.user_id.in_(users))
        )
    )
    result: dict[int, Progress] = {}
    for user_id in users:
        mine_recused = recused[user_id] & bid_ids
        result[user_id] = Progress(
            conduct_accepted_at=accepted.get(user_id),
            bids=len(bid_ids),
            declared=len((declared[user_id] | mine_recused) & bid_ids),
            recused=len(mine_recused),
            scored=len((scored[user_id] & bid_ids) - mine_recused),
            ballot_cast=user_id in voted,
        )
    return result


def my_progress(session: DbSession, round_: Round, user_id: int) -> Progress:
    return progress(session, round_, [user_id])[user_id]


# --- the staff's panel page ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    member: PanelMember
    progress: Progress


@dataclass(frozen=True)
class StaffPanel:
    members: list[MemberRow]
    invitations: list[Invitation]  # not accepted and not withdrawn (some may have expired)
    bids: int

    def expired(self, invitation: Invitation) -> bool:
        return invitation.expires_at <= utcnow()


def staff_panel(session: DbSession, round_: Round) -> StaffPanel:
    """The panel's members with their progress, and the invitations still waiting for an answer."""
    members = list(
        session.scalars(
            sa.select(PanelMember)
            .join(User, User.id == PanelMember.user_id)
            .where(PanelMember.round_id == round_.id)
            .options(selectinload(PanelMember.user))
            .order_by(sa.func.lower(User.name), PanelMember.id)
        )
    )
    by_user = progress(session, round_, [m.user_id for m in members])
    invitations = list(
        session.scalars(
            sa.select(Invitation)
            .where(
                Invitation.round_id == round_.id,
                Invitation.role == Role.PANELLIST,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )
    bids = len(rules.panel_bids(session, round_))
    return StaffPanel([MemberRow(m, by_user[m.user_id]) for m in members], invitations, bids)


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


def declaration_rows(session: DbSession, round_: Round, user_id: int) -> list[DeclarationRow]:
    bids = rules.panel_bids(session, round_)
    load_groups(session, bids)
    declared = rules.declarations(session, round_.id, user_id)
    own = rules.own_group_bid_ids(session, round_.id, user_id)
    scores = dict(
        session.execute(
            sa.select(Score.bid_id, sa.func.count(Score.id))
            .where(Score.round_id == round_.id, Score.user_id == user_id)
            .group_by(Score.bid_id)
        ).all()
    )
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
    rows: list[ScoringRow]  # only the bids the panellist may score
    recused: int

    @property
    def scored(self) -> int:
        return sum(1 for row in self.rows if row.scored)

    @property
    def next_to_score(self) -> Bid | None:
        return next((row.bid for row in self.rows if not row.scored), None)


def scoring_list(session: DbSession, round_: Round, user_id: int) -> ScoringList:
    bids = rules.panel_bids(session, round_)
    load_groups(session, bids)
    recused = rules.recused_bid_ids(session, round_.id, user_id)
    criteria = len(round_.criteria)
    counts = dict(
        session.execute(
            sa.select(Score.bid_id, sa.func.count(Score.id))
            .where(Score.round_id == round_.id, Score.user_id == user_id)
            .group_by(Score.bid_id)
        ).all()
    )
    rows = [
        ScoringRow(bid, criteria > 0 and counts.get(bid.id, 0) >= criteria) for bid in bids if bid.id not in recused
    ]
    return ScoringList(rows, recused=sum(1 for bid in bids if bid.id in recused))


@dataclass(frozen=True)
class AnsweredQuestion:
    question: Question
    text: str  # "" when the group gave no answer


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
    session.scalars(
        sa.select(Bid)
        .where(Bid.id == bid.id)
        .options(
            selectinload(Bid.group),
            selectinload(Bid.answers),
            selectinload(Bid.budget_lines),
            selectinload(Bid.attachment),
        )
    ).one()
    questions = session.scalars(
        sa.select(Question).where(Question.round_id == bid.round_id).order_by(Question.position)
    ).all()
    by_question = {a.question_id: a.text for a in bid.answers}
    scores = {
        s.criterion_id: s
        for s in session.scalars(sa.select(Score).where(Score.bid_id == bid.id, Score.user_id == user_id))
    }
    return PanelBid(
        bid=bid,
        answers=[AnsweredQuestion(q, (by_question.get(q.id) or "").strip()) for q in questions],
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


# --- the score summary --------------------------------------------------------------------------------------------


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
    bids: list[BidSummary]
    notes: list[NoteView]
    quorum: int

    @property
    def under_quorum(self) -> int:
        return sum(1 for b in self.bids if b.under_quorum)


def _ranking_key(summary: BidSummary) -> tuple[bool, Fraction, int, int, datetime, int]:
    # DESIGN.md's order: higher weighted mean; more panellists in favour (for scores, the scorers); smaller
    # amount; earlier submission. Unscored bids go last.
    bid = summary.bid
    return (
        summary.mean is None,
        -(summary.mean or Fraction(0)),
        -summary.scorers,
        bid.amount_pence or 0,
        bid.submitted_at or utcnow(),
        bid.number,
    )


def score_summary(session: DbSession, round_: Round) -> ScoreSummary:
    """The panel's anonymous score summary: bids ranked by weighted mean score over the scores that count (those
    of panellists not recused from the bid), the spread of scores, scorers, bids under quorum, and comments."""
    bids = rules.panel_bids(session, round_)
    load_groups(session, bids)
    criteria = list(round_.criteria)
    weights = {c.id: c.weight for c in criteria}
    recusals = rules.all_recusals(session, round_.id)
    rows = session.execute(
        sa.select(Score.user_id, Score.bid_id, Score.criterion_id, Score.value, Score.comment).where(
            Score.round_id == round_.id
        )
    ).all()
    counted: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))  # bid, user, criterion
    comments: dict[tuple[int, int], list[str]] = defaultdict(list)
    excluded: dict[int, int] = defaultdict(int)
    for row in rows:
        if row.criterion_id not in weights:
            continue
        if (row.user_id, row.bid_id) in recusals:
            excluded[row.bid_id] += 1
            continue
        counted[row.bid_id][row.user_id][row.criterion_id] = row.value
        if row.comment.strip():
            comments[(row.bid_id, row.criterion_id)].append(row.comment.strip())

    unranked: list[BidSummary] = []
    for bid in bids:
        by_user = counted.get(bid.id, {})
        spread = dict.fromkeys(SCORE_VALUES, 0)
        for values in by_user.values():
            for value in values.values():
                spread[value] += 1
        per_criterion = []
        for criterion in criteria:
            given = [v[criterion.id] for v in by_user.values() if criterion.id in v]
            per_criterion.append(
                CriterionSummary(
                    criterion,
                    Fraction(sum(given), len(given)) if given else None,
                    sorted(comments.get((bid.id, criterion.id), []), key=str.casefold),
                )
            )
        scorers = sum(1 for values in by_user.values() if values)
        unranked.append(
            BidSummary(
                rank=0,
                bid=bid,
                mean=weighted_mean_score({u: dict(v) for u, v in by_user.items()}, weights),
                scorers=scorers,
                under_quorum=scorers < round_.quorum,
                spread=spread,
                excluded=excluded.get(bid.id, 0),
                criteria=per_criterion,
            )
        )
    ranked = [
        BidSummary(
            rank=i,
            bid=s.bid,
            mean=s.mean,
            scorers=s.scorers,
            under_quorum=s.under_quorum,
            spread=s.spread,
            excluded=s.excluded,
            criteria=s.criteria,
        )
        for i, s in enumerate(sorted(unranked, key=_ranking_key), start=1)
    ]
    return ScoreSummary(ranked, deliberation_notes(session, round_), round_.quorum)


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
