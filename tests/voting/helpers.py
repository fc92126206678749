"""Helpers for the voting tests: a round in voting with eligible bids and a panel, and cheap panellists."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from grants.auth.passwords import hash_password
from grants.models import (
    AuditEvent,
    Ballot,
    Bid,
    BidStatus,
    ConflictDeclaration,
    ConflictKind,
    PanelMember,
    Round,
    RoundStatus,
    User,
    VotingMethod,
    utcnow,
)
from tests.support.db import app_session, events
from tests.support.factories import (
    PASSWORD,
    make_auditor,
    make_funder,
    make_round,
    make_sent_bid,
    make_staff,
    make_user,
)
from tests.support.scenarios import set_declaration

_emails = itertools.count(1)

# Amounts of the round's eligible bids, in reference order: A, B, C, D.
AMOUNTS = [4_000_00, 3_500_00, 2_500_00, 1_000_00]
BUDGET = 10_000_00


@dataclass
class Setting:
    """Ids and emails of a round in voting: four eligible bids, a panellist with the code of conduct accepted,
    and the people around it. `bid_ids` are the eligible bids in reference order."""

    round_id: int
    bid_ids: list[int]
    ineligible_bid_id: int
    other_round_id: int
    other_round_bid_id: int
    panellist_id: int
    panellist_email: str
    staff_id: int
    staff_email: str
    other_staff_email: str
    auditor_email: str
    applicant_email: str
    other_panellist_email: str
    panel_ids: list[int] = field(default_factory=list)


def add_panellists(
    session: Session,
    round_: Round,
    count: int,
    *,
    conduct: bool = True,
    declared: bool = True,
    password_hash: str | None = None,
) -> list[User]:
    """`count` new panellists of the round, made directly (one password hash shared by all, so it is cheap)."""
    password_hash = password_hash or hash_password(PASSWORD)
    users = []
    for _ in range(count):
        n = next(_emails)
        user = User(name=f"Panellist {n}", email=f"voter{n}@example.com", password_hash=password_hash)
        session.add(user)
        users.append(user)
    session.flush()
    eligible = list(
        session.scalars(sa.select(Bid.id).where(Bid.round_id == round_.id, Bid.status == BidStatus.ELIGIBLE))
    )
    for user in users:
        session.add(PanelMember(round_id=round_.id, user_id=user.id, conduct_accepted_at=utcnow() if conduct else None))
        if declared:  # panellists declare (no conflict) on every bid before they vote
            for bid_id in eligible:
                session.add(
                    ConflictDeclaration(round_id=round_.id, user_id=user.id, bid_id=bid_id, kind=ConflictKind.NONE)
                )
    session.flush()
    return users


def make_voting_round(
    app: Flask,
    *,
    method: VotingMethod = VotingMethod.APPROVAL,
    approval_limit: int | None = 2,
    ranked_limit: int | None = 2,
    status: RoundStatus = RoundStatus.VOTING,
    closes_in: timedelta | None = timedelta(days=7),
    conduct: bool = True,
) -> Setting:
    with app_session(app) as s:
        funder = make_funder(s, name="Riverside Fund")
        staff = make_staff(s, funder, name="Priya Shah")
        auditor = make_auditor(s, funder)
        now = utcnow()
        round_ = make_round(
            s,
            funder,
            code="VOTE1",
            title="Warm Spaces",
            status=status,
            budget_pence=BUDGET,
            max_grant_pence=5_000_00,
            opens_at=now - timedelta(days=60),
            closes_at=now - timedelta(days=30),
            voting_method=method,
            approval_limit=approval_limit if method in (VotingMethod.APPROVAL, VotingMethod.EQUAL_SHARES) else None,
            ranked_limit=ranked_limit if method == VotingMethod.RANKED else None,
            scoring_closes_at=now - timedelta(days=2),
            voting_closes_at=now + closes_in if closes_in is not None else None,
        )
        bids = [
            make_sent_bid(
                s,
                round_,
                number=i + 1,
                group_name=f"Group {'ABCD'[i]}",
                title=f"Bid {'ABCD'[i]}",
                amount_pence=amount,
                status=BidStatus.ELIGIBLE,
            )
            for i, amount in enumerate(AMOUNTS)
        ]
        ineligible = make_sent_bid(s, round_, number=9, title="Not eligible", status=BidStatus.INELIGIBLE)
        other_round = make_round(s, funder, code="OTHER", title="Another round", status=status)
        other_bid = make_sent_bid(s, other_round, number=1, title="Elsewhere", status=BidStatus.ELIGIBLE)
        (panellist,) = add_panellists(s, round_, 1, conduct=conduct)
        (other_panellist,) = add_panellists(s, other_round, 1)
        other_staff = make_staff(s, make_funder(s))
        applicant = make_user(s, name="Maria Okafor")
        return Setting(
            round_id=round_.id,
            bid_ids=[b.id for b in bids],
            ineligible_bid_id=ineligible.id,
            other_round_id=other_round.id,
            other_round_bid_id=other_bid.id,
            panellist_id=panellist.id,
            panellist_email=panellist.email,
            staff_id=staff.id,
            staff_email=staff.email,
            other_staff_email=other_staff.email,
            auditor_email=auditor.email,
            applicant_email=applicant.email,
            other_panellist_email=other_panellist.email,
        )


def declare_conflict(app: Flask, *, round_id: int, user_id: int, bid_id: int) -> None:
    with app_session(app) as s:
        set_declaration(
            s, round_id=round_id, user_id=user_id, bid_id=bid_id, kind=ConflictKind.PERSONAL, note="My sister"
        )


def ballots(app: Flask, round_id: int, user_id: int | None = None) -> list[tuple[int, bool, list[int]]]:
    """(id, is_current, bid ids by position) of the round's ballots, oldest first."""
    with app_session(app) as s:
        query = sa.select(Ballot).where(Ballot.round_id == round_id).order_by(Ballot.id)
        if user_id is not None:
            query = query.where(Ballot.user_id == user_id)
        return [(b.id, b.is_current, [c.bid_id for c in b.choices]) for b in s.scalars(query)]


def ballot_events(app: Flask) -> list[AuditEvent]:
    return events(app, "ballot.")
