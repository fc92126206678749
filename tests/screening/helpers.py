"""Helpers for the screening tests: a closed round with a sent bid. (Sent bids and the parts a bid can carry are
made by tests/support/factories.py.)"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from grants.models import BidStatus, RoundStatus
from tests.support.db import app_session
from tests.support.factories import make_bid, make_funder, make_group_with_member, make_round, make_staff, make_user


@dataclass(frozen=True)
class Setting:
    """Ids and emails of one funder's closed round with one submitted bid, and another funder's staff."""

    round_id: int
    round_code: str
    bid_id: int
    staff_email: str
    staff_id: int
    member_email: str
    other_staff_email: str


def make_setting(app: Flask, *, round_status: RoundStatus = RoundStatus.CLOSED) -> Setting:
    with app_session(app) as s:
        funder = make_funder(s)
        staff = make_staff(s, funder, name="Priya Shah")
        round_ = make_round(s, funder, status=round_status)
        member = make_user(s, name="Maria Okafor")
        group = make_group_with_member(s, member, name="Friends of Elm Park")
        bid = make_bid(s, round_, group, status=BidStatus.SUBMITTED)
        other_staff = make_staff(s, make_funder(s))
        return Setting(
            round_id=round_.id,
            round_code=round_.code,
            bid_id=bid.id,
            staff_email=staff.email,
            staff_id=staff.id,
            member_email=member.email,
            other_staff_email=other_staff.email,
        )
