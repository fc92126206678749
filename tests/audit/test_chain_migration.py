"""Migration 0013 rewrites the one old chain into one chain per funder, moves the checkpoints with it, and refuses
to rewrite a chain that does not verify."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import rfc8785
import sqlalchemy as sa

from grants.audit.checkpoints import verify_checkpoints
from grants.audit.walk import verify_all_chains
from grants.extensions import db
from grants.models import AuditEvent, Checkpoint

NOW = "2026-01-01 00:00:00.000000"


def _old_event(seq: int, prev: str, object_type: str | None, object_id: int | None, facts: dict) -> dict:
    payload = {
        "seq": seq, "occurred_at": "2026-01-01T00:00:00.000000Z", "actor_id": None, "actor_role": None,
        "action": f"{object_type}.something", "object_type": object_type, "object_id": object_id, "facts": facts,
    }  # fmt: skip
    digest = hashlib.sha256(prev.encode("ascii") + rfc8785.dumps(payload)).hexdigest()
    return {**payload, "occurred_at": NOW, "facts": json.dumps(facts), "prev_hash": prev, "hash": digest}


def _old_database(tmp_path: Path, *, break_it: bool = False):  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from grants import create_app
    from tests.support.app import BASE_CONFIG

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite'}"})
    with app.app_context():
        upgrade(revision="0012")
        for sql in [
            "INSERT INTO funder (id, name, slug, created_at) VALUES (1, 'F', 'f', :now), (2, 'G', 'g', :now)",
            "INSERT INTO round (id, funder_id, code, title, summary, who_can_apply, budget_pence, min_grant_pence,"
            " max_grant_pence, opens_at, closes_at, status, voting_method, quorum, created_at) VALUES"
            " (1, 1, 'R', 'T', 'S', 'W', 1000, 10, 100, :now, :later, 'closed', 'scores', 3, :now),"
            " (2, 2, 'R', 'T', 'S', 'W', 1000, 10, 100, :now, :later, 'closed', 'scores', 3, :now)",
        ]:
            params = {"now": NOW, "later": "2026-02-01 00:00:00.000000"}
            db.session.execute(sa.text(sql), {k: v for k, v in params.items() if f":{k}" in sql})
        prev, events = "0" * 64, []
        for seq, (kind, oid, facts) in enumerate(
            [("funder", 1, {}), ("round", 1, {}), ("round", 2, {}), (None, None, {}), ("round", 1, {"n": 1})], 1
        ):
            events.append(_old_event(seq, prev, kind, oid, facts))
            prev = events[-1]["hash"]
        if break_it:
            events[1]["facts"] = json.dumps({"edited": True})
        for event in events:
            db.session.execute(
                sa.text(
                    "INSERT INTO audit_event (seq, occurred_at, actor_id, actor_role, action, object_type, object_id,"
                    " facts, prev_hash, hash) VALUES (:seq, :occurred_at, :actor_id, :actor_role, :action,"
                    " :object_type, :object_id, :facts, :prev_hash, :hash)"
                ),
                event,
            )
        # round 1 closed after old event 3 (round 2's): its funder's chain then stood at its second event
        db.session.execute(
            sa.text(
                "INSERT INTO audit_checkpoint (round_id, milestone, seq, hash, recorded_at)"
                " VALUES (1, 'closed', 3, :hash, :now)"
            ),
            {"hash": events[2]["hash"], "now": NOW},
        )
        db.session.commit()
    return app, upgrade


def test_the_old_chain_is_rewritten_into_one_chain_per_funder_and_still_verifies(
    tmp_path: Path, database_backend: str
) -> None:
    if database_backend != "sqlite":
        pytest.skip("the old database is built on SQLite")
    app, upgrade = _old_database(tmp_path)
    with app.app_context():
        upgrade()
        rows = db.session.execute(
            sa.select(AuditEvent.chain, AuditEvent.seq, AuditEvent.object_type, AuditEvent.object_id).order_by(
                AuditEvent.chain, AuditEvent.seq
            )
        ).all()
        assert [tuple(r) for r in rows] == [
            (0, 1, None, None),
            (1, 1, "funder", 1),
            (1, 2, "round", 1),
            (1, 3, "round", 1),
            (2, 1, "round", 2),
        ]
        assert all(report.ok for report in verify_all_chains(db.session))
        checkpoint = db.session.scalars(sa.select(Checkpoint)).one()
        assert (checkpoint.chain, checkpoint.seq) == (1, 2)
        assert verify_checkpoints(db.session) == (1, [])
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text("DELETE FROM audit_event"))
        db.session.remove()
        db.engine.dispose()


def test_a_broken_old_chain_is_not_rewritten(tmp_path: Path, database_backend: str) -> None:
    if database_backend != "sqlite":
        pytest.skip("the old database is built on SQLite")
    app, upgrade = _old_database(tmp_path, break_it=True)
    with app.app_context():
        with pytest.raises(SystemExit):  # flask-migrate reports the migration's error and exits
            upgrade()
        db.session.rollback()
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("audit_event")}
        assert "chain" not in columns  # nothing was rewritten
        assert db.session.execute(sa.text("SELECT count(*) FROM audit_event")).scalar() == 5
        db.session.remove()
        db.engine.dispose()
