"""Plain factory functions for models: each takes a session, flushes, and returns the object."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pyotp
from sqlalchemy.orm import Session

from grants.auth.invitations import grant_role
from grants.auth.services import register_user
from grants.auth.two_factor import confirm_setup
from grants.models import (
    Answer,
    Attachment,
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    BudgetLine,
    Criterion,
    Funder,
    Group,
    GroupKind,
    GroupMember,
    PanelMember,
    Question,
    ReportDate,
    Role,
    Round,
    RoundStatus,
    User,
    utcnow,
)

PASSWORD = "correct horse battery"
# The authenticator app's key of every staff member, auditor and site admin made here (they must use two-step
# sign-in); tests/support/signin.py reads each account's own key, so a test may give someone another.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PDF_BYTES = b"%PDF-1.4\n% a tiny test file\n"
_counter = itertools.count(1)


def make_user(
    session: Session, *, email: str | None = None, name: str = "Test Person", password: str = PASSWORD
) -> User:
    email = email or f"person{next(_counter)}@example.com"
    return register_user(session, name=name, email=email, password=password)


def make_funder(session: Session, *, name: str | None = None) -> Funder:
    n = next(_counter)
    funder = Funder(name=name or f"Funder {n}", slug=f"funder-{n}")
    session.add(funder)
    session.flush()
    return funder


def set_up_two_factor(session: Session, user: User, *, secret: str = TOTP_SECRET) -> list[str]:
    """Two-step sign-in turned on as a person does it (a code from the app confirms the key), a few minutes ago;
    returns the recovery codes."""
    then = utcnow() - timedelta(minutes=5)
    return confirm_setup(session, user=user, secret=secret, code=pyotp.TOTP(secret).at(then), now=then)


def make_staff(session: Session, funder: Funder, **kwargs: Any) -> User:
    user = make_user(session, **kwargs)
    grant_role(session, user=user, role=Role.STAFF, funder=funder)
    set_up_two_factor(session, user)
    return user


def make_auditor(session: Session, funder: Funder, **kwargs: Any) -> User:
    user = make_user(session, **kwargs)
    grant_role(session, user=user, role=Role.AUDITOR, funder=funder)
    set_up_two_factor(session, user)
    return user


def make_admin(session: Session, **kwargs: Any) -> User:
    user = make_user(session, **kwargs)
    grant_role(session, user=user, role=Role.SITE_ADMIN)
    set_up_two_factor(session, user)
    return user


def make_round(session: Session, funder: Funder, **overrides: Any) -> Round:
    now = utcnow()
    values: dict[str, Any] = {
        "funder_id": funder.id,
        "code": f"R{next(_counter)}",
        "title": "Test round",
        "summary": "Small grants for local groups.",
        "who_can_apply": "Any local group.",
        "budget_pence": 10_000_00,
        "min_grant_pence": 100_00,
        "max_grant_pence": 2_000_00,
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=14),
        "status": RoundStatus.OPEN,
    }
    values.update(overrides)
    round_ = Round(**values)
    round_.questions = [Question(position=1, prompt="What will you do?", word_limit=200)]
    round_.criteria = [Criterion(position=1, name="Need", weight=1)]
    session.add(round_)
    session.flush()
    return round_


def make_group_with_member(session: Session, user: User, *, name: str = "Test Group") -> Group:
    group = Group(name=name, area="Riverside", kind=GroupKind.INFORMAL)
    session.add(group)
    session.flush()
    session.add(GroupMember(group_id=group.id, user_id=user.id))
    session.flush()
    return group


def make_bid(
    session: Session, round_: Round, group: Group, *, status: BidStatus = BidStatus.DRAFT, **values: Any
) -> Bid:
    """A bid of `group`'s ("Our idea", £500), sent unless a draft; `values` set any other column."""
    bid = Bid(
        round_id=round_.id,
        group_id=group.id,
        number=next(_counter),
        title="Our idea",
        amount_pence=500_00,
        status=status,
        submitted_at=None if status == BidStatus.DRAFT else utcnow(),
    )
    for name, value in values.items():
        setattr(bid, name, value)
    session.add(bid)
    session.flush()
    return bid


def make_screened_bid(session: Session, round_: Round, group: Group, *, eligible: bool = True, **values: Any) -> Bid:
    """A sent bid of `group`'s that staff have screened eligible (or not) just now."""
    bid = make_bid(session, round_, group, status=BidStatus.SUBMITTED, **values)
    bid.status = BidStatus.ELIGIBLE if eligible else BidStatus.INELIGIBLE
    bid.screened_at = utcnow()
    session.flush()
    return bid


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
    **values: Any,
) -> Bid:
    """A bid the group has sent (or a draft), with a group of its own that has no members. Its times follow
    its status (sent, screened, withdrawn just now) unless `values` give them."""
    group = Group(name=group_name, area=area, kind=GroupKind.INFORMAL)
    session.add(group)
    session.flush()
    now = utcnow()
    columns: dict[str, Any] = {
        "submitted_at": None if status == BidStatus.DRAFT else now,
        "screened_at": now if status in (BidStatus.ELIGIBLE, BidStatus.INELIGIBLE) else None,
        "withdrawn_at": now if status == BidStatus.WITHDRAWN else None,
        **values,
    }
    bid = Bid(
        round_id=round_.id,
        group_id=group.id,
        number=number,
        title=title,
        amount_pence=amount_pence,
        status=status,
        entered_by_staff_id=entered_by_staff_id,
        **columns,
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


def make_award(
    session: Session,
    bid: Bid,
    *,
    offered_by_id: int,
    status: AwardStatus = AwardStatus.ACCEPTED,
    due_on: Sequence[date] = (),
    amount_pence: int | None = None,
    **values: Any,
) -> Award:
    """An award for `bid` (of the amount it asked for, unless given) with a report due on each of `due_on`,
    made directly rather than through the awards services."""
    award = Award(
        round_id=bid.round_id,
        bid_id=bid.id,
        amount_pence=bid.amount_pence if amount_pence is None else amount_pence,
        status=status,
        offered_by_id=offered_by_id,
        **values,
    )
    award.report_dates = [ReportDate(due_on=day) for day in due_on]
    session.add(award)
    session.flush()
    return award


def make_panellist(session: Session, round_: Round, **kwargs: Any) -> User:
    user = make_user(session, **kwargs)
    session.add(PanelMember(round_id=round_.id, user_id=user.id))
    session.flush()
    return user


# The new-group form as a small group fills it in (an unregistered group, no phone).
GROUP_FORM = {
    "name": "Friends of Elm Park",
    "area": "Elm Park, RV3",
    "kind": "informal",
    "registration_number": "",
    "contact_name": "Maria Okafor",
    "contact_email": "maria@example.com",
    "contact_phone": "",
}
