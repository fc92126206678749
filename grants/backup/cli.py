"""`flask backup create`, `flask backup restore FILE`, `flask backup check`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from grants.backup.check import check_record
from grants.backup.store import BackupError, backup_name, create_backup, restore_backup
from grants.extensions import db
from grants.models import utcnow

backup_cli = AppGroup("backup", help="Copy the whole database, restore a copy, and check the record in it.")


def _report() -> None:
    check = check_record(db.session)
    db.session.rollback()  # only read
    if not check.ok:
        for problem in check.problems:
            click.echo(f"  - {problem}", err=True)
        click.echo(f"The record does NOT verify: {len(check.problems)} problems.", err=True)
        sys.exit(1)
    click.echo(f"The record verifies: {check.summary()}")


@backup_cli.command("create")
@click.option(
    "--to",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The file to write (default: instance/backups/grants-<time>.sqlite or .pgdump).",
)
def create_command(target: Path | None) -> None:
    """Copy the whole database to a new file, safely while the app runs."""
    engine = db.engine
    target = target or Path(current_app.instance_path) / "backups" / backup_name(engine.url, utcnow())
    try:
        written = create_backup(engine, target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written to {written} ({written.stat().st_size:,} bytes).")


@backup_cli.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the whole database with a backup (stop the app first), then check the record in it."""
    if not yes:
        click.confirm(f"This replaces everything in the database with {source}. Go on?", abort=True)
    try:
        restore_backup(db.engine, source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored from {source}.")
    _report()


@backup_cli.command("check")
def check_command() -> None:
    """Check the record in the database: every audit chain against its published checkpoints, every ratified
    tally against its digest. Exit 0 when all verify, 1 listing each problem."""
    _report()
