"""The panel's services without HTTP: the declaration window, upserts, and the rules they enforce themselves."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from grants.domain import DomainError
from grants.models import (
    Bid,
    ConflictDeclaration,
    ConflictKind,
    GroupMember,
    Round,
    RoundStatus,
    Score,
    User,
    utcnow,
)
from grants.panel import rules, services
from grants.panel.services import DeclarationChoice, DeclarationWindow, ScoreEntry
from tests.panel.helpers import PANELLIST, Panel, make_panel


@pytest.fixture
def panel(app: Flask) -> Panel:
    return make_panel(app, panellists=2)


def _load(session: Session, panel: Panel, email: str = PANELLIST) -> tuple[Round, User]:
    round_ = session.get(Round, panel.round_id)
    user = session.scalars(sa.select(User).where(User.email == email)).one()
    assert round_ is not None
    return round_, user


def _entries(panel: Panel, a: int, b: int) -> dict[int, ScoreEntry]:
    return {panel.criterion_ids[0]: ScoreEntry(a), panel.criterion_ids[1]: ScoreEntry(b, "ok")}


NOW = utcnow()


@pytest.mark.parametrize(
    ("values", "window"),
    [
        ({"status": RoundStatus.SCREENING}, DeclarationWindow.OPEN),
        ({"status": RoundStatus.SCORING, "scoring_closes_at": NOW + timedelta(days=1)}, DeclarationWindow.OPEN),
        (
            {"status": RoundStatus.SCORING, "scoring_closes_at": NOW - timedelta(seconds=1)},
            DeclarationWindow.CONFLICTS_ONLY,
        ),
        ({"status": RoundStatus.VOTING, "voting_closes_at": NOW + timedelta(days=1)}, DeclarationWindow.CONFLICTS_ONLY),
        ({"status": RoundStatus.VOTING, "voting_closes_at": NOW - timedelta(seconds=1)}, DeclarationWindow.FROZEN),
        ({"status": RoundStatus.DECIDED}, DeclarationWindow.FROZEN),
        ({"status": RoundStatus.COMPLETE}, DeclarationWindow.FROZEN),
    ],
)
def test_when_declarations_may_change(values: dict[str, object], window: DeclarationWindow) -> None:
    round_ = Round(status=RoundStatus.SCORING, scoring_closes_at=None, voting_closes_at=None)
    for key, value in values.items():
        setattr(round_, key, value)
    assert services.declaration_window(round_, NOW) == window


def test_saving_scores_twice_updates_the_same_rows(session: Session, panel: Panel) -> None:
    round_, user = _load(session, panel)
    bid = session.get(Bid, panel.bid_ids[0])
    assert bid is not None
    first = services.save_scores(
        session, round_=round_, bid=bid, user=user, entries=_entries(panel, 3, 4), now=utcnow()
    )
    again = services.save_scores(
        session, round_=round_, bid=bid, user=user, entries=_entries(panel, 3, 4), now=utcnow()
    )
    changed = services.save_scores(
        session, round_=round_, bid=bid, user=user, entries=_entries(panel, 5, 4), now=utcnow()
    )
    assert (first, again, changed) == (
        services.ScoreResult(2, 0),
        services.ScoreResult(0, 0),
        services.ScoreResult(0, 1),
    )
    values = session.scalars(sa.select(Score.value).where(Score.user_id == user.id).order_by(Score.criterion_id))
    assert list(values) == [5, 4]


def test_the_score_service_checks_values_itself(session: Session, panel: Panel) -> None:
    round_, user = _load(session, panel)
    bid = session.get(Bid, panel.bid_ids[0])
    assert bid is not None
    with pytest.raises(DomainError) as caught:
        services.save_scores(session, round_=round_, bid=bid, user=user, entries=_entries(panel, 3, 9), now=utcnow())
    assert caught.value.field == f"score_{panel.criterion_ids[1]}"
    with pytest.raises(DomainError):
        services.save_scores(session, round_=round_, bid=bid, user=user, entries={}, now=utcnow())


def test_the_score_service_refuses_a_recused_panellist(session: Session, panel: Panel) -> None:
    round_, user = _load(session, panel)
    bid = session.get(Bid, panel.bid_ids[0])
    assert bid is not None
    session.add(GroupMember(group_id=bid.group_id, user_id=user.id))
    session.flush()
    with pytest.raises(DomainError, match="declared a conflict"):
        services.save_scores(session, round_=round_, bid=bid, user=user, entries=_entries(panel, 3, 3), now=utcnow())


def test_a_system_recusal_cannot_be_changed_through_the_service(session: Session, panel: Panel) -> None:
    round_, user = _load(session, panel)
    bid_id = panel.bid_ids[1]
    session.add(GroupMember(group_id=panel.group_ids[1], user_id=user.id))
    session.flush()
    with pytest.raises(DomainError, match="You are a member of Northside Youth Football"):
        services.save_declarations(
            session, round_=round_, user=user, choices=[DeclarationChoice(bid_id, ConflictKind.NONE)], now=utcnow()
        )


def test_a_conflict_without_a_note_is_refused_by_the_service(session: Session, panel: Panel) -> None:
    round_, user = _load(session, panel)
    with pytest.raises(DomainError) as caught:
        services.save_declarations(
            session,
            round_=round_,
            user=user,
            choices=[DeclarationChoice(panel.bid_ids[0], ConflictKind.FINANCIAL, " ")],
            now=utcnow(),
        )
    assert caught.value.field == f"note_{panel.bid_ids[0]}"


def test_one_declaration_per_panellist_and_bid_whatever_is_sent(session: Session, panel: Panel) -> None:
    round_, user = _load(session, panel)
    for kind in (ConflictKind.OTHER, ConflictKind.PERSONAL, ConflictKind.NONE):
        choice = DeclarationChoice(panel.bid_ids[0], kind, "note", withdrawal_reason="It was a different group")
        services.save_declarations(session, round_=round_, user=user, choices=[choice], now=utcnow())
    rows = session.scalars(
        sa.select(ConflictDeclaration).where(
            ConflictDeclaration.user_id == user.id, ConflictDeclaration.bid_id == panel.bid_ids[0]
        )
    ).all()
    assert [(r.kind, r.note) for r in rows] == [(ConflictKind.NONE, "")]
    assert not rules.undeclared_bid_ids(session, round_, user.id)


def test_only_the_chair_adds_notes(session: Session, panel: Panel) -> None:
    round_, user = _load(session, panel)
    round_.scoring_closes_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(DomainError, match="Only the panel's chair"):
        services.add_deliberation_note(
            session, round_=round_, author=user, text="Hello", as_role=services.CHAIR, now=utcnow()
        )


def test_the_panel_cannot_change_once_the_round_is_decided(session: Session, panel: Panel) -> None:
    round_, user = _load(session, panel)
    round_.status = RoundStatus.DECIDED
    with pytest.raises(DomainError, match="decided"):
        services.invite_panellist(session, round_=round_, email="late@example.com", invited_by=user, now=utcnow())
