"""Flask commands: admin, audit, outbox, demo, tally, reports, export and security."""

from __future__ import annotations

import sys
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from grants.extensions import db

admin_cli = AppGroup("admin", help="Set up funders and their first staff.")
audit_cli = AppGroup("audit", help="Check the audit chain.")
outbox_cli = AppGroup("outbox", help="Send the emails waiting in the outbox; list and retry the ones set aside.")
demo_cli = AppGroup("demo", help="Demo data for trying the platform.")
tally_cli = AppGroup("tally", help="Re-run and check a round's ratified tally.")
reports_cli = AppGroup("reports", help="Reminders about groups' reports.")
export_cli = AppGroup("export", help="Open data exports.")


@admin_cli.command("create-funder")
@click.argument("name")
def create_funder_command(name: str) -> None:
    """Create a funder called NAME."""
    from grants.admin.services import create_funder
    from grants.domain import DomainError

    try:
        funder = create_funder(db.session, name=name)
    except DomainError as exc:
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
    from grants.auth.invitations import invite
    from grants.mail import absolute_url
    from grants.models import Funder, Role

    funder = db.session.scalar(sa.select(Funder).where(Funder.slug == funder_slug))
    if funder is None:
        raise click.ClickException(f"No funder with slug {funder_slug!r}.")
    issued = invite(db.session, email=email, role=Role(role), funder=funder)
    db.session.commit()
    click.echo(f"Invitation for {issued.invitation.email} ({role} of {funder.name}), valid once:")
    click.echo(absolute_url("auth.invitation", token=issued.token))


