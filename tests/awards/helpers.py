"""Helpers for the award tests: a round whose decision is ratified, built directly (not through the decisions
services), with funded and unfunded bids, panel scores with comments, and a second funder's staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask
from sqlalchemy.orm import Session

from grants.awards import services
from grants.models import (
    Bid,
    ConflictDeclaration,
    ConflictKind,
    Criterion,
    Ratification,
    Round,
    RoundStatus,
    Score,
    TallyRun,
    User,
    utcnow,
)
from grants.timefmt import today_in_london
from tests.support.db import app_session
from tests.support.factories import (
    make_funder,
    make_group_with_member,
    make_panellist,
    make_round,
    make_screened_bid,
    make_staff,
    make_user,
)

PANELLIST_NAME = "Winifred Quarrington"
RECUSED_NAME = "Bartholomew Conflicted"


@dataclass(frozen=True)
class Setting:
    """Ids and emails of one funder's ratified round: two funded bids, one unfunded, one ineligible."""

    round_id: int
    funded_id: int  # asks for £500
    funded2_id: int  # asks for £400
    unfunded_id: int
    ineligible_id: int
    staff_email: str
    staff_id: int
    member_email: str  # a member of the first funded bid's group
    member_id: int
    unfunded_member_email: str
    other_applicant_email: str
    other_staff_email: str
    panellist_email: str


def ratify(session: Session, round_: Round, funded_ids: list[int], staff_id: int) -> Ratification:
    """Record a panel tally, a ratified tally and a ratification funding `funded_ids` (as the decisions area
    would, without depending on its services)."""
    runs = []
    for kind in ("panel", "ratified"):
        run = TallyRun(
            round_id=round_.id,
            kind=kind,
            algorithm_version="test",
            digest="0" * 64,
            inputs={},
            result={"funded_ids": funded_ids},
            created_by_id=staff_id,
        )
        session.add(run)
        runs.append(run)
    session.flush()
    ratification = Ratification(
        round_id=round_.id, panel_run_id=runs[0].id, ratified_run_id=runs[1].id, ratified_by_id=staff_id
    )
    session.add(ratification)
    session.flush()
    return ratification


def make_setting(
    app: Flask, *, round_status: RoundStatus = RoundStatus.DECIDED, budget_pence: int = 1_000_00, ratified: bool = True
) -> Setting:
    with app_session(app) as s:
        funder = make_funder(s, name="Riverside Fund")
        staff = make_staff(s, funder, name="Priya Shah")
        round_ = make_round(s, funder, status=round_status, budget_pence=budget_pence, max_grant_pence=500_00)
        round_.criteria.append(Criterion(position=2, name="Plan", weight=1))
        s.flush()
        member = make_user(s, name="Maria Okafor")
        funded = make_screened_bid(s, round_, make_group_with_member(s, member, name="Friends of Elm Park"))
        funded2 = make_screened_bid(s, round_, make_group_with_member(s, make_user(s), name="Youth Football"))
        funded2.amount_pence = 400_00
        unfunded_member = make_user(s, name="Sam Lee")
        unfunded = make_screened_bid(s, round_, make_group_with_member(s, unfunded_member, name="Food Share"))
        ineligible = make_screened_bid(
            s, round_, make_group_with_member(s, make_user(s), name="Too Far Away"), eligible=False
        )
        ineligible.screening_reason = "Outside the area"
        s.flush()
        other_applicant = make_user(s)
        make_group_with_member(s, other_applicant, name="Another Group")
        other_staff = make_staff(s, make_funder(s))
        panellist = make_panellist(s, round_, name=PANELLIST_NAME)
        recused = make_panellist(s, round_, name=RECUSED_NAME)
        need, plan = round_.criteria[0], round_.criteria[1]
        s.add_all(
            [
                Score(
                    round_id=round_.id,
                    user_id=panellist.id,
                    bid_id=unfunded.id,
                    criterion_id=need.id,
                    value=3,
                    comment="Clear need in the area.",
                ),
                Score(
                    round_id=round_.id,
                    user_id=panellist.id,
                    bid_id=unfunded.id,
                    criterion_id=plan.id,
                    value=2,
                    comment="The plan needs more detail on who will run it.",
                ),
                Score(
                    round_id=round_.id,
                    user_id=recused.id,
                    bid_id=unfunded.id,
                    criterion_id=need.id,
                    value=1,
                    comment="A comment from a recused panellist.",
                ),
                Score(
                    round_id=round_.id,
                    user_id=panellist.id,
                    bid_id=funded.id,
                    criterion_id=need.id,
                    value=5,
                    comment="",
                ),
                ConflictDeclaration(
                    round_id=round_.id,
                    user_id=recused.id,
                    bid_id=unfunded.id,
                    kind=ConflictKind.PERSONAL,
                    note="My cousin",
                ),
            ]
        )
        s.flush()
        if ratified:
            ratify(s, round_, [funded.id, funded2.id], staff.id)
        return Setting(
            round_id=round_.id,
            funded_id=funded.id,
            funded2_id=funded2.id,
            unfunded_id=unfunded.id,
            ineligible_id=ineligible.id,
            staff_email=staff.email,
            staff_id=staff.id,
            member_email=member.email,
            member_id=member.id,
            unfunded_member_email=unfunded_member.email,
            other_applicant_email=other_applicant.email,
            other_staff_email=other_staff.email,
            panellist_email=panellist.email,
        )


def london_today() -> date:
    return today_in_london()


def date_parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def future(days: int = 90) -> date:
    return london_today() + timedelta(days=days)


def offer_form(amount: str = "500", **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "amount": amount,
        "reduced_reason": "",
        "conditions": "Spend it by the end of the year.",
        "report_date_1": date_parts(future(90)),
        "report_date_2": date_parts(future(180)),
    }
    data.update(overrides)
    return data


def bid(app: Flask, bid_id: int) -> Bid:
    with app_session(app) as s:
        found = s.get(Bid, bid_id)
        assert found is not None
        return found


def accepted_award(app: Flask, setting: Setting, amount_pence: int = 500_00) -> int:
    """Offer the first funded bid `amount_pence` and have its group accept; the award's id."""
    with app_session(app) as s:
        funded, staff, member = (
            s.get(Bid, setting.funded_id),
            s.get(User, setting.staff_id),
            s.get(User, setting.member_id),
        )
        assert funded is not None and staff is not None and member is not None
        award = services.make_offer(
            s,
            bid=funded,
            amount_pence=amount_pence,
            reduced_reason="" if amount_pence >= (funded.amount_pence or 0) else "We can fund part of it",
            conditions="",
            report_dates=[future(90)],
            withhold_name=False,
            actor=staff,
            now=utcnow(),
        )
        services.accept_offer(s, award=award, name="Maria Okafor", conditions_accepted=True, actor=member, now=utcnow())
        return award.id
