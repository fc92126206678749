"""The audit chain: append-only, tamper-evident, safe with concurrent writers, checked by `flask audit verify`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from grants.audit.chain import AuditFactError, compute_hash, event_payload, record_event
from grants.audit.walk import verify_all_chains, verify_chain
from grants.extensions import db
from grants.models import AuditEvent
from grants.models.audit import genesis_hash
from tests.support.db import app_session, raw_sql
from tests.support.factories import make_funder, make_round, make_sent_bid
from tests.support.threads import run_together

FUNDER = 1  # the chain of the first funder the tests make


def _bids(app: Flask, n: int, *, funder_name: str = "Riverside Fund") -> list[int]:
    with app_session(app) as s:
        round_ = make_round(s, make_funder(s, name=funder_name))
        return [make_sent_bid(s, round_, number=i + 1, group_name=f"{funder_name} group {i}").id for i in range(n)]


def _write_events(app: Flask, n: int) -> None:
    bids = _bids(app, n)
    with app_session(app) as s:
        for i, bid_id in enumerate(bids):
            facts = {"n": i, "amount_pence": 100 * i}
            record_event(s, "bid.submitted", about=bid_id, facts=facts)


def test_events_chain_from_the_genesis_hash_and_verify(app: Flask) -> None:
    _write_events(app, 5)
    with app_session(app) as s:
        report = verify_chain(s, FUNDER)
        rows = list(s.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)))
    assert report.ok and report.count == 5 and report.head_seq == 5
    assert rows[0].prev_hash == genesis_hash(FUNDER)
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert report.head_hash == rows[-1].hash


def test_hash_is_sha256_over_previous_hash_and_canonical_json(app: Flask) -> None:
    _write_events(app, 1)
    with app_session(app) as s:
        row = s.scalars(sa.select(AuditEvent)).one()
    payload = event_payload(
        chain=row.chain,
        seq=row.seq,
        occurred_at=row.occurred_at,
        actor_id=row.actor_id,
        actor_role=row.actor_role,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        facts=row.facts,
    )
    import hashlib
    import json

    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert row.hash == hashlib.sha256(row.prev_hash.encode() + canonical).hexdigest()
    assert row.hash == compute_hash(row.prev_hash, payload)


def test_database_refuses_update_and_delete_of_audit_rows(app: Flask) -> None:
    _write_events(app, 2)
    with app.app_context():
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text("UPDATE audit_event SET action = 'x' WHERE seq = 1"))
        db.session.rollback()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text("DELETE FROM audit_event WHERE seq = 2"))
        db.session.rollback()
        assert verify_chain(db.session, FUNDER).count == 2


def test_an_edited_row_is_detected(app: Flask) -> None:
    _write_events(app, 5)
    with app_session(app) as s:
        raw_sql(s, "UPDATE audit_event SET object_id = 99 WHERE seq = 3")
    with app_session(app) as s:
        report = verify_chain(s, FUNDER)
    assert not report.ok
    assert report.problem is not None and report.problem.startswith("row 3:") and "edited" in report.problem
    assert report.head_seq == 2


def test_a_deleted_row_is_detected(app: Flask) -> None:
    _write_events(app, 5)
    with app_session(app) as s:
        raw_sql(s, "DELETE FROM audit_event WHERE seq = 2")
    with app_session(app) as s:
        report = verify_chain(s, FUNDER)
    assert not report.ok
    assert report.problem is not None and "row 2 is missing" in report.problem


def test_a_row_inserted_in_the_middle_is_detected(app: Flask) -> None:
    _write_events(app, 4)
    with app_session(app) as s:
        # Make room after row 2 and insert a well-formed event chained to row 2: its own hash is right,
        # but the row after it still points at row 2.
        raw_sql(s, "UPDATE audit_event SET seq = seq + 100 WHERE seq > 2")
        raw_sql(s, "UPDATE audit_event SET seq = seq - 99 WHERE seq > 100")
        row2 = s.scalars(sa.select(AuditEvent).where(AuditEvent.seq == 2)).one()
        forged = AuditEvent(
            chain=FUNDER,
            funder_id=FUNDER,
            seq=3,
            occurred_at=row2.occurred_at,
            action="bid.submitted",
            facts={},
            prev_hash=row2.hash,
            hash="",
        )
        forged.hash = compute_hash(
            row2.hash,
            event_payload(
                chain=FUNDER,
                seq=3,
                occurred_at=row2.occurred_at,
                actor_id=None,
                actor_role=None,
                action="bid.submitted",
                object_type=None,
                object_id=None,
                facts={},
            ),
        )
        # prev_hash is unique: a forger must also move the next row off it. Do so the way a forger would.
        raw_sql(s, "UPDATE audit_event SET prev_hash = 'x' || substr(prev_hash, 2) WHERE seq = 4")
        s.add(forged)
    with app_session(app) as s:
        report = verify_chain(s, FUNDER)
    assert not report.ok
    assert report.problem is not None and report.problem.startswith("row 4:")


def test_two_events_from_the_same_head_cannot_both_land(app: Flask) -> None:
    _write_events(app, 1)
    with app_session(app) as s:
        head = s.scalars(sa.select(AuditEvent)).one()
        s.add(
            AuditEvent(
                chain=FUNDER, funder_id=FUNDER, seq=2, occurred_at=head.occurred_at, action="a", facts={},
                prev_hash=head.hash, hash="1" * 64,
            )
        )  # fmt: skip
    with app.app_context(), pytest.raises(sa.exc.IntegrityError):
        db.session.add(
            AuditEvent(
                chain=FUNDER, funder_id=FUNDER, seq=3, occurred_at=head.occurred_at, action="b", facts={},
                prev_hash=head.hash, hash="2" * 64,
            )
        )  # fmt: skip
        db.session.commit()


def test_concurrent_writers_never_fork_or_break_the_chain(app: Flask) -> None:
    writers, per_writer = 8, 5
    bids = _bids(app, writers)

    def writer(n: int) -> None:
        for i in range(per_writer):
            with app.app_context():
                record_event(db.session, "bid.submitted", about=bids[n], facts={"i": i})
                db.session.commit()
                db.session.remove()

    errors = run_together(writers, writer)
    assert errors == []
    with app_session(app) as s:
        report = verify_chain(s, FUNDER)
    assert report.ok
    assert report.count == writers * per_writer


def test_facts_refuse_floats_and_long_free_text(session: Session) -> None:
    with pytest.raises(AuditFactError):
        record_event(session, "bid.submitted", facts={"amount": 12.5})
    with pytest.raises(AuditFactError):
        record_event(session, "bid.submitted", facts={"note": "x" * 501})


def test_cli_verify_passes_then_fails_naming_the_row(app: Flask) -> None:
    _write_events(app, 3)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0
    assert "Audit chain 1 (funder 1's) OK: 3 events" in ok.output
    with app_session(app) as s:
        head = s.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert head is not None
        assert head.hash in ok.output
        raw_sql(s, "UPDATE audit_event SET facts = '{\"n\": 7}' WHERE seq = 2")
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1
    assert "row 2" in bad.output


def test_each_funder_has_a_chain_of_its_own_from_its_own_genesis(app: Flask) -> None:
    riverside = _bids(app, 2, funder_name="Riverside Fund")
    hillside = _bids(app, 1, funder_name="Hillside Fund")
    with app_session(app) as s:
        for bid_id in (riverside[0], hillside[0], riverside[1]):
            record_event(s, "bid.submitted", about=bid_id)
        record_event(s, "funder.created", about=2)
    with app_session(app) as s:
        rows = list(s.scalars(sa.select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.seq)))
        reports = verify_all_chains(s)
    assert [(r.chain, r.funder_id, r.seq, r.object_id) for r in rows] == [
        (1, 1, 1, riverside[0]),
        (1, 1, 2, riverside[1]),
        (2, 2, 1, hillside[0]),
        (2, 2, 2, 2),
    ]
    assert rows[0].prev_hash == genesis_hash(1) and rows[2].prev_hash == genesis_hash(2) != genesis_hash(1)
    assert [(r.chain, r.count, r.ok) for r in reports] == [(1, 2, True), (2, 2, True)]


def test_events_of_no_funder_go_in_the_installations_chain(app: Flask) -> None:
    from grants.models import Group, GroupKind

    with app_session(app) as s:
        group = Group(name="Loose Group", area="Riverside", kind=GroupKind.INFORMAL)
        s.add(group)
        s.flush()
        record_event(s, "group.created", about=group)
        record_event(s, "role.granted", facts={"role": "site_admin"})
    with app_session(app) as s:
        assert [(r.chain, r.funder_id, r.seq) for r in s.scalars(sa.select(AuditEvent))] == [(0, None, 1), (0, None, 2)]
        assert verify_chain(s, 0).ok


def test_an_event_about_something_that_does_not_exist_is_refused(session: Session) -> None:
    from grants.audit.events import UnknownAction

    with pytest.raises(UnknownAction, match="bid 999, which does not exist"):
        record_event(session, "bid.submitted", about=999)


def test_moving_an_event_to_another_funders_chain_breaks_its_hash(app: Flask) -> None:
    _write_events(app, 1)
    _bids(app, 1, funder_name="Hillside Fund")
    with app_session(app) as s:
        raw_sql(s, "UPDATE audit_event SET chain = 2, funder_id = 2 WHERE chain = 1 AND seq = 1")
    with app_session(app) as s:
        report = verify_chain(s, 2)
    assert not report.ok and report.problem is not None and report.problem.startswith("row 1:")


def test_every_kind_of_object_the_registry_names_has_a_way_to_its_funder() -> None:
    from grants.audit.events import ACTIONS, OWNERS
    from grants.audit.owners import MODELS

    kinds = {action.object_type for action in ACTIONS}
    assert kinds <= OWNERS.keys() and OWNERS.keys() == MODELS.keys()
    assert all(hop.to in OWNERS for hops in OWNERS.values() for hop in hops)


def test_a_funders_writer_does_not_wait_for_another_funders_open_transaction(app: Flask, database_backend: str) -> None:
    if database_backend != "postgresql":
        pytest.skip("SQLite has one write lock for the whole database")
    import threading

    riverside = _bids(app, 1, funder_name="Riverside Fund")
    hillside = _bids(app, 1, funder_name="Hillside Fund")
    holding, done = threading.Event(), threading.Event()

    def hold_riverside() -> None:
        with app.app_context():
            record_event(db.session, "bid.submitted", about=riverside[0])
            holding.set()
            done.wait(timeout=30)  # Riverside's chain stays locked until Hillside's writer has finished
            db.session.commit()
            db.session.remove()

    holder = threading.Thread(target=hold_riverside)
    holder.start()
    assert holding.wait(timeout=30)
    with app.app_context():
        db.session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        record_event(db.session, "bid.submitted", about=hillside[0])
        db.session.commit()  # would wait (and time out) if both funders shared one lock
        db.session.remove()
    done.set()
    holder.join(timeout=30)
    with app_session(app) as s:
        assert [(r.chain, r.ok, r.count) for r in verify_all_chains(s)] == [(1, True, 1), (2, True, 1)]
