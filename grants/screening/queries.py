"""Reads for the screening pages, each in a fixed number of queries whatever the number of bids."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager, undefer

from grants.audit.events import history_words
from grants.bids.queries import AnsweredQuestion, bid_contents
from grants.database import DbSession
from grants.models import Attachment, AuditEvent, Bid, BidStatus, Group, GroupMember, Round, User
from grants.money import MAX_PENCE, pounds_as_typed

PER_PAGE = 25
# Staff see what groups have sent: never a draft, which is still the group's own work in progress.
LISTED_STATUSES = (BidStatus.SUBMITTED, BidStatus.ELIGIBLE, BidStatus.INELIGIBLE, BidStatus.WITHDRAWN)


@dataclass(frozen=True)
class BidFilters:
    """What the staff member asked to see. Empty values mean "any"."""

    status: BidStatus | None = None
    min_pence: int | None = None
    max_pence: int | None = None
    area: str = ""
    search: str = ""

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments, leaving out empty ones (for page links)."""
        args = {
            "status": self.status.value if self.status else "",
            "min_amount": pounds_as_typed(self.min_pence) if self.min_pence is not None else "",
            "max_amount": pounds_as_typed(self.max_pence) if self.max_pence is not None else "",
            "area": self.area,
            "q": self.search,
        }
        return {k: v for k, v in args.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.as_args())


@dataclass(frozen=True)
class ScreeningPage:
    """One page of a round's bids for screening, with the counts that frame it."""

    bids: list[Bid]
    total: int  # bids matching the filters, on every page
    page: int
    pages: int
    status_counts: dict[BidStatus, int] = field(default_factory=dict)
    shared_members: dict[int, list[str]] = field(default_factory=dict)  # bid id: other bids sharing a member

    @property
    def first_index(self) -> int:
        return (self.page - 1) * PER_PAGE + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * PER_PAGE, self.total)


