"""`flask security ...`: sign people out everywhere, reset a lost second factor, prune the security log."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from grants.extensions import db

security_cli = AppGroup("security", help="The security log of sign-ins and account changes.")


@security_cli.command("end-sessions")
@click.option("--email", help="The account whose sessions end.")
@click.option("--all", "everyone", is_flag=True, help="End every session of every account.")
@click.option("--disable", is_flag=True, help="Also stop the account (--email) signing in at all.")
def security_end_sessions_command(email: str | None, everyone: bool, disable: bool) -> None:
    """Sign one account (or everyone) out of every browser at once; with --disable, keep the account out."""
    from grants.auth.services import end_sessions, find_user_by_email
    from grants.models import utcnow

    if bool(email) == everyone or (disable and everyone):
        raise click.UsageError("Give --email (optionally with --disable), or --all.")
    user = find_user_by_email(db.session, email) if email else None
    if email and user is None:
        raise click.ClickException(f"No account with the email address {email!r}.")
    ended = end_sessions(db.session, user=user, disable=disable, now=utcnow())
    db.session.commit()
    click.echo(f"Ended {ended} session(s)" + (f"; {email} can no longer sign in." if disable else "."))


@security_cli.command("reset-two-factor")
@click.option("--email", required=True, help="The account that lost both its phone and its recovery codes.")
@click.option("--checked", required=True, help="How you checked it is them, e.g. 'video call with their manager'.")
def security_reset_two_factor_command(email: str, checked: str) -> None:
    """For someone who lost both their phone and their recovery codes, once you have checked who they are: their
    two-step sign-in is reset, they are signed out everywhere and emailed, and they set up a new app at sign-in."""
    from grants.auth.services import find_user_by_email
    from grants.auth.two_factor import reset_for_lost_device
    from grants.domain import DomainError
    from grants.models import utcnow

    user = find_user_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"No account with the email address {email!r}.")
    try:
        reset_for_lost_device(db.session, user=user, checked=checked, now=utcnow())
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Two-step sign-in reset for {user.email}; they have been emailed and will set up a new app.")


@security_cli.command("prune")
def security_prune_command() -> None:
    """Delete personal data past its keeping time: old security log entries, expired kept forms, unconfirmed
    registrations and reset links (run daily, e.g. from cron)."""
    from flask import current_app

    from grants.auth.housekeeping import prune
    from grants.models import utcnow

    days = int(current_app.config["SECURITY_LOG_DAYS"])
    pruned = prune(db.session, now=utcnow(), security_log_days=days)
    db.session.commit()
    click.echo(pruned.summary() + f" (the security log keeps {days} days)")
