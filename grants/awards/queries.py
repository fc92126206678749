"""Reads for the award pages, each in a fixed number of queries whatever the number of bids."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, joinedload, selectinload

from grants.awards.rules import ACCEPTED_OR_LATER, COMMITTED
from grants.database import DbSession
from grants.decisions.queries import current_ratification, funded_bid_ids
from grants.models import Award, Bid, BidStatus, Criterion, Feedback, Round, Score
from grants.panel.rules import all_recusals
from grants.reports.rules import READABLE_AWARDS  # the reports rule decides when the link to reports shows


@dataclass(frozen=True)
class RoundMoney:
    """A round's money at a glance, in pennies."""

    budget: int
    offered: int  # offers that still stand: offered, accepted, paid in full or closed
    accepted: int
    paid: int

    @property
    def remaining(self) -> int:
        return self.budget - self.offered

    def percent(self, pence: int) -> int:
        """A share of the budget as a whole percentage (0 to 100), for the bar."""
        if self.budget <= 0:
            return 0
        return max(0, min(100, round(100 * pence / self.budget)))


def round_money(session: DbSession, round_: Round) -> RoundMoney:
    """Budget, offered, accepted and paid for the round, summed in one query."""

    def total(column: InstrumentedAttribute[int], statuses: tuple[object, ...]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((Award.status.in_(statuses), column), else_=0)), 0)

    row = session.execute(
        sa.select(
            total(Award.amount_pence, COMMITTED),
            total(Award.amount_pence, ACCEPTED_OR_LATER),
            sa.func.coalesce(sa.func.sum(Award.paid_pence), 0),
        ).where(Award.round_id == round_.id)
    ).one()
    return RoundMoney(budget=round_.budget_pence, offered=int(row[0]), accepted=int(row[1]), paid=int(row[2]))


def committed_pence(session: DbSession, round_id: int, *, excluding_award_id: int | None = None) -> int:
    """The total of the round's offers that still stand (offered, accepted, paid or closed)."""
    query = sa.select(sa.func.coalesce(sa.func.sum(Award.amount_pence), 0)).where(
        Award.round_id == round_id, Award.status.in_(COMMITTED)
    )
    if excluding_award_id is not None:
        query = query.where(Award.id != excluding_award_id)
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class FundedRow:
    bid: Bid
    award: Award | None


@dataclass(frozen=True)
class UnfundedRow:
    bid: Bid
    feedback: Feedback | None

    @property
    def screened_out(self) -> bool:
        return self.bid.status == BidStatus.INELIGIBLE


@dataclass(frozen=True)
class RoundAwards:
    ratified: bool
    funded: list[FundedRow]
    unfunded: list[UnfundedRow]
    money: RoundMoney


def round_awards(session: DbSession, round_: Round) -> RoundAwards:
    """The ratified funded bids with their awards, and every other screened bid with its feedback."""
    money = round_money(session, round_)
    if current_ratification(session, round_.id) is None:
        return RoundAwards(False, [], [], money)
    funded_ids = funded_bid_ids(session, round_.id)
    bids = session.scalars(
        sa.select(Bid)
        .where(Bid.round_id == round_.id, Bid.status.in_((BidStatus.ELIGIBLE, BidStatus.INELIGIBLE)))
        .options(joinedload(Bid.group))
        .order_by(Bid.number)
    ).all()
    awards = {a.bid_id: a for a in session.scalars(sa.select(Award).where(Award.round_id == round_.id)).all()}
    feedback = {
        f.bid_id: f
        for f in session.scalars(
            sa.select(Feedback).join(Bid, Bid.id == Feedback.bid_id).where(Bid.round_id == round_.id)
        ).all()
    }
    by_id = {b.id: b for b in bids}
    funded = [FundedRow(by_id[i], awards.get(i)) for i in funded_ids if i in by_id]
    funded_set = set(funded_ids)
    unfunded = [UnfundedRow(b, feedback.get(b.id)) for b in bids if b.id not in funded_set]
    return RoundAwards(True, funded, unfunded, money)


