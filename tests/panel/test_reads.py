"""A GET never writes: opening any panel or voting page, even when the platform owes a recusal it has not recorded
yet (the panellist joined a bidding group after declaring), sends no INSERT, UPDATE or DELETE to the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import AuditEvent, ConflictDeclaration, GroupMember, User, utcnow
from tests.panel.helpers import PANELLIST, STAFF, give_scores, make_panel
from tests.support.db import app_session, count
from tests.support.scenarios import set_round as update_round
from tests.support.signin import signed_in as sign_in_as
from tests.support.statements import counting_statements

READ_ONLY = ("SELECT", "PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def _writes(app: Flask) -> Iterator[list[str]]:
    """Every statement sent to the database inside the block that is not a read (filled in as the block ends)."""
    written: list[str] = []
    with counting_statements(app) as seen:
        yield written
    written.extend(statement for statement in seen if not statement.lstrip().upper().startswith(READ_ONLY))


def _rows(app: Flask) -> tuple[int, int]:
    return count(app, ConflictDeclaration), count(app, AuditEvent)


def test_opening_the_panellists_pages_writes_nothing(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app, panellists=2)
    give_scores(app, panel.round_id, PANELLIST, panel.bid_ids[2], [4, 4])
    with app_session(app) as s:
        user = s.scalars(sa.select(User).where(User.email == PANELLIST)).one()
        s.add(GroupMember(group_id=panel.group_ids[2], user_id=user.id))
    sign_in_as(client, PANELLIST)
    r, b = panel.round_id, panel.bid_ids[0]
    paths = [
        f"/panel/rounds/{r}",
        f"/panel/rounds/{r}/declarations",
        f"/panel/rounds/{r}/bids",
        f"/panel/rounds/{r}/bids/{b}",
        f"/panel/rounds/{r}/summary",
        f"/panel/rounds/{r}/vote",
    ]
    before = _rows(app)
    with _writes(app) as written:
        for path in paths:
            assert client.get(path).status_code == 200, path
    assert written == []
    update_round(app, r, scoring_closes_at=utcnow() - timedelta(minutes=1))  # the summary is drawn from now on
    with _writes(app) as written:
        assert "Ranking" in client.get(f"/panel/rounds/{r}/summary").text
    assert written == []
    assert _rows(app) == before


def test_opening_the_staffs_panel_pages_writes_nothing(app: Flask, client: FlaskClient) -> None:
    panel = make_panel(app, panellists=2)
    sign_in_as(client, STAFF)
    r = panel.round_id
    before = _rows(app)
    with _writes(app) as written:
        for path in (f"/staff/rounds/{r}/panel", f"/staff/rounds/{r}/summary", f"/staff/rounds/{r}/paper-ballots"):
            assert client.get(path).status_code == 200, path
    assert written == []
    assert _rows(app) == before
