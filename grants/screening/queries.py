"""Reads for the screening pages, each in a fixed number of queries whatever the number of bids."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, undefer

from grants.audit.events import history_words
from grants.bids.queries import AnsweredQuestion, bid_contents
from grants.database import DbSession
from grants.models import Attachment, AuditEvent, Bid, BidStatus, Group, GroupMember, Round, User
from grants.money import MAX_PENCE, pounds_as_typed
from grants.paging import Page, page_of

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
    page: Page  # of the bids matching the filters
    status_counts: dict[BidStatus, int] = field(default_factory=dict)
    shared_members: dict[int, list[str]] = field(default_factory=dict)  # bid id: other bids sharing a member

    @property
    def total(self) -> int:
        return self.page.total

    @property
    def pages(self) -> int:
        return self.page.pages

    @property
    def first_index(self) -> int:
        return self.page.first_index

    @property
    def last_index(self) -> int:
        return self.page.last_index


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
    shown = page_of(total, page, PER_PAGE)
    bids = list(
        session.scalars(
            sa.select(Bid)
            .join(Bid.group)
            .where(*conditions)
            .options(contains_eager(Bid.group))
            .order_by(Bid.number, Bid.id)
            .limit(shown.size)
            .offset(shown.offset)
        )
    )
    shared = shared_members(session, round_, [bid.id for bid in bids]) if bids else {}
    return ScreeningPage(bids, shown, status_counts(session, round_), shared)


def shared_members(session: DbSession, round_: Round, bid_ids: list[int] | None = None) -> dict[int, list[str]]:
    """The round's sent bids whose group shares a member (one account) with another group's sent bid in the same
    round, each with the references of those other bids, in order: for staff to look at, since one person behind
    several groups' bids may be one group applying many times. Only `bid_ids` when given. Two queries, each from
    the few rows it starts at: the bids' members, then those people's other groups' bids."""
    sent = (Bid.round_id == round_.id) & Bid.status.in_(LISTED_STATUSES)
    mine = sa.select(Bid.id, Bid.group_id, GroupMember.user_id).join(GroupMember, GroupMember.group_id == Bid.group_id)
    mine = mine.where(sent, Bid.id.in_(bid_ids)) if bid_ids is not None else mine.where(sent)
    members = session.execute(mine).all()
    if not members:
        return {}
    theirs = session.execute(
        sa.select(GroupMember.user_id, Bid.group_id, Bid.number)
        .join(Bid, Bid.group_id == GroupMember.group_id)
        .where(GroupMember.user_id.in_({m.user_id for m in members}), sent)
    ).all()
    bids_of: dict[int, list[tuple[int, int]]] = {}
    for user_id, group_id, number in theirs:
        bids_of.setdefault(user_id, []).append((group_id, number))
    shared: dict[int, set[int]] = {}
    for bid_id, group_id, user_id in members:
        for other_group, number in bids_of.get(user_id, []):
            if other_group != group_id:
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
