"""Flask commands: admin, audit, outbox and demo."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from grants.extensions import db

admin_cli = AppGroup("admin", help="Set up funders and their first staff.")
audit_cli = AppGroup("audit", help="Check the audit chain.")
outbox_cli = AppGroup("outbox", help="Send the emails waiting in the outbox.")
demo_cli = AppGroup("demo", help="Demo data for trying the platform.")


@admin_cli.command("create-funder")
@click.argument("name")
def create_funder_command(name: str) -> None:
    """Create a funder called NAME."""
    from grants.admin.services import create_funder
    from grants.auth.services import AccountError

    try:
        funder = create_funder(db.session, name=name)
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Created funder {funder.name!r} (slug: {funder.slug}).")


@admin_cli.command("invite-staff")
@click.option("--funder", "funder_slug", required=True, help="The funder's slug (see create-funder's output).")
@click.option("--email", required=True, help="The staff member's email address.")
@click.option("--role", type=click.Choice(["staff", "auditor"]), default="staff", show_default=True)
def invite_staff_command(funder_slug: str, email: str, role: str) -> None:
    """Invite someone to a funder's staff (or as its auditor) and print the invitation link."""
    from grants.auth.services import invite
    from grants.models import Funder, Role

    funder = db.session.scalar(sa.select(Funder).where(Funder.slug == funder_slug))
    if funder is None:
        raise click.ClickException(f"No funder with slug {funder_slug!r}.")
    issued = invite(db.session, email=email, role=Role(role), funder=funder)
    db.session.commit()
    click.echo(f"Invitation for {issued.invitation.email} ({role} of {funder.name}), valid once:")
    click.echo(issued.link)


@admin_cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.password_option(help="Prompted for if not given.")
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create a site admin account (or make an existing account a site admin)."""
    from grants.auth.passwords import MIN_PASSWORD_LENGTH
    from grants.auth.services import find_user_by_email, grant_role, register_user
    from grants.models import Role

    user = find_user_by_email(db.session, email)
    if user is None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise click.ClickException(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
        user = register_user(db.session, name=name, email=email, password=password)
    grant_role(db.session, user=user, role=Role.SITE_ADMIN)
    db.session.commit()
    click.echo(f"{user.email} is a site admin.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Verify the whole audit chain: exit 0 with its count and head hash, or 1 naming the first bad row."""
    from grants.audit.chain import verify_chain

    report = verify_chain(db.session)
    if report.ok:
        click.echo(f"Audit chain OK: {report.count} events; head {report.head_seq} {report.head_hash}")
        return
    click.echo(f"Audit chain BROKEN at {report.problem}", err=True)
    click.echo(f"The chain is intact up to event {report.head_seq} ({report.head_hash}).", err=True)
    sys.exit(1)


@outbox_cli.command("send")
@click.option("--limit", default=200, show_default=True, help="Send at most this many emails.")
def outbox_send_command(limit: int) -> None:
    """Send pending emails by SMTP and mark them sent."""
    from grants.mail import send_pending

    try:
        result = send_pending(db.session, limit=limit)
    except OSError as exc:  # connection refused, DNS failure, TLS failure: nothing was marked sent
        raise click.ClickException(f"Could not reach the mail server: {exc}") from exc
    click.echo(f"Sent {result.sent} email(s); {result.failed} failed and will be retried.")
    if result.failed:
        sys.exit(1)


@demo_cli.command("load")
def demo_load_command() -> None:
    """Load (once) a demo funder, round, panel and bids, and print the demo logins."""
    from grants.demo import DEMO_PASSWORD, load_demo

    logins = load_demo(db.session)
    db.session.commit()
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, email in logins:
        click.echo(f"  {role:<28} {email}")


def register_cli(app: Flask) -> None:
    for group in (admin_cli, audit_cli, outbox_cli, demo_cli):
        app.cli.add_command(group)
