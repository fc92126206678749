"""The trail index: record_event writes which rounds and bids each event is about, migration 0020 wrote the same
for the events before it, and the bid trail and the round audit read a page at a time."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.audit import trail
from grants.audit.chain import record_event
from grants.extensions import db
from grants.models import AuditEvent, BidEventLink, RoundEventLink
from tests.audit.test_chain_migration import _old_database
from tests.audit_trail.helpers import award_and_pay, ratify, record_panel_events
from tests.decisions.helpers import Setting, make_setting
from tests.support.db import app_session
from tests.support.signin import sign_in

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0020_audit_at_scale.py"


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_setting(app)


def _links(app: Flask) -> tuple[set[tuple[int, int, int, bool]], set[tuple[int, int, int]]]:
    with app_session(app) as s:
        rounds = {tuple(r) for r in s.execute(sa.select(RoundEventLink.round_id, RoundEventLink.chain,
                                                         RoundEventLink.seq, RoundEventLink.every_bid))}  # fmt: skip
        bids = {tuple(r) for r in s.execute(sa.select(BidEventLink.bid_id, BidEventLink.chain, BidEventLink.seq))}
    return rounds, bids  # type: ignore[return-value]


def _seqs(app: Flask, action: str) -> list[int]:
    with app_session(app) as s:
        return list(s.scalars(sa.select(AuditEvent.seq).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def _decided_round_with_awards(app: Flask, setting: Setting) -> int:
    record_panel_events(app, setting)
    ratify(app, setting, depart="B")
    return award_and_pay(app, setting, "A")


def test_each_event_is_indexed_under_its_round_and_the_bids_it_is_about(app: Flask, setting: Setting) -> None:
    _decided_round_with_awards(app, setting)
    rounds, bids = _links(app)
    a, b, rid = setting.bids["A"], setting.bids["B"], setting.round_id
    bid_seqs = {bid_id: {seq for bid_id_, _, seq in bids if bid_id_ == bid_id} for bid_id in setting.bids.values()}
    ballot = _seqs(app, "ballot.cast")[0]
    assert ballot in bid_seqs[a] and ballot in bid_seqs[b]  # a ballot is about every bid it chose
    b_score = [seq for seq in _seqs(app, "score.given") if seq in bid_seqs[b]]
    assert b_score and not set(b_score) & bid_seqs[a]  # a score is about its own bid only
    for action in ("award.offered", "award.accepted", "payment.recorded"):  # through the award, to its bid
        assert set(_seqs(app, action)) <= bid_seqs[a]
    assert set(_seqs(app, "decision.departed")) <= bid_seqs[b]
    decisions = set(_seqs(app, "tally.recorded")) | set(_seqs(app, "decision.ratified"))
    assert decisions and {(rid, 1, seq, True) for seq in decisions} <= rounds  # in every bid's trail
    assert not decisions & set().union(*bid_seqs.values())  # so not linked to each bid one by one
    with app_session(app) as s:
        events = set(s.scalars(sa.select(AuditEvent.seq).where(AuditEvent.chain == 1)))
        about_round = {seq for round_id, _, seq, _ in rounds if round_id == rid}
        # Every event of the round's story is about the round; the funder's and people's own events are not.
        actions = dict(s.execute(sa.select(AuditEvent.seq, AuditEvent.action).where(AuditEvent.chain == 1)).all())
    assert {actions[seq].split(".")[0] for seq in events - about_round} <= {"role", "invitation", "funder"}


def test_the_migration_indexes_the_events_before_it_as_record_event_does(app: Flask, setting: Setting) -> None:
    _decided_round_with_awards(app, setting)
    written = _links(app)
    spec = importlib.util.spec_from_file_location("migration_0020", MIGRATION)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        conn = db.session.connection()
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        else:
            for table in ("audit_round_event", "audit_bid_event"):
                conn.execute(sa.text(f"DROP TRIGGER {table}_no_delete"))
        conn.execute(sa.text("DELETE FROM audit_round_event"))
        conn.execute(sa.text("DELETE FROM audit_bid_event"))
        migration._backfill(conn)
        db.session.commit()
    assert _links(app) == written


def test_upgrading_an_old_database_indexes_its_events(tmp_path: Path, database_backend: str) -> None:
    if database_backend != "sqlite":
        pytest.skip("the old database is built on SQLite")
    old, upgrade = _old_database(tmp_path)
    with old.app_context():
        upgrade()
        rows = db.session.execute(sa.text("SELECT round_id, chain, seq FROM audit_round_event ORDER BY 1, 2, 3"))
        assert [tuple(r) for r in rows] == [(1, 1, 2), (1, 1, 3), (2, 2, 1)]  # the events about rounds 1 and 2
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text("DELETE FROM audit_round_event"))
        db.session.remove()
        db.engine.dispose()


def _auditor(app: Flask, setting: Setting) -> FlaskClient:
    client = app.test_client()
    sign_in(client, setting.auditor_email)
    return client


def test_a_long_trail_is_read_a_page_at_a_time(app: Flask, setting: Setting, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trail, "TRAIL_PAGE_SIZE", 4)
    bid_c = setting.bids["C"]
    with app_session(app) as s:
        for value in range(10):
            record_event(
                s,
                "score.changed",
                by=setting.panellists[0],
                role="panellist",
                about=1,
                facts={"round_id": setting.round_id, "bid_id": bid_c, "criterion_id": 1, "value": value},
            )
    auditor = _auditor(app, setting)
    first = auditor.get(f"/audit/bids/{bid_c}").text
    assert first.count('data-action="score.changed"') == 4
    assert "Events 1 to 4 of the 10 in this trail (page 1 of 3)" in first
    assert f'href="/audit/bids/{bid_c}?page=2"' in first
    last = auditor.get(f"/audit/bids/{bid_c}?page=3").text
    assert "Events 9 to 10 of the 10 in this trail (page 3 of 3)" in last and "value: 9" not in first
    beyond = auditor.get(f"/audit/bids/{bid_c}?page=99")
    assert beyond.status_code == 200 and "(page 3 of 3)" in beyond.text  # past the end: the last page
    nonsense = auditor.get(f"/audit/bids/{bid_c}?page=x")
    assert nonsense.status_code == 200 and "(page 1 of 3)" in nonsense.text


def test_the_trail_counts_a_round_decision_once_for_each_bid(app: Flask, setting: Setting) -> None:
    _decided_round_with_awards(app, setting)
    with app_session(app) as s:
        from grants.models import Bid

        bid_d = s.get(Bid, setting.bids["D"])
        assert bid_d is not None
        found = trail.bid_trail(s, bid_d, name_panellists=True)
    actions = [row.event.action for row in found.rows]
    assert actions.count("decision.ratified") == 1 and actions.count("tally.recorded") == 2
    assert found.total == len(found.rows) and found.pages == 1


def test_the_round_audit_lists_its_bids_a_page_at_a_time(
    app: Flask, setting: Setting, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trail, "BIDS_PAGE_SIZE", 3)
    auditor = _auditor(app, setting)
    first = auditor.get(f"/audit/rounds/{setting.round_id}").text
    assert "Bids 1 to 3 of 4, by number." in first
    assert f'href="/audit/bids/{setting.bids["C"]}"' in first and f'href="/audit/bids/{setting.bids["D"]}"' not in first
    second = auditor.get(f"/audit/rounds/{setting.round_id}?page=2").text
    assert "Bids 4 to 4 of 4, by number." in second and f'href="/audit/bids/{setting.bids["D"]}"' in second
