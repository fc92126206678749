"""Helpers for the panel tests: a round with eligible bids, two criteria and a panel, and ways to move it along."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from grants.auth.invitations import invite
from grants.models import (
    Answer,
    Bid,
    BudgetLine,
    ConflictDeclaration,
    ConflictKind,
    Criterion,
    Group,
    GroupKind,
    GroupMember,
    PanelMember,
    Role,
    Round,
    RoundStatus,
    User,
    utcnow,
)
from tests.support.db import app_session
from tests.support.factories import make_funder, make_panellist, make_round, make_screened_bid, make_staff, make_user
from tests.support.scenarios import add_scores, set_declaration

PANELLIST = "panellist@example.com"
STAFF = "staff@example.com"
OTHER_PANELLIST = "other.panellist@example.com"  # sits on another round's panel
OTHER_STAFF = "other.staff@example.com"  # staff of another funder
APPLICANT = "applicant@example.com"  # a member of the first bid's group, on no panel
GROUP_NAMES = ["Elm Park Friends", "Northside Youth Football", "Riverside Food Share", "Lunch Club", "Allotments"]


@dataclass(frozen=True)
class Panel:
    round_id: int
    other_round_id: int
    bid_ids: list[int]
    group_ids: list[int]
    criterion_ids: list[int]  # "Local need" (weight 2), then "A good plan" (weight 1)
    panellist_id: int
    member_ids: dict[str, int]  # PanelMember id by email
    invitation_id: int
    emails: list[str] = field(default_factory=list)  # every panellist of the round, in the order made


def make_panel(
    app: Flask,
    *,
    status: RoundStatus = RoundStatus.SCORING,
    bids: int = 3,
    panellists: int = 1,
    accepted: bool = True,
    declared: bool = True,
    **round_overrides: Any,
) -> Panel:
    """A funder's round in `status` with `bids` eligible bids, two criteria and a panel.

    The first panellist is PANELLIST; others are panel2@example.com and so on. With `accepted` they have agreed to
    the code of conduct; with `declared` they have declared no conflict with every bid.
    """
    now = utcnow()
    with app_session(app) as s:
        funder = make_funder(s, name="Riverside Community Fund")
        make_staff(s, funder, email=STAFF, name="Sam Staff")
        make_staff(s, make_funder(s), email=OTHER_STAFF)
        values: dict[str, Any] = {
            "title": "Winter Warmth",
            "status": status,
            "opens_at": now - timedelta(days=30),
            "closes_at": now - timedelta(days=10),
            "scoring_closes_at": now + timedelta(days=7),
            "voting_closes_at": now + timedelta(days=14),
            "quorum": 2,
        }
        values.update(round_overrides)
        round_ = make_round(s, funder, **values)
        need = round_.criteria[0]
        need.name, need.guidance, need.weight = "Local need", "Does the area need this?", 2
        round_.criteria.append(Criterion(position=2, name="A good plan", guidance="Can they do it?", weight=1))
        s.flush()
        applicant = make_user(s, email=APPLICANT, name="Alex Applicant")
        group_ids, bid_ids = [], []
        for i in range(bids):
            group = Group(name=GROUP_NAMES[i], area="Hill Ward, RV9", kind=GroupKind.INFORMAL)
            s.add(group)
            s.flush()
            if i == 0:
                s.add(GroupMember(group_id=group.id, user_id=applicant.id))
            group_ids.append(group.id)
            bid_ids.append(make_screened_bid(s, round_, group, title=f"Bid from {group.name}").id)
        s.add(Answer(bid_id=bid_ids[0], question_id=round_.questions[0].id, text="Open a warm room twice a week."))
        s.add(BudgetLine(bid_id=bid_ids[0], position=1, item="Heaters", cost_pence=500_00))

        emails = [PANELLIST] + [f"panel{i}@example.com" for i in range(2, panellists + 1)]
        member_ids: dict[str, int] = {}
        panellist_id = 0
        for email in emails:
            user = make_panellist(s, round_, email=email, name=f"Panellist {email.split('@')[0]}")
            seat = s.scalars(sa.select(PanelMember).where(PanelMember.user_id == user.id)).one()
            member_ids[email] = seat.id
            panellist_id = panellist_id or user.id
            if accepted:
                seat.conduct_accepted_at = now
            if accepted and declared:
                for bid_id in bid_ids:
                    s.add(
                        ConflictDeclaration(round_id=round_.id, user_id=user.id, bid_id=bid_id, kind=ConflictKind.NONE)
                    )
        other_round = make_round(s, funder, code="OTHER", status=RoundStatus.SCORING)
        make_panellist(s, other_round, email=OTHER_PANELLIST)
        invitation = invite(s, email="invited@example.com", role=Role.PANELLIST, round=round_).invitation
        s.flush()
        return Panel(
            round_id=round_.id,
            other_round_id=other_round.id,
            bid_ids=bid_ids,
            group_ids=group_ids,
            criterion_ids=[c.id for c in round_.criteria],
            panellist_id=panellist_id,
            member_ids=member_ids,
            invitation_id=invitation.id,
            emails=emails,
        )


def give_scores(app: Flask, round_id: int, email: str, bid_id: int, values: list[int], comment: str = "") -> None:
    """Store scores directly (as if given while scoring was open)."""
    with app_session(app) as s:
        user = s.scalars(sa.select(User).where(User.email == email)).one()
        round_ = s.get(Round, round_id)
        assert round_ is not None
        add_scores(s, round_, user.id, bid_id, values, comment)


def declare(app: Flask, email: str, bid_id: int, kind: ConflictKind, note: str = "") -> None:
    """Set a declaration directly (for arranging a test)."""
    with app_session(app) as s:
        user = s.scalars(sa.select(User).where(User.email == email)).one()
        bid = s.get(Bid, bid_id)
        assert bid is not None
        set_declaration(s, round_id=bid.round_id, user_id=user.id, bid_id=bid_id, kind=kind, note=note)


def score_form(panel: Panel, values: list[Any], comments: list[str] | None = None) -> dict[str, str]:
    """What the scoring page posts: a score (and comment) for each criterion; None leaves a score out."""
    data: dict[str, str] = {}
    for i, criterion_id in enumerate(panel.criterion_ids):
        if values[i] is not None:
            data[f"score_{criterion_id}"] = str(values[i])
        data[f"comment_{criterion_id}"] = comments[i] if comments else ""
    return data


def link_in(body: str) -> str:
    match = re.search(r"http://localhost(/invitations/\S+)", body)
    assert match, body
    return match.group(1)
