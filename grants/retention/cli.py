"""`flask retention apply`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from grants.extensions import db
from grants.models import utcnow
from grants.retention.apply import apply_retention

retention_cli = AppGroup("retention", help="Keep only what is needed.")


@retention_cli.command("apply")
def retention_apply_command() -> None:
    """Remove the details of bids that were not funded once their funder's keeping time has passed (run daily)."""
    done = apply_retention(db.session, now=utcnow())
    db.session.commit()
    for removed in done:
        click.echo(f"{removed.funder.name}: details removed from {len(removed.bid_ids)} bid(s) not funded.")
    if not done:
        click.echo("Nothing is past its keeping time.")
