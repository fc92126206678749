"""The database: migrations build exactly the models' schema; SQLite is set up for several workers."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from grants.extensions import db
from grants.models import Base, Funder, Round
from grants.models.base import utcnow
from tests.support.db import app_session
from tests.support.factories import make_funder, make_round
from tests.support.threads import run_together


def test_migrations_match_the_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_sqlite_connections_enforce_foreign_keys_wal_and_a_busy_timeout(app: Flask, database_backend: str) -> None:
    if database_backend != "sqlite":
        pytest.skip("SQLite connection settings")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_a_foreign_key_to_nothing_is_refused(app: Flask) -> None:
    with app.app_context(), pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            sa.insert(Round).values(
                funder_id=9999,
                code="X",
                title="x",
                summary="x",
                who_can_apply="x",
                budget_pence=100,
                min_grant_pence=10,
                max_grant_pence=100,
                opens_at=utcnow(),
                closes_at=utcnow().replace(year=2099),
                status="draft",
                voting_method="scores",
                quorum=3,
                created_at=utcnow(),
            )
        )
        db.session.commit()


def test_check_constraints_hold_the_round_rules(app: Flask) -> None:
    with app.app_context():
        funder = make_funder(db.session)
        with pytest.raises(sa.exc.IntegrityError):
            make_round(db.session, funder, min_grant_pence=5_000_00, max_grant_pence=100_00)
        db.session.rollback()


def test_times_come_back_as_utc_whatever_the_database(app: Flask) -> None:
    with app_session(app) as s:
        funder = make_funder(s)
        round_id = make_round(s, funder).id
    with app_session(app) as s:
        round_ = s.get(Round, round_id)
        assert round_ is not None
        assert round_.opens_at.utcoffset() is not None and round_.opens_at.utcoffset().total_seconds() == 0


def test_naive_datetimes_are_refused(app: Flask) -> None:
    from datetime import datetime

    with app.app_context():
        funder = make_funder(db.session)
        with pytest.raises(sa.exc.StatementError):
            make_round(db.session, funder, opens_at=datetime(2026, 1, 1))
        db.session.rollback()


def test_concurrent_read_then_write_transactions_all_succeed(app: Flask) -> None:
    """Each worker reads then writes; with deferred BEGIN on SQLite some would fail at once with 'locked'."""
    workers = 12

    def work(n: int) -> None:
        with app.app_context():
            count = db.session.scalar(sa.select(sa.func.count()).select_from(Funder)) or 0
            db.session.add(Funder(name=f"Funder {n} after {count}", slug=f"funder-{n}"))
            db.session.commit()
            db.session.remove()

    errors = run_together(workers, work)
    assert errors == []
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Funder)) == workers


def test_upgrading_an_older_sqlite_database_keeps_every_row(tmp_path: Path, database_backend: str) -> None:
    """SQLite rebuilds altered tables; with foreign keys on, that would cascade-delete child rows."""
    if database_backend != "sqlite":
        pytest.skip("SQLite table rebuilds")
    from flask_migrate import upgrade

    from grants import create_app
    from tests.support.app import BASE_CONFIG

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0001")
        times = {"now": "2026-01-01 00:00:00.000000", "later": "2026-02-01 00:00:00.000000"}
        for sql in [
            "INSERT INTO funder (id, name, slug, created_at) VALUES (1, 'F', 'f', :now)",
            "INSERT INTO round (id, funder_id, code, title, summary, who_can_apply, budget_pence, min_grant_pence,"
            " max_grant_pence, opens_at, closes_at, status, voting_method, quorum, created_at) VALUES (1, 1, 'R',"
            " 'T', 'S', 'W', 1000, 10, 100, :now, :later, 'open', 'scores', 3, :now)",
            "INSERT INTO question (id, round_id, position, prompt, help_text, word_limit, required)"
            " VALUES (1, 1, 1, 'Q', '', 100, 1)",
            "INSERT INTO \"group\" (id, name, area, kind, created_at) VALUES (1, 'G', 'A', 'informal', :now)",
            "INSERT INTO bid (id, round_id, group_id, number, title, status, created_at, updated_at)"
            " VALUES (1, 1, 1, 1, 'B', 'draft', :now, :now)",
            "INSERT INTO answer (id, bid_id, question_id, text) VALUES (1, 1, 1, 'our answer')",
        ]:
            params = {k: v for k, v in times.items() if f":{k}" in sql}
            db.session.execute(sa.text(sql), params)
        db.session.commit()
        upgrade()
        assert db.session.execute(sa.text("SELECT text FROM answer")).scalars().all() == ["our answer"]
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()
        db.engine.dispose()
