"""Plain factory functions for models: each takes a session, flushes, and returns the object."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from grants.auth.services import grant_role, register_user
from grants.models import (
    Bid,
    BidStatus,
    Criterion,
    Funder,
    Group,
    GroupKind,
    GroupMember,
    PanelMember,
    Question,
    Role,
    Round,
    RoundStatus,
    User,
    utcnow,
)

PASSWORD = "correct horse battery"
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


def make_staff(session: Session, funder: Funder, **kwargs: Any) -> User:
    user = make_user(session, **kwargs)
    grant_role(session, user=user, role=Role.STAFF, funder=funder)
    return user


def make_auditor(session: Session, funder: Funder, **kwargs: Any) -> User:
    user = make_user(session, **kwargs)
    grant_role(session, user=user, role=Role.AUDITOR, funder=funder)
    return user


def make_admin(session: Session, **kwargs: Any) -> User:
    user = make_user(session, **kwargs)
    grant_role(session, user=user, role=Role.SITE_ADMIN)
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


def make_bid(session: Session, round_: Round, group: Group, *, status: BidStatus = BidStatus.DRAFT) -> Bid:
    bid = Bid(
        round_id=round_.id,
        group_id=group.id,
        number=next(_counter),
        title="Our idea",
        amount_pence=500_00,
        status=status,
        submitted_at=None if status == BidStatus.DRAFT else utcnow(),
    )
    session.add(bid)
    session.flush()
    return bid


def make_panellist(session: Session, round_: Round, **kwargs: Any) -> User:
    user = make_user(session, **kwargs)
    session.add(PanelMember(round_id=round_.id, user_id=user.id))
    session.flush()
    return user


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, *, remember: bool = False) -> Any:
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/sign-in", data=data)