@admin_cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.password_option(help="Prompted for if not given.")
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create a site admin account (or make an existing account a site admin)."""
    from grants.auth.invitations import grant_role
    from grants.auth.passwords import password_problem
    from grants.auth.services import find_user_by_email, register_user
    from grants.models import Role

    user = find_user_by_email(db.session, email)
    if user is None:
        if (problem := password_problem(password, email=email, name=name)) is not None:
            raise click.ClickException(f"{problem}.")
        user = register_user(db.session, name=name, email=email, password=password)
    grant_role(db.session, user=user, role=Role.SITE_ADMIN)
    db.session.commit()
    click.echo(f"{user.email} is a site admin.")


@audit_cli.command("verify")
@click.option(
    "--new",
    "new_only",
    is_flag=True,
    help="Verify only the events after the last recorded verification (quick; run it often). Without it, every"
    " event of every chain is verified from its start (run it daily): only that finds an event changed after it"
    " was verified.",
)
def verify_command(new_only: bool) -> None:
    """Verify every audit chain: exit 0 with each one's count and head hash, or 1 naming the first bad row.
    Records how far each chain is verified, which the audit pages show."""
    from grants.audit.chain import chains
    from grants.audit.checkpoints import verify_checkpoints
    from grants.audit.verification import verify_full, verify_new
    from grants.models import utcnow

    verify = verify_new if new_only else verify_full
    reports = []
    for chain in chains(db.session):
        # Each page of events is read in a transaction of its own, so writers never wait for the whole chain.
        reports.append(verify(db.session, chain, now=utcnow(), between_pages=db.session.commit))
        db.session.commit()
    for report in reports:
        if not report.ok:
            click.echo(f"Audit chain {report.chain} BROKEN at {report.problem}", err=True)
            click.echo(f"The chain is intact up to event {report.head_seq} ({report.head_hash}).", err=True)
            sys.exit(1)
    checked, problems = verify_checkpoints(db.session)
    if problems:
        # The chain verifies on its own, yet disagrees with heads published earlier: it was rewritten.
        for problem in problems:
            click.echo(problem.message, err=True)
        click.echo(f"{len(problems)} of {checked} published checkpoints do not match the chain.", err=True)
        sys.exit(1)
    for report in reports:
        whose = "the installation's" if report.chain == 0 else f"funder {report.chain}'s"
        counted = f"{report.count} new events" if new_only else f"{report.count} events"
        click.echo(f"Audit chain {report.chain} ({whose}) OK: {counted}; head {report.head_seq} {report.head_hash}")
    click.echo(f"Checkpoints OK: {checked} published checkpoints match the chain.")


@audit_cli.command("export")
@click.option("--round", "round_id", type=int, required=True, help="The round's id.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True, help="The file to write.")
def export_command(round_id: int, fmt: str, output: str) -> None:
    """Export a round's decision trail (CSV) or audit events (JSON Lines), stamped with the chain's head."""
    from grants.audit.exports import round_log_jsonl, round_trail_csv
    from grants.models import Round

    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise click.ClickException(f"No round with id {round_id}.")
    chunks = round_trail_csv(db.session, round_) if fmt == "csv" else round_log_jsonl(db.session, round_)
    with open(output, "w", encoding="utf-8", newline="") as handle:
        for chunk in chunks:  # a page of events at a time, never the whole export in memory
            handle.write(chunk)
    click.echo(f"Wrote the {fmt} export of round {round_.code} to {output}.")


@outbox_cli.command("send")
@click.option("--limit", default=200, show_default=True, help="Send at most this many emails.")
def outbox_send_command(limit: int) -> None:
    """Send the emails that are due by SMTP; one that fails is tried again later, then set aside."""
    from grants.mail import send_pending
    from grants.models import utcnow

    try:
        result = send_pending(db.session, now=utcnow(), limit=limit)
    except OSError as exc:  # connection refused, DNS failure, TLS failure: nothing was counted against any email
        db.session.rollback()
        raise click.ClickException(f"Could not reach the mail server: {exc}") from exc
    click.echo(f"Sent {result.sent} email(s); {result.failed} failed and will be retried.")
    if result.set_aside:
        click.echo(
            f"{result.set_aside} email(s) failed for the last time and were set aside: see `flask outbox failed`."
        )
    if result.failed or result.set_aside:
        sys.exit(1)


@outbox_cli.command("failed")
def outbox_failed_command() -> None:
    """List the emails set aside after their last failed attempt, with their errors."""
    from grants.mail import set_aside_emails

    emails = set_aside_emails(db.session)
    if not emails:
        click.echo("No emails are set aside.")
        return
    for email in emails:
        click.echo(f"{email.id}\t{email.to_address}\t{email.subject}\t{email.attempts} attempts")
        click.echo(f"\t{email.last_error or ''}")
    click.echo(f"{len(emails)} email(s) set aside. Retry with `flask outbox retry ID` or `flask outbox retry --all`.")


@outbox_cli.command("retry")
@click.argument("email_id", type=int, required=False)
@click.option("--all", "retry_all", is_flag=True, help="Retry every email that was set aside.")
def outbox_retry_command(email_id: int | None, retry_all: bool) -> None:
    """Queue a set-aside email (by its id, from `flask outbox failed`) or all of them to be sent again."""
    from grants.mail import retry_set_aside

    if (email_id is None) == (not retry_all):
        raise click.UsageError("Give one email's id, or --all.")
    count = retry_set_aside(db.session, email_id=email_id)
    db.session.commit()
    if email_id is not None and not count:
        raise click.ClickException(f"No set-aside email with id {email_id}.")
    click.echo(f"Queued {count} email(s) to be sent again by `flask outbox send`.")


@demo_cli.command("load")
def demo_load_command() -> None:
    """Load (once) a demo funder, round, panel and bids, and print the demo logins."""
    from flask import current_app

    from grants.demo import DEMO_PASSWORD, DEMO_TWO_FACTOR_SECRET, load_demo

    if current_app.config["PRODUCTION"]:
        # The demo's logins and password are published in the README: on a real site they would be a way in.
        raise click.ClickException("The demo is never loaded in production: its logins are public.")
    logins = load_demo(db.session)
    db.session.commit()
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, email in logins:
        click.echo(f"  {role:<28} {email}")
    click.echo("Site admin, staff and auditor also enter a code from an authenticator app: to see it, run")
    click.echo("  flask --app wsgi demo code EMAIL")
    click.echo(f"(or add the demo key {DEMO_TWO_FACTOR_SECRET} to an authenticator app).")


@demo_cli.command("code")
@click.argument("email")
def demo_code_command(email: str) -> None:
    """Print the sign-in code a demo account's authenticator app shows now."""
    from grants.demo import demo_code
    from grants.domain import DomainError
    from grants.models import utcnow

    try:
        code, seconds = demo_code(db.session, email, now=utcnow())
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{code}  (changes in {seconds} seconds; each code signs in once)")


def _round_argument(round_ref: str, funder_slug: str | None) -> Any:
    """The round named on the command line: its id, or its code with --funder."""
    from grants.models import Funder, Round

    if funder_slug is None:
        if not round_ref.isdigit():
            raise click.ClickException(f"{round_ref!r} is not a round id. To name a round by its code, add --funder.")
        round_ = db.session.get(Round, int(round_ref))
        if round_ is None:
            raise click.ClickException(f"No round with id {round_ref}.")
        return round_
    funder = db.session.scalar(sa.select(Funder).where(Funder.slug == funder_slug))
    if funder is None:
        raise click.ClickException(f"No funder with slug {funder_slug!r}.")
    round_ = db.session.scalar(
        sa.select(Round).where(Round.funder_id == funder.id, Round.code == round_ref.strip().upper())
    )
    if round_ is None:
        raise click.ClickException(f"{funder.name} has no round with code {round_ref!r}.")
    return round_


