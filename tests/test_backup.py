"""Backups: a copy made while the app runs, restored over a database that has changed since, brings back exactly
the record of the moment it was made, and the record in it verifies: every audit chain against its published
checkpoints, every ratified tally against its digest. On SQLite and PostgreSQL alike."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from grants.extensions import db
from grants.models import Checkpoint, Funder, ProposalKind, Ratification
from tests.decisions.helpers import make_setting, two_step
from tests.support.db import app_session
from tests.support.factories import make_funder


def _decided(app: Flask) -> None:
    setting = make_setting(app)
    with app_session(app) as s:
        two_step(s, setting, ProposalKind.RATIFY)  # ratified, with its checkpoints published
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Ratification)) == 1
        assert s.scalar(sa.select(sa.func.count()).select_from(Checkpoint)) >= 1


def _copy_path(app: Flask, tmp_path: Path) -> Path:
    with app.app_context():
        sqlite = db.engine.url.get_backend_name() == "sqlite"
    return tmp_path / ("copy.sqlite" if sqlite else "copy.pgdump")


def test_a_backup_restored_over_later_changes_brings_back_that_moment_and_its_record_verifies(
    app: Flask, tmp_path: Path
) -> None:
    _decided(app)
    runner = app.test_cli_runner()
    copy = _copy_path(app, tmp_path)
    made = runner.invoke(args=["backup", "create", "--to", str(copy)])
    assert made.exit_code == 0, made.output
    assert copy.stat().st_size > 0
    again = runner.invoke(args=["backup", "create", "--to", str(copy)])
    assert again.exit_code != 0 and "already exists" in again.output  # a backup never overwrites one

    with app_session(app) as s:
        make_funder(s, name="Made after the backup")

    restored = runner.invoke(args=["backup", "restore", str(copy), "--yes"])

    assert restored.exit_code == 0, restored.output
    assert "The record verifies:" in restored.output
    assert "1 ratified tally re-run to the digest recorded" in restored.output
    with app_session(app) as s:
        assert s.scalars(sa.select(Funder.name).where(Funder.name == "Made after the backup")).all() == []
        assert s.scalar(sa.select(sa.func.count()).select_from(Ratification)) == 1
    checked = runner.invoke(args=["backup", "check"])
    assert checked.exit_code == 0 and "The record verifies:" in checked.output


def test_a_copy_whose_record_was_edited_is_restored_but_said_not_to_verify(
    app: Flask, tmp_path: Path, database_backend: str
) -> None:
    if database_backend != "sqlite":
        pytest.skip("the copy is edited with Python's sqlite3; the check itself is the same on PostgreSQL")
    _decided(app)
    runner = app.test_cli_runner()
    copy = _copy_path(app, tmp_path)
    assert runner.invoke(args=["backup", "create", "--to", str(copy)]).exit_code == 0
    # Someone with the file edits a decision's event (getting round the database's own refusal first).
    edited = sqlite3.connect(copy)
    with edited:
        edited.execute("DROP TRIGGER audit_event_no_update")
        edited.execute("UPDATE audit_event SET actor_role = 'someone else' WHERE action = 'decision.ratified'")
    edited.close()

    restored = runner.invoke(args=["backup", "restore", str(copy), "--yes"])

    assert restored.exit_code == 1
    assert "The record does NOT verify" in restored.output and "is broken at" in restored.output


def test_restoring_a_file_that_is_not_a_backup_of_this_kind_of_database_changes_nothing(
    app: Flask, tmp_path: Path
) -> None:
    _decided(app)
    wrong = tmp_path / "notes.txt"
    wrong.write_text("not a backup")
    refused = app.test_cli_runner().invoke(args=["backup", "restore", str(wrong), "--yes"])
    assert refused.exit_code != 0 and "backup (it should end in ." in refused.output
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Ratification)) == 1
