"""The audit chain: append-only, tamper-evident, safe with concurrent writers, checked by `flask audit verify`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from grants.audit.chain import AuditFactError, compute_hash, event_payload, record_event, verify_chain
from grants.extensions import db
from grants.models import AuditEvent
from tests.support.db import app_session, raw_sql
from tests.support.threads import run_together


def _write_events(app: Flask, n: int) -> None:
    with app_session(app) as s:
        for i in range(n):
            record_event(s, "bid.submitted", object_type="bid", object_id=i, facts={"n": i, "amount_pence": 100 * i})


def test_events_chain_from_the_genesis_hash_and_verify(app: Flask) -> None:
    _write_events(app, 5)
    with app_session(app) as s:
        report = verify_chain(s)
        rows = list(s.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)))
    assert report.ok and report.count == 5 and report.head_seq == 5
    assert rows[0].prev_hash == "0" * 64
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert report.head_hash == rows[-1].hash


def test_hash_is_sha256_over_previous_hash_and_canonical_json(app: Flask) -> None:
    _write_events(app, 1)
    with app_session(app) as s:
        row = s.scalars(sa.select(AuditEvent)).one()
    payload = event_payload(
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
        assert verify_chain(db.session).count == 2


def test_an_edited_row_is_detected(app: Flask) -> None:
    _write_events(app, 5)
    with app_session(app) as s:
        raw_sql(s, "UPDATE audit_event SET object_id = 99 WHERE seq = 3")
    with app_session(app) as s:
        report = verify_chain(s)
    assert not report.ok
    assert report.problem is not None and report.problem.startswith("row 3:") and "edited" in report.problem
    assert report.head_seq == 2


def test_a_deleted_row_is_detected(app: Flask) -> None:
    _write_events(app, 5)
    with app_session(app) as s:
        raw_sql(s, "DELETE FROM audit_event WHERE seq = 2")
    with app_session(app) as s:
        report = verify_chain(s)
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
        report = verify_chain(s)
    assert not report.ok
    assert report.problem is not None and report.problem.startswith("row 4:")


def test_two_events_from_the_same_head_cannot_both_land(app: Flask) -> None:
    _write_events(app, 1)
    with app_session(app) as s:
        head = s.scalars(sa.select(AuditEvent)).one()
        s.add(AuditEvent(seq=2, occurred_at=head.occurred_at, action="a", facts={}, prev_hash=head.hash, hash="1" * 64))
    with app.app_context(), pytest.raises(sa.exc.IntegrityError):
        db.session.add(
            AuditEvent(seq=3, occurred_at=head.occurred_at, action="b", facts={}, prev_hash=head.hash, hash="2" * 64)
        )
        db.session.commit()


def test_concurrent_writers_never_fork_or_break_the_chain(app: Flask) -> None:
    writers, per_writer = 8, 5

    def writer(n: int) -> None:
        for i in range(per_writer):
            with app.app_context():
                record_event(db.session, "score.given", object_type="score", object_id=n, facts={"i": i})
                db.session.commit()
                db.session.remove()

    errors = run_together(writers, writer)
    assert errors == []
    with app_session(app) as s:
        report = verify_chain(s)
    assert report.ok
    assert report.count == writers * per_writer


def test_facts_refuse_floats_and_long_free_text(session: Session) -> None:
    with pytest.raises(AuditFactError):
        record_event(session, "bid.submitted", object_type="bid", facts={"amount": 12.5})
    with pytest.raises(AuditFactError):
        record_event(session, "bid.submitted", object_type="bid", facts={"note": "x" * 501})


def test_cli_verify_passes_then_fails_naming_the_row(app: Flask) -> None:
    _write_events(app, 3)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0
    assert "3 events" in ok.output
    with app_session(app) as s:
        head = s.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert head is not None
        assert head.hash in ok.output
        raw_sql(s, "UPDATE audit_event SET facts = '{\"n\": 7}' WHERE seq = 2")
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1
    assert "row 2" in bad.output
