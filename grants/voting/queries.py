"""Reads for the voting pages: the ballot paper, a panellist's ballot, progress, and receipts. Each loads what its
page needs in a fixed number of queries, whatever the number of bids or ballots."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from grants.database import DbSession
from grants.models import Ballot, BallotChoice, Bid, PanelMember, Round, User
from grants.panel import rules
from grants.voting import receipts


@dataclass(frozen=True)
class BallotLine:
    """One bid on a panellist's ballot paper; a recused bid is shown but cannot be chosen."""

    bid: Bid
    recused: bool


@dataclass(frozen=True)
class BallotPaper:
    """The bids a panellist's ballot lists, in reference order."""

    lines: list[BallotLine]

    @property
    def choosable(self) -> list[Bid]:
        return [line.bid for line in self.lines if not line.recused]

    @property
    def all_bids(self) -> dict[int, Bid]:
        return {line.bid.id: line.bid for line in self.lines}


def ballot_paper(session: DbSession, round_: Round, user_id: int) -> BallotPaper:
    """The round's eligible bids with their groups, each marked if this panellist is recused from it (three
    queries)."""
    bids = rules.panel_bids(session, round_, with_groups=True)
    recused = rules.recused_bid_ids(session, round_.id, user_id)
    return BallotPaper([BallotLine(bid, bid.id in recused) for bid in bids])


@dataclass(frozen=True)
class BallotView:
    """A stored ballot as people see it: its bids in order and who recorded it."""

    ballot: Ballot
    bids: list[Bid]
    recorded_by: str  # the staff member's name when recorded from paper, else ""

    @property
    def on_paper(self) -> bool:
        return self.ballot.recorded_by_staff_id is not None

    @property
    def cast_at(self) -> datetime:
        return self.ballot.created_at

    @property
    def total_pence(self) -> int:
        return sum(bid.amount_pence or 0 for bid in self.bids)

    @property
    def bid_ids(self) -> list[int]:
        return [bid.id for bid in self.bids]


def current_ballot(session: DbSession, round_id: int, user_id: int) -> Ballot | None:
    """This panellist's current ballot in the round, with its choices."""
    return session.scalar(
        sa.select(Ballot)
        .where(Ballot.round_id == round_id, Ballot.user_id == user_id, Ballot.is_current)
        .options(selectinload(Ballot.choices))
    )


def ballot_view(session: DbSession, ballot: Ballot) -> BallotView:
    """A ballot with its bids (and their groups) loaded."""
    ids = [choice.bid_id for choice in ballot.choices]
    by_id: dict[int, Bid] = {}
    if ids:
        by_id = {b.id: b for b in session.scalars(sa.select(Bid).where(Bid.id.in_(ids)).options(joinedload(Bid.group)))}
    recorded_by = ""
    if ballot.recorded_by_staff_id is not None:
        recorded_by = session.scalar(sa.select(User.name).where(User.id == ballot.recorded_by_staff_id)) or ""
    return BallotView(ballot, [by_id[i] for i in ids], recorded_by)


@dataclass(frozen=True)
class Seat:
    """A panellist as staff choose them for a paper ballot."""

    user_id: int
    name: str
    conduct_accepted: bool


def panel_seats(session: DbSession, round_id: int) -> list[Seat]:
    """The round's panel, by name."""
    rows = session.execute(
        sa.select(User.id, User.name, PanelMember.conduct_accepted_at)
        .join(PanelMember, PanelMember.user_id == User.id)
        .where(PanelMember.round_id == round_id)
        .order_by(User.name, User.id)
    ).all()
    return [Seat(row.id, row.name, row.conduct_accepted_at is not None) for row in rows]


@dataclass(frozen=True)
class VotingProgress:
    """How many of the panel have a current ballot: a count, never who voted for what."""

    cast: int
    panel_size: int
    on_paper: int


def _counted(round_id: int) -> sa.Select[Any]:
    # A ballot counts while it is current and its panellist still sits on the panel.
    return (
        sa.select(Ballot)
        .join(PanelMember, (PanelMember.round_id == Ballot.round_id) & (PanelMember.user_id == Ballot.user_id))
        .where(Ballot.round_id == round_id, Ballot.is_current)
    )


def voting_progress(session: DbSession, round_id: int) -> VotingProgress:
    counted = _counted(round_id).subquery()
    cast, on_paper = session.execute(
        sa.select(
            sa.func.count(counted.c.id),
            sa.func.count(counted.c.recorded_by_staff_id),
        )
    ).one()
    size = session.scalar(sa.select(sa.func.count(PanelMember.id)).where(PanelMember.round_id == round_id)) or 0
    return VotingProgress(cast=int(cast or 0), panel_size=int(size), on_paper=int(on_paper or 0))


def counted_receipt_codes(session: DbSession, round_id: int) -> list[str]:
    """The receipt codes of every counted ballot in the round, sorted (they carry no names)."""
    return sorted(session.scalars(_counted(round_id).with_only_columns(Ballot.receipt_code)))


class ReceiptCheck(enum.Enum):
    """What checking a receipt code found."""

    COUNTED = "counted"
    REPLACED = "replaced"
    NOT_FOUND = "not_found"
    ALTERED = "altered"


def check_receipt(session: DbSession, round_id: int, code_text: str) -> ReceiptCheck:
    """Whether the ballot with this receipt code was counted as cast: it is a counted ballot of the round, and
    recomputing its code from the stored content and salt gives the same code."""
    code = receipts.normalise_code(code_text)
    if code is None:
        return ReceiptCheck.NOT_FOUND
    ballot = session.scalar(sa.select(Ballot).where(Ballot.round_id == round_id, Ballot.receipt_code == code))
    if ballot is None:
        return ReceiptCheck.NOT_FOUND
    if not ballot.is_current:
        return ReceiptCheck.REPLACED
    counted = session.scalar(_counted(round_id).with_only_columns(Ballot.id).where(Ballot.id == ballot.id))
    if counted is None:
        return ReceiptCheck.NOT_FOUND
    choices = list(
        session.scalars(
            sa.select(BallotChoice.bid_id).where(BallotChoice.ballot_id == ballot.id).order_by(BallotChoice.position)
        )
    )
    recomputed = receipts.receipt_code(
        salt=ballot.receipt_salt, round_id=ballot.round_id, ballot_id=ballot.id, choices=choices
    )
    return ReceiptCheck.COUNTED if recomputed == code else ReceiptCheck.ALTERED