def _reference_number(round_: Round, text: str) -> int | None:
    """The bid number a search means, for "RSS27-0003", "rss27-3", "0003" or "3"; else None."""
    match = re.fullmatch(rf"(?:{re.escape(round_.code)}\s*-\s*)?0*([0-9]{{1,9}})", text.strip(), flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


def _filtered(round_: Round, filters: BidFilters) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [
        Bid.round_id == round_.id,
        Bid.status.in_(LISTED_STATUSES),
    ]
    if filters.status is not None and filters.status in LISTED_STATUSES:
        conditions.append(Bid.status == filters.status)
    # An amount past what the column holds is no different from the most it holds (no bid asks for that much),
    # and the database could not compare the column with it.
    if filters.min_pence is not None:
        conditions.append(Bid.amount_pence >= min(filters.min_pence, MAX_PENCE))
    if filters.max_pence is not None:
        conditions.append(Bid.amount_pence <= min(filters.max_pence, MAX_PENCE))
    if filters.area.strip():
        conditions.append(sa.func.lower(Group.area).contains(filters.area.strip().lower(), autoescape=True))
    search = filters.search.strip()
    if search:
        by_name = sa.func.lower(Group.name).contains(search.lower(), autoescape=True)
        number = _reference_number(round_, search)
        conditions.append(sa.or_(by_name, Bid.number == number) if number is not None else by_name)
    return conditions


def status_counts(session: DbSession, round_: Round) -> dict[BidStatus, int]:
    """How many of the round's sent bids are in each status (one query)."""
    rows = session.execute(
        sa.select(Bid.status, sa.func.count(Bid.id))
        .where(Bid.round_id == round_.id, Bid.status.in_(LISTED_STATUSES))
        .group_by(Bid.status)
    ).all()
    counts = {status: 0 for status in LISTED_STATUSES}
    counts.update({status: count for status, count in rows})
    return counts


def screening_page(session: DbSession, round_: Round, filters: BidFilters, page: int = 1) -> ScreeningPage:
    """The round's sent bids matching the filters, in reference order, one page of them, with the bids on it that
    share a member with another group's bid (four queries)."""
    conditions = _filtered(round_, filters)
    total = session.scalar(sa.select(sa.func.count(Bid.id)).join(Bid.group).where(*conditions)) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(page, 1), pages)
    bids = list(
        session.scalars(
            sa.select(Bid)
            .join(Bid.group)
            .where(*conditions)
            .options(contains_eager(Bid.group))
            .order_by(Bid.number, Bid.id)
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    shared = shared_members(session, round_, [bid.id for bid in bids]) if bids else {}
    return ScreeningPage(bids, total, page, pages, status_counts(session, round_), shared)


def shared_members(session: DbSession, round_: Round, bid_ids: list[int] | None = None) -> dict[int, list[str]]:
    """The round's sent bids whose group shares a member (one account) with another group's sent bid in the same
    round, each with the references of those other bids, in order: for staff to look at, since one person behind
    several groups' bids may be one group applying many times. Only `bid_ids` when given. One query."""
    mine, theirs = aliased(Bid), aliased(Bid)
    my_member, their_member = aliased(GroupMember), aliased(GroupMember)
    query = (
        sa.select(mine.id, theirs.number)
        .join(my_member, my_member.group_id == mine.group_id)
        .join(their_member, sa.and_(their_member.user_id == my_member.user_id, their_member.group_id != mine.group_id))
        .join(theirs, sa.and_(theirs.group_id == their_member.group_id, theirs.round_id == mine.round_id))
        .where(
            mine.round_id == round_.id,
            mine.status.in_(LISTED_STATUSES),
            theirs.status.in_(LISTED_STATUSES),
        )
        .distinct()
    )
    if bid_ids is not None:
        query = query.where(mine.id.in_(bid_ids))
    shared: dict[int, set[int]] = {}
    for bid_id, number in session.execute(query):
        shared.setdefault(bid_id, set()).add(number)
    return {bid_id: [f"{round_.code}-{n:04d}" for n in sorted(numbers)] for bid_id, numbers in shared.items()}


# --- one bid --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    occurred_at: datetime
    text: str
    by: str  # who did it, in words ("" when nobody is recorded)


@dataclass(frozen=True)
class BidView:
    """Everything the group sent with a bid, and what has happened to it since."""

    bid: Bid
    answers: list[AnsweredQuestion]
    budget_total_pence: int
    history: list[HistoryEntry]
    screened_by: str  # the staff member's name, "" if not screened
    entered_by: str  # the staff member's name, "" if the group entered it themselves
    shares_members_with: list[str] = field(default_factory=list)  # other bids of the round sharing a member

    @property
    def attachment(self) -> Attachment | None:
        return self.bid.attachment


def describe_event(event: AuditEvent) -> str:
    """An audit event of a bid in plain words, for the bid's history (worded by the registry of actions)."""
    return history_words(event.action, event.facts or {})


def _who(event: AuditEvent, names: dict[int, str]) -> str:
    if event.actor_id is None:
        return ""
    name = names.get(event.actor_id, "")
    if event.actor_role == "staff":
        return f"{name} (staff)"
    return name


def bid_view(session: DbSession, bid: Bid) -> BidView:
    """Load a bid's answers, breakdown, attachment details and history (a fixed number of queries)."""
    answers = bid_contents(session, bid)
    total = sum(line.cost_pence for line in bid.budget_lines)

    events = list(
        session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == "bid", AuditEvent.object_id == bid.id)
            .order_by(AuditEvent.seq)
        )
    )
    user_ids = {e.actor_id for e in events if e.actor_id is not None}
    user_ids.update(i for i in (bid.screened_by_id, bid.entered_by_staff_id) if i is not None)
    names: dict[int, str] = {}
    if user_ids:
        names = {
            row.id: row.name for row in session.execute(sa.select(User.id, User.name).where(User.id.in_(user_ids)))
        }
    history = [HistoryEntry(e.occurred_at, describe_event(e), _who(e, names)) for e in events]
    return BidView(
        bid=bid,
        answers=answers,
        budget_total_pence=total,
        history=history,
        screened_by=names.get(bid.screened_by_id, "") if bid.screened_by_id else "",
        entered_by=names.get(bid.entered_by_staff_id, "") if bid.entered_by_staff_id else "",
        shares_members_with=shared_members(session, bid.round, [bid.id]).get(bid.id, []),
    )


def attachment_with_content(session: DbSession, bid: Bid) -> Attachment | None:
    """The bid's attachment with its bytes (which are deferred everywhere else)."""
    return session.scalars(
        sa.select(Attachment).where(Attachment.bid_id == bid.id).options(undefer(Attachment.content))
    ).first()
