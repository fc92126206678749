"""The database: migrations build exactly the models' schema; SQLite is set up for several workers."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from grants.extensions import db
from grants.models import Base, Funder, Round
from grants.models.base import utcnow
from tests.conftest import app_session
from tests.factories import make_funder, make_round


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
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def work(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                count = db.session.scalar(sa.select(sa.func.count()).select_from(Funder)) or 0
                db.session.add(Funder(name=f"Funder {n} after {count}", slug=f"funder-{n}"))
                db.session.commit()
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Funder)) == workers
