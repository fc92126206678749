"""Helpers for the decision tests: an approval round whose vote has closed, with real rows for every input.

Bids A £4,000, B £3,500, C £2,500, D £1,000 (submitted in that order); budget £10,000; K = 2; quorum 3.
Panellists P1 to P5. P5 declared a conflict with A, yet scored A (1s) and approved it: both must be dropped.
Counted approvals: A 3 (P1, P2, P3), B 3 (P1, P3, P4), C 2 (P2, P5), D 1 (P4). A beats B on its mean score.
The walk funds A, B and C (£10,000); D does not fit. D has only two scorers, so it is flagged under quorum.
Departing from B frees £3,500: C and then D move up, so A, C and D are funded.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy.orm import Session

from grants.decisions import confirmations
from grants.models import (
    Ballot,
    BallotChoice,
    Bid,
    BidStatus,
    ConflictDeclaration,
    ConflictKind,
    Criterion,
    PanelMember,
    ProposalKind,
    Round,
    RoundStatus,
    User,
    VotingMethod,
    utcnow,
)
from tests.support.db import app_session
from tests.support.factories import (
    make_auditor,
    make_funder,
    make_group_with_member,
    make_round,
    make_sent_bid,
    make_staff,
    make_user,
)
from tests.support.scenarios import add_scores

_numbers = itertools.count(1)
AMOUNTS = {"A": 4_000_00, "B": 3_500_00, "C": 2_500_00, "D": 1_000_00}
BUDGET = 10_000_00


@dataclass(frozen=True)
class Setting:
    round_id: int
    round_code: str
    funder_slug: str
    bids: dict[str, int]  # "A".."D" -> bid id
    panellists: list[int]  # P1..P5 user ids
    panellist_emails: list[str]
    criteria: list[int]
    staff_id: int
    staff_email: str
    colleague_id: int  # a second member of the funder's staff, who confirms what staff propose
    colleague_email: str
    other_staff_email: str
    auditor_email: str
    applicant_email: str
    other_panellist_email: str


def _bid(session: Session, round_: Round, name: str, minutes: int) -> Bid:
    now = utcnow()
    return make_sent_bid(
        session,
        round_,
        number=next(_numbers),
        group_name=f"Group {name}",
        title=f"Project {name}",
        amount_pence=AMOUNTS[name],
        status=BidStatus.ELIGIBLE,
        submitted_at=now - timedelta(days=25, minutes=-minutes),
        screened_at=now - timedelta(days=18),
    )


def add_ballot(session: Session, round_: Round, user_id: int, bid_ids: list[int], *, current: bool = True) -> Ballot:
    ballot = Ballot(
        round_id=round_.id,
        user_id=user_id,
        is_current=current,
        superseded_at=None if current else utcnow(),
        receipt_salt=secrets.token_hex(16),
        receipt_code=secrets.token_hex(8),
        choices=[BallotChoice(bid_id=b, position=i) for i, b in enumerate(bid_ids, start=1)],
    )
    session.add(ballot)
    session.flush()
    return ballot


def make_setting(app: Flask, *, voting_closed: bool = True, two_people: bool = True) -> Setting:
    """The round, its funder asking for two people on the decisions that move money unless `two_people` is False."""
    with app_session(app) as s:
        funder = make_funder(s)
        funder.two_person_decisions = two_people
        now = utcnow()
        round_ = make_round(
            s,
            funder,
            status=RoundStatus.VOTING,
            budget_pence=BUDGET,
            max_grant_pence=5_000_00,
            opens_at=now - timedelta(days=30),
            closes_at=now - timedelta(days=20),
            scoring_closes_at=now - timedelta(days=10),
            voting_closes_at=now - timedelta(hours=1) if voting_closed else now + timedelta(days=2),
            voting_method=VotingMethod.APPROVAL,
            approval_limit=2,
            quorum=3,
        )
        round_.criteria.append(Criterion(position=2, name="Reach", weight=2))
        s.flush()
        bids = {name: _bid(s, round_, name, i) for i, name in enumerate("ABCD")}
        panel = []
        for i in range(5):
            user = make_user(s, name=f"Panellist {i + 1}")
            s.add(PanelMember(round_id=round_.id, user_id=user.id, conduct_accepted_at=now - timedelta(days=12)))
            panel.append(user)
        s.flush()
        p1, p2, p3, p4, p5 = panel
        for user in panel:
            for name, bid in bids.items():
                kind = ConflictKind.PERSONAL if (user is p5 and name == "A") else ConflictKind.NONE
                s.add(ConflictDeclaration(round_id=round_.id, user_id=user.id, bid_id=bid.id, kind=kind))
        s.flush()
        for user in (p1, p2, p3, p4):
            add_scores(s, round_, user.id, bids["A"].id, (5, 5))
        add_scores(s, round_, p5.id, bids["A"].id, (1, 1))  # recused: dropped by the tally
        for user in panel:
            add_scores(s, round_, user.id, bids["B"].id, (5, 4))
            add_scores(s, round_, user.id, bids["C"].id, (3, 3))
        for user in (p1, p2):
            add_scores(s, round_, user.id, bids["D"].id, (2, 2))

        a, b, c, d = (bids[n].id for n in "ABCD")
        add_ballot(s, round_, p1.id, [a, b])
        add_ballot(s, round_, p2.id, [a, c])
        add_ballot(s, round_, p3.id, [b, a])
        add_ballot(s, round_, p4.id, [a, c], current=False)  # replaced: only the current ballot counts
        add_ballot(s, round_, p4.id, [b, d])
        add_ballot(s, round_, p5.id, [c, a])  # A is dropped: P5 is recused from it

        staff = make_staff(s, funder, name="Priya Shah")
        colleague = make_staff(s, funder, name="Daniel Okafor")
        other_staff = make_staff(s, make_funder(s))
        auditor = make_auditor(s, funder)
        applicant = make_user(s)
        make_group_with_member(s, applicant, name="Applicant group")
        other_round = make_round(s, funder, status=RoundStatus.VOTING)
        other_panellist = make_user(s)
        s.add(PanelMember(round_id=other_round.id, user_id=other_panellist.id, conduct_accepted_at=now))
        s.flush()
        return Setting(
            round_id=round_.id,
            round_code=round_.code,
            funder_slug=funder.slug,
            bids={name: bid.id for name, bid in bids.items()},
            panellists=[u.id for u in panel],
            panellist_emails=[u.email for u in panel],
            criteria=[c.id for c in round_.criteria],
            staff_id=staff.id,
            staff_email=staff.email,
            colleague_id=colleague.id,
            colleague_email=colleague.email,
            other_staff_email=other_staff.email,
            auditor_email=auditor.email,
            applicant_email=applicant.email,
            other_panellist_email=other_panellist.email,
        )


def two_step(
    session: Session,
    setting: Setting,
    kind: ProposalKind,
    *,
    text: str = "",
    bid: str | None = None,
    now: datetime | None = None,
) -> object:
    """A decision as staff take it where the funder asks for two people: staff propose, their colleague confirms."""
    round_, staff, colleague = (
        session.get(Round, setting.round_id),
        session.get(User, setting.staff_id),
        session.get(User, setting.colleague_id),
    )
    assert round_ is not None and staff is not None and colleague is not None
    at = now or utcnow()
    bid_id = setting.bids[bid] if bid else None
    asked = confirmations.Asked(kind, text, bid_id)
    proposal = confirmations.propose(session, round_=round_, asked=asked, actor=staff, now=at)
    return confirmations.confirm(session, proposal=proposal, actor=colleague, now=at)
