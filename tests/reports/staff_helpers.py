"""Helpers for the staff side of reports: the awards helpers' ratified round, with awards and sent reports made
directly, a second round of the same funder with its own sent report, and a panellist of that other round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from grants.models import (
    Award,
    AwardStatus,
    Bid,
    GroupMember,
    Report,
    ReportDate,
    ReportStatus,
    Round,
    RoundStatus,
    User,
    utcnow,
)
from tests.awards.helpers import PANELLIST_NAME, RECUSED_NAME, Setting, future, make_setting
from tests.support.db import app_session
from tests.support.factories import (
    make_auditor,
    make_award,
    make_group_with_member,
    make_panellist,
    make_round,
    make_screened_bid,
    make_user,
)

__all__ = ["PANELLIST_NAME", "RECUSED_NAME", "Stories", "answers", "make_stories"]

STORY_TEXT = (
    "We ran a lunch club every Tuesday in the church hall.\n\n"
    "Older people who lived alone came and, for the first time, knew their neighbours by name."
)


def answers(text: str = STORY_TEXT) -> list[dict[str, Any]]:
    return [
        {"prompt": "What did you do?", "text": "A weekly lunch club."},
        {"prompt": "What changed, and for whom?", "text": text},
        {"prompt": "What did you learn?", "text": "Ask people what they want before planning."},
    ]


@dataclass(frozen=True)
class Stories:
    setting: Setting
    round_id: int
    report_id: int  # sent, by the first funded group (Friends of Elm Park), shared publicly
    report2_id: int  # sent, by Youth Football, not shared
    draft_id: int  # a draft of the first funded group's second report date
    other_round_id: int  # another round of the same funder
    other_report_id: int  # a sent report in that round
    other_panellist_email: str  # sits on the other round's panel only
    panellist_id: int
    group2_member_email: str
    auditor_email: str


def _award(s: Any, bid: Bid, staff_id: int, days: tuple[int, ...] = (90, 180)) -> Award:
    return make_award(
        s,
        bid,
        offered_by_id=staff_id,
        status=AwardStatus.PAID_IN_FULL,
        paid_pence=bid.amount_pence,
        due_on=[future(d) for d in days],
    )


def sent_report(s: Any, report_date: ReportDate, *, share: bool = False, text: str = STORY_TEXT) -> Report:
    report = Report(
        award_id=report_date.award_id,
        report_date_id=report_date.id,
        status=ReportStatus.SUBMITTED,
        answers=answers(text),
        recording_url="https://video.example.org/our-story",
        share_publicly=share,
        submitted_at=utcnow() - timedelta(days=1),
    )
    s.add(report)
    s.flush()
    return report


def make_stories(app: Flask) -> Stories:
    setting = make_setting(app, round_status=RoundStatus.AWARDING)
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        bid1, bid2 = s.get(Bid, setting.funded_id), s.get(Bid, setting.funded2_id)
        assert bid1 is not None and bid2 is not None
        award1 = _award(s, bid1, setting.staff_id)
        award2 = _award(s, bid2, setting.staff_id)
        report = sent_report(s, award1.report_dates[0], share=True)
        report2 = sent_report(
            s, award2.report_dates[0], text="Twenty young people trained as coaches and now run the Saturday league."
        )
        draft = Report(
            award_id=award1.id,
            report_date_id=award1.report_dates[1].id,
            status=ReportStatus.DRAFT,
            answers=answers("A draft nobody has sent yet."),
        )
        s.add(draft)
        group2_member = s.scalars(
            sa.select(User)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.group_id == bid2.group_id)
        ).one()
        other_round = make_round(s, round_.funder, status=RoundStatus.AWARDING, title="Other round")
        other_member = make_user(s)
        other_bid = make_screened_bid(s, other_round, make_group_with_member(s, other_member, name="Other Round Group"))
        other_award = _award(s, other_bid, setting.staff_id, (60,))
        other_report = sent_report(s, other_award.report_dates[0], text="Something in another round.")
        other_panellist = make_panellist(s, other_round)
        auditor = make_auditor(s, round_.funder)
        s.flush()
        panellist_id = s.scalars(sa.select(User.id).where(User.email == setting.panellist_email)).one()
        return Stories(
            setting=setting,
            round_id=round_.id,
            report_id=report.id,
            report2_id=report2.id,
            draft_id=draft.id,
            other_round_id=other_round.id,
            other_report_id=other_report.id,
            other_panellist_email=other_panellist.email,
            panellist_id=panellist_id,
            group2_member_email=group2_member.email,
            auditor_email=auditor.email,
        )
