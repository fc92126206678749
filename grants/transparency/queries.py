"""Reads for the public funder page and the 360Giving export. Nothing personal leaves this module: groups are
described by name (unless withheld), area and registration number only; people never."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from grants.awards.publication import public_details
from grants.database import DbSession
from grants.decisions.queries import funded_by_round
from grants.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    ConflictDeclaration,
    ConflictKind,
    Funder,
    PanelMember,
    Payment,
    ReportDate,
    Round,
    RoundStatus,
)
from grants.reports.queries import PublicStory, shareable_stories_by_round, theme_counts_by_round
from grants.timefmt import LONDON
from grants.transparency.threesixty import GrantData, public_area

# Awards that count as grants made: the group has accepted. An offer may still be declined, so it is left out
# until accepted; a declined or withdrawn award was never a grant.
PUBLISHED_STATUSES = (AwardStatus.ACCEPTED, AwardStatus.PAID_IN_FULL, AwardStatus.CLOSED)
DECIDED_STATUSES = (RoundStatus.DECIDED, RoundStatus.AWARDING, RoundStatus.COMPLETE)
WITHHELD_LABEL = "A group that asked not to be named"
PENDING_LABEL = "A funded group (named once it accepts its award)"
NOT_SHOWN_AREA = "Not shown"


def funder_by_slug(session: DbSession, slug: str) -> Funder | None:
    return session.scalar(sa.select(Funder).where(Funder.slug == slug))


def round_by_code(session: DbSession, funder: Funder, code: str) -> Round | None:
    return session.scalar(sa.select(Round).where(Round.funder_id == funder.id, Round.code == code.strip().upper()))


def published_grants(
    session: DbSession, funder: Funder, *, round_id: int | None = None, round_url: Callable[[int], str] | None = None
) -> list[GrantData]:
    """The funder's accepted awards (accepted, paid in full or closed) as the export's plain data, in award order:
    one query, whatever the number of awards, with the last report date and the latest payment as aggregates."""
    planned_end = sa.select(sa.func.max(ReportDate.due_on)).where(ReportDate.award_id == Award.id).scalar_subquery()
    last_paid = sa.select(sa.func.max(Payment.created_at)).where(Payment.award_id == Award.id).scalar_subquery()
    query = (
        sa.select(Award, planned_end.label("planned_end"), last_paid.label("last_paid"))
        .join(Round, Round.id == Award.round_id)
        .where(Round.funder_id == funder.id, Award.status.in_(PUBLISHED_STATUSES))
        .options(
            joinedload(Award.bid, innerjoin=True).joinedload(Bid.group, innerjoin=True),
            joinedload(Award.bid, innerjoin=True).joinedload(Bid.round, innerjoin=True),
            joinedload(Award.published),
        )
        .order_by(Award.id)
    )
    if round_id is not None:
        query = query.where(Award.round_id == round_id)
    return [
        grant_data(
            award,
            planned_end=end,
            last_paid=paid,
            round_url=round_url(award.round_id) if round_url is not None else None,
        )
        for award, end, paid in session.execute(query)
    ]


def _latest(*moments: datetime | None) -> datetime:
    return max(m for m in moments if m is not None)


def grant_data(
    award: Award, *, planned_end: date | None, last_paid: datetime | None, round_url: str | None = None
) -> GrantData:
    """An award as the export's plain data (the only fields of a group that may reach open data): `planned_end` is
    its last report date and `last_paid` when its latest payment was recorded."""
    bid, details = award.bid, public_details(award)  # as published, not as the group is now
    published = award.published
    return GrantData(
        award_id=award.id,
        bid_title=details.bid_title,
        amount_awarded_pence=award.amount_pence,
        amount_applied_pence=bid.amount_pence,
        amount_disbursed_pence=award.paid_pence,
        award_date=award.created_at.astimezone(LONDON).date(),
        planned_start=award.responded_at.astimezone(LONDON).date() if award.responded_at else None,
        planned_end=planned_end,
        group_id=bid.group_id,
        group_name=details.group_name,
        group_kind=details.group_kind,
        registration_number=details.registration_number,
        area=details.area,
        withhold_name=award.withhold_name,
        round_code=bid.round.code,
        round_title=bid.round.title,
        round_url=round_url,
        modified_at=_latest(
            award.created_at,
            award.responded_at,
            published.modified_at if published is not None else None,
            last_paid,
        ),
    )


# --- the public funder page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundedLine:
    group: str
    area: str
    amount_pence: int
    summary: str


@dataclass
class RoundSummary:
    round: Round
    panel_size: int
    conflicts_declared: int  # by panellists
    staff_conflicts_declared: int
    eligible: int
    funded: list[FundedLine]
    stories: list[PublicStory]
    themes: list[tuple[str, int]]

    @property
    def funded_total_pence(self) -> int:
        return sum(line.amount_pence for line in self.funded)

    @property
    def success_rate(self) -> str:
        """Funded bids as a share of eligible ones, e.g. '2 of 3 eligible bids (67%)'."""
        if not self.eligible:
            return "No eligible bids"
        share = round(100 * len(self.funded) / self.eligible)
        return f"{len(self.funded)} of {self.eligible} eligible bids ({share}%)"


@dataclass(frozen=True)
class Bar:
    label: str
    amount_pence: int
    share: float  # of the largest bar, 0 to 1, for drawing only


@dataclass
class FunderPage:
    funder: Funder
    rounds: list[RoundSummary]
    by_area: list[Bar] = field(default_factory=list)
    has_grants: bool = False


def _count_by_round(
    session: DbSession, column: InstrumentedAttribute[int], *where: sa.ColumnElement[bool]
) -> dict[int, int]:
    return {
        rid: int(n) for rid, n in session.execute(sa.select(column, sa.func.count()).where(*where).group_by(column))
    }


def funder_page(session: DbSession, funder: Funder) -> FunderPage:
    """What the public sees of a funder: its decided rounds, how they were decided, what was funded, the stories.
    A fixed number of queries however many rounds, bids and grants."""
    rounds = list(
        session.scalars(
            sa.select(Round)
            .where(Round.funder_id == funder.id, Round.status.in_(DECIDED_STATUSES))
            .order_by(Round.closes_at.desc(), Round.id.desc())
        )
    )
    ids = [r.id for r in rounds]
    panel = _count_by_round(session, PanelMember.round_id, PanelMember.round_id.in_(ids)) if ids else {}
    # The panel's conflicts (each kept that panellist out of deciding the bid) and staff's (each meant another
    # member of staff acted on the bid), counted apart: only the first is about how the panel decided.
    declared = sa.and_(ConflictDeclaration.round_id.in_(ids), ConflictDeclaration.kind != ConflictKind.NONE)
    on_panel = sa.exists().where(
        PanelMember.round_id == ConflictDeclaration.round_id, PanelMember.user_id == ConflictDeclaration.user_id
    )
    conflicts = _count_by_round(session, ConflictDeclaration.round_id, declared, on_panel) if ids else {}
    staff_conflicts = _count_by_round(session, ConflictDeclaration.round_id, declared, ~on_panel) if ids else {}
    eligible = (
        _count_by_round(session, Bid.round_id, Bid.round_id.in_(ids), Bid.status == BidStatus.ELIGIBLE) if ids else {}
    )
    funded = _funded_lines(session, funded_by_round(session, ids))
    stories = shareable_stories_by_round(session, ids)
    themes = theme_counts_by_round(session, ids)
    area_totals: dict[str, int] = defaultdict(int)
    summaries = []
    for round_ in rounds:
        lines = funded.get(round_.id, [])
        for line in lines:
            area_totals[line.area or NOT_SHOWN_AREA] += line.amount_pence
        summaries.append(
            RoundSummary(
                round=round_,
                panel_size=panel.get(round_.id, 0),
                conflicts_declared=conflicts.get(round_.id, 0),
                staff_conflicts_declared=staff_conflicts.get(round_.id, 0),
                eligible=eligible.get(round_.id, 0),
                funded=lines,
                stories=stories.get(round_.id, []),
                themes=themes.get(round_.id, []),
            )
        )
    largest = max(area_totals.values(), default=0)
    bars = [
        Bar(label, amount, amount / largest if largest else 0.0)
        for label, amount in sorted(area_totals.items(), key=lambda item: (-item[1], item[0]))
    ]
    has_grants = session.scalar(
        sa.select(sa.exists().where(Award.round_id == Round.id, Round.funder_id == funder.id)).where(
            Award.status.in_(PUBLISHED_STATUSES)
        )
    )
    return FunderPage(funder=funder, rounds=summaries, by_area=bars, has_grants=bool(has_grants))


def _funded_lines(session: DbSession, funded_by: dict[int, list[int]]) -> dict[int, list[FundedLine]]:
    """Each round's ratified funded set, less any award declined or withdrawn, by round id; a group is named only
    once it has accepted and has not asked to be left out. Two queries for every round at once."""
    funded_ids = [bid_id for ids in funded_by.values() for bid_id in ids]
    if not funded_ids:
        return {}
    bids = {
        b.id: b
        for b in session.scalars(
            sa.select(Bid).where(Bid.id.in_(funded_ids)).options(joinedload(Bid.group, innerjoin=True))
        )
    }
    awards = {
        a.bid_id: a
        for a in session.scalars(
            sa.select(Award).where(Award.bid_id.in_(funded_ids)).options(joinedload(Award.published))
        )
    }
    found: dict[int, list[FundedLine]] = {}
    for round_id, ids in funded_by.items():
        found[round_id] = lines = []
        for bid_id in ids:
            bid, award = bids.get(bid_id), awards.get(bid_id)
            if bid is None or (award is not None and award.status in (AwardStatus.DECLINED, AwardStatus.WITHDRAWN)):
                continue
            named = award is not None and award.status in PUBLISHED_STATUSES and not award.withhold_name
            if award is not None and award.withhold_name:
                group, area, summary = WITHHELD_LABEL, "", ""
            elif named and award is not None:
                details = public_details(award)
                group, area, summary = details.group_name, public_area(details.area), details.bid_title
            else:
                group, area, summary = PENDING_LABEL, public_area(bid.group.area), ""
            amount = award.amount_pence if award is not None else (bid.amount_pence or 0)
            lines.append(FundedLine(group=group, area=area, amount_pence=amount, summary=summary))
    return found