def is_funded(session: DbSession, bid: Bid) -> bool:
    return bid.id in funded_bid_ids(session, bid.round_id)


def award_for_bid(session: DbSession, bid_id: int) -> Award | None:
    return session.scalar(sa.select(Award).where(Award.bid_id == bid_id).options(selectinload(Award.report_dates)))


def award_of(session: DbSession, bid: Bid) -> Award:
    """The award of a bid known to have one (a bid `can_answer_offer` let through)."""
    return session.scalars(
        sa.select(Award).where(Award.bid_id == bid.id).options(selectinload(Award.report_dates))
    ).one()


@dataclass(frozen=True)
class GroupView:
    """What the group's page of its bid shows of the decision: the award, or else the feedback it was sent."""

    award: Award | None
    feedback: Feedback | None  # sent feedback only, and only for a bid with no award
    reports_open: (
        bool  # the page may link to the award's reports: it is accepted (or later) and the reader is in the group
    )


def group_view_of_award(session: DbSession, bid: Bid, *, reader_in_group: bool) -> GroupView:
    """The award or the feedback for the group's page of its bid (`templates/awards/_for_group.html`).

    `reader_in_group` says whether the person reading is a member of the bid's group (staff entering a bid for a
    group see the page too, but a group's reports are the group's).
    """
    award = award_for_bid(session, bid.id)
    if award is not None:
        return GroupView(award, None, reports_open=reader_in_group and award.status in READABLE_AWARDS)
    return GroupView(None, sent_feedback_for_bid(session, bid.id), reports_open=False)


def award_with_details(session: DbSession, award_id: int) -> Award | None:
    return session.scalar(
        sa.select(Award)
        .where(Award.id == award_id)
        .options(selectinload(Award.payments), selectinload(Award.report_dates), selectinload(Award.bid))
    )


def sent_feedback_for_bid(session: DbSession, bid_id: int) -> Feedback | None:
    return session.scalar(sa.select(Feedback).where(Feedback.bid_id == bid_id, Feedback.sent_at.is_not(None)))


def feedback_for_bid(session: DbSession, bid_id: int) -> Feedback | None:
    return session.scalar(sa.select(Feedback).where(Feedback.bid_id == bid_id))


@dataclass(frozen=True)
class CriterionComments:
    criterion: Criterion
    comments: list[str]


def panel_comments(session: DbSession, bid: Bid) -> list[CriterionComments]:
    """The panel's non-empty comments on a bid, by criterion, from panellists not recused from it.

    No names or ids leave this function: the page and the feedback must never say who wrote what.
    """
    recused = {user_id for user_id, _ in all_recusals(session, bid.round_id, bid_id=bid.id)}
    rows = session.execute(
        sa.select(Score.user_id, Score.comment, Criterion)
        .join(Criterion, Criterion.id == Score.criterion_id)
        .where(Score.bid_id == bid.id, Score.comment != "")
        .order_by(Criterion.position, Score.id)
    ).all()
    grouped: dict[int, list[str]] = defaultdict(list)
    criteria: dict[int, Criterion] = {}
    for user_id, comment, criterion in rows:
        text = (comment or "").strip()
        if user_id in recused or not text:
            continue
        criteria[criterion.id] = criterion
        grouped[criterion.id].append(text)
    return [CriterionComments(criteria[cid], grouped[cid]) for cid in criteria]


def draft_feedback(bid: Bid, comments: list[CriterionComments]) -> str:
    """A first draft for staff to edit: a short opening, then the panel's comments under each criterion."""
    lines = [
        f"Thank you for your bid to {bid.round.title}. The community panel read it carefully but did not choose it"
        " for funding this time. Here is what panellists said, to help with your next bid.",
    ]
    if not comments:
        lines += ["", "The panel did not leave written comments on this bid."]
    for item in comments:
        lines += ["", f"{item.criterion.name}:"]
        lines += [f"- {text}" for text in item.comments]
    return "\n".join(lines)
