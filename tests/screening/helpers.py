"""Helpers for the screening tests: a closed round with sent bids, and the parts a bid can carry."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import Flask
from sqlalchemy.orm import Session

from grants.models import (
    Answer,
    Attachment,
    Bid,
    BidStatus,
    BudgetLine,
    Group,
    GroupKind,
    Round,
    RoundStatus,
    utcnow,
)
from tests.conftest import app_session
from tests.factories import make_bid, make_funder, make_group_with_member, make_round, make_staff, make_user

PDF_BYTES = b"%PDF-1.4\n% a tiny test file\n"


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


def make_sent_bid(
    session: Session,
    round_: Round,
    *,
    number: int,
    group_name: str = "A group",
    area: str = "Riverside",
    amount_pence: int = 500_00,
    status: BidStatus = BidStatus.SUBMITTED,
    title: str = "Our idea",
    entered_by_staff_id: int | None = None,
) -> Bid:
    """A bid the group has sent (or a draft), with a group of its own that has no members."""
    group = Group(name=group_name, area=area, kind=GroupKind.INFORMAL)
    session.add(group)
    session.flush()
    now = utcnow()
    bid = Bid(
        round_id=round_.id,
        group_id=group.id,
        number=number,
        title=title,
        amount_pence=amount_pence,
        status=status,
        submitted_at=None if status == BidStatus.DRAFT else now,
        screened_at=now if status in (BidStatus.ELIGIBLE, BidStatus.INELIGIBLE) else None,
        withdrawn_at=now if status == BidStatus.WITHDRAWN else None,
        entered_by_staff_id=entered_by_staff_id,
    )
    session.add(bid)
    session.flush()
    return bid


def add_answers(session: Session, bid: Bid, texts: list[str]) -> None:
    """Answer the round's questions in order (an empty string means no answer row)."""
    for question, text in zip(bid.round.questions, texts, strict=False):
        if text:
            session.add(Answer(bid_id=bid.id, question_id=question.id, text=text))
    session.flush()


def add_budget(session: Session, bid: Bid, lines: list[tuple[str, int]]) -> None:
    for position, (item, cost) in enumerate(lines, start=1):
        session.add(BudgetLine(bid_id=bid.id, position=position, item=item, cost_pence=cost))
    session.flush()


def add_attachment(
    session: Session,
    bid: Bid,
    *,
    filename: str = "plan.pdf",
    content_type: str = "application/pdf",
    content: bytes = PDF_BYTES,
) -> Attachment:
    attachment = Attachment(
        bid_id=bid.id,
        filename=filename,
        content_type=content_type,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )
    session.add(attachment)
    session.flush()
    return attachment
