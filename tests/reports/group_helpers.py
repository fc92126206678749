"""Helpers for the group's report tests: a ratified round (tests/awards/helpers.py) whose first funded bid has an
accepted award with two report dates, and a second accepted award for another group."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask

from grants.models import Award, Bid, Report, utcnow
from tests.awards.helpers import Setting, london_today, make_setting
from tests.support.db import app_session
from tests.support.factories import make_award
from tests.support.images import image_bytes

# The smallest real images of each kind, enough for puremagic to recognise them.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = image_bytes("JPEG")


@dataclass(frozen=True)
class Reporting:
    setting: Setting
    award_id: int
    soon_id: int  # a report date in 5 days
    later_id: int  # a report date in 60 days
    other_award_id: int
    other_date_id: int  # the other group's report date


def _award(s: sa.orm.Session, bid_id: int, staff_id: int, due: list[date]) -> Award:
    bid = s.get(Bid, bid_id)
    assert bid is not None
    return make_award(
        s,
        bid,
        offered_by_id=staff_id,
        amount_pence=bid.amount_pence or 100_00,
        due_on=due,
        responded_at=utcnow(),
        accepted_name="Maria Okafor",
    )


def make_reporting(app: Flask, *, prompts: list[str] | None = None) -> Reporting:
    setting = make_setting(app)
    today = london_today()
    with app_session(app) as s:
        award = _award(s, setting.funded_id, setting.staff_id, [today + timedelta(days=5), today + timedelta(days=60)])
        if prompts is not None:
            award.bid.round.report_prompts = prompts
        other = _award(s, setting.funded2_id, setting.staff_id, [today + timedelta(days=30)])
        s.flush()
        return Reporting(
            setting=setting,
            award_id=award.id,
            soon_id=award.report_dates[0].id,
            later_id=award.report_dates[1].id,
            other_award_id=other.id,
            other_date_id=other.report_dates[0].id,
        )


def report(app: Flask, report_date_id: int) -> Report | None:
    with app_session(app) as s:
        found = s.scalar(
            sa.select(Report).where(Report.report_date_id == report_date_id).options(sa.orm.selectinload(Report.photos))
        )
        return found


def story(*texts: str, recording_url: str = "", later: bool = False) -> dict[str, object]:
    data: dict[str, object] = {f"answers-{i}": t for i, t in enumerate(texts)}
    data["recording_url"] = recording_url
    data["later" if later else "submit"] = "y"
    return data


def photo(data: bytes = PNG, name: str = "party.png", *, agreed: bool = True, caption: str = "") -> dict[str, object]:
    form: dict[str, object] = {"photo": (io.BytesIO(data), name), "caption": caption}
    if agreed:
        form["people_agreed"] = "y"
    return form