@tally_cli.command("verify")
@click.argument("round_ref", metavar="ROUND")
@click.option("--funder", "funder_slug", default=None, help="The funder's slug, when ROUND is a round's code.")
def tally_verify_command(round_ref: str, funder_slug: str | None) -> None:
    """Re-run ROUND's ratified tally from the database and compare it with what was stored: exit 0 when it
    matches, 1 listing every difference."""
    from grants.decisions.verify import verify_round

    round_ = _round_argument(round_ref, funder_slug)
    report = verify_round(db.session, round_)
    if report.ok:
        click.echo(f"Tally verified: digest {report.panel_digest} matches (round {round_.code}, the panel's result).")
        if report.ratified_digest != report.panel_digest:
            click.echo(f"The ratified result's digest {report.ratified_digest} matches too.")
        return
    click.echo(f"Tally NOT verified for round {round_.code} ({len(report.problems)} differences):", err=True)
    for problem in report.problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)


@tally_cli.command("show")
@click.argument("round_ref", metavar="ROUND")
@click.option("--funder", "funder_slug", default=None, help="The funder's slug, when ROUND is a round's code.")
def tally_show_command(round_ref: str, funder_slug: str | None) -> None:
    """Print ROUND's ratified result as stored: the ranked list, the funded set and how it came about."""
    from grants.decisions.queries import current_ratification
    from grants.money import format_pounds

    round_ = _round_argument(round_ref, funder_slug)
    ratification = current_ratification(db.session, round_.id)
    if ratification is None:
        raise click.ClickException(f"Round {round_.code} has no ratified decision.")
    runs = (("The panel's result", ratification.panel_run), ("The ratified result", ratification.ratified_run))
    for title, run in runs:
        result = run.result
        click.echo(f"{title} (run {run.id}, {run.algorithm_version}, digest {run.digest})")
        click.echo(
            f"  {result['method']}: {format_pounds(result['used_pence'])} used of"
            f" {format_pounds(result['budget_pence'])}, {format_pounds(result['left_pence'])} left"
        )
        if result.get("departed_ids"):
            click.echo(f"  departed from bids: {', '.join(str(i) for i in result['departed_ids'])}")
        for bid in result["bids"]:
            flags = f" [{', '.join(bid['flag_notes'])}]" if bid.get("flag_notes") else ""
            click.echo(
                f"  {bid['rank']:>3}. {bid['reference']} (bid {bid['id']}) {format_pounds(bid['amount_pence'])}"
                f" score {bid['mean_score_display']}, in favour {bid['in_favour']}: {bid['reason']}{flags}"
            )
        for line in result.get("explanation", []):
            click.echo(f"  - {line}")
        click.echo("")


@reports_cli.command("remind")
def reports_remind_command() -> None:
    """Email groups whose report is due within a week or overdue; each reminder at most once. Safe to run daily."""
    from grants.models import utcnow
    from grants.reports.reminders import send_reminders
    from grants.timefmt import today_in_london

    count = send_reminders(db.session, today=today_in_london(utcnow()))
    click.echo(f"Sent {count} reminder(s).")


@export_cli.command("360giving")
@click.option("--funder", "funder_slug", default=None, help="The funder's slug; needed when there is more than one.")
@click.option("--round", "round_code", default=None, help="Only this round (its code); all rounds if left out.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True, help="The file to write.")
def export_360giving_command(funder_slug: str | None, round_code: str | None, fmt: str, output: str) -> None:
    """Write a funder's accepted awards as 360Giving open data (a JSON package or the standard's CSV)."""
    from grants.models import Funder, utcnow
    from grants.transparency.links import public_links
    from grants.transparency.queries import funder_by_slug, round_by_code
    from grants.transparency.services import ExportError, export_360giving

    if funder_slug is None:
        funders = list(db.session.scalars(sa.select(Funder).limit(2)))
        if len(funders) != 1:
            raise click.ClickException("Name the funder with --funder SLUG.")
        funder = funders[0]
    else:
        found = funder_by_slug(db.session, funder_slug)
        if found is None:
            raise click.ClickException(f"No funder with slug {funder_slug!r}.")
        funder = found
    round_ = None
    if round_code is not None:
        round_ = round_by_code(db.session, funder, round_code)
        if round_ is None:
            raise click.ClickException(f"{funder.name} has no round with code {round_code!r}.")
    try:
        body = export_360giving(db.session, funder, fmt=fmt, now=utcnow(), round_=round_, **public_links(funder))
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    with open(output, "w", encoding="utf-8", newline="") as handle:
        handle.write(body)
    click.echo(f"Wrote {funder.name}'s 360Giving {fmt} to {output}.")


def register_cli(app: Flask) -> None:
    from grants.auth.cli import security_cli
    from grants.backup.cli import backup_cli
    from grants.retention.cli import retention_cli

    for group in (
        admin_cli,
        audit_cli,
        outbox_cli,
        demo_cli,
        tally_cli,
        reports_cli,
        export_cli,
        security_cli,
        backup_cli,
        retention_cli,
    ):
        app.cli.add_command(group)
