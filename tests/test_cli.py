"""The site admin's commands and the demo."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.audit.walk import verify_all_chains
from grants.demo import DEMO_PASSWORD
from grants.home.navigation import home_endpoint
from grants.models import (
    Award,
    Ballot,
    Bid,
    BidStatus,
    Feedback,
    Funder,
    PanelMember,
    Report,
    ReportStatus,
    ReportTheme,
    Role,
    RoleGrant,
    Round,
    RoundStatus,
    StoryChoice,
    User,
)
from tests.support.db import app_session, count
from tests.support.signin import finish_setting_up, post_password, sign_in


def test_create_funder_then_invite_staff_prints_a_link_that_works(app: Flask, client: FlaskClient) -> None:
    runner = app.test_cli_runner()
    created = runner.invoke(args=["admin", "create-funder", "Eastside Health Partnership"])
    assert created.exit_code == 0, created.output
    assert "eastside-health-partnership" in created.output
    duplicate = runner.invoke(args=["admin", "create-funder", "eastside health partnership"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output

    invited = runner.invoke(
        args=["admin", "invite-staff", "--funder", "eastside-health-partnership", "--email", "lead@example.com"]
    )
    assert invited.exit_code == 0, invited.output
    link = invited.output.strip().splitlines()[-1].removeprefix("http://localhost")
    response = client.post(link, data={"name": "Lead", "password": "long enough pass", "confirm": "long enough pass"})
    assert response.headers["Location"] == "/sign-in/set-up"  # staff set up two-step sign-in first
    assert finish_setting_up(client, response.headers["Location"]).headers["Location"] == "/staff"
    with app_session(app) as s:
        grant = s.scalars(sa.select(RoleGrant)).one()
        assert grant.role == Role.STAFF


def test_invite_staff_to_an_unknown_funder_fails_clearly(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["admin", "invite-staff", "--funder", "nope", "--email", "a@example.com"]
    )
    assert result.exit_code != 0
    assert "No funder with slug 'nope'" in result.output


def test_create_admin_makes_a_site_admin(app: Flask, client: FlaskClient) -> None:
    result = app.test_cli_runner().invoke(
        args=["admin", "create-admin", "--email", "root@example.com", "--name", "Root", "--password", "a long password"]
    )
    assert result.exit_code == 0, result.output
    assert sign_in(client, "root@example.com", "a long password").headers["Location"] == "/sign-in/set-up"
    assert finish_setting_up(client, "/sign-in/set-up").headers["Location"] == "/admin/"


@pytest.mark.parametrize("app_config", [{"PRODUCTION": True}])
def test_the_demo_is_never_loaded_in_production(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "never loaded in production" in result.output
    assert count(app, User) == 0


def test_demo_load_is_idempotent_and_every_login_reaches_its_home(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    with app_session(app) as s:
        counts = (
            s.scalar(sa.select(sa.func.count()).select_from(User)),
            s.scalar(sa.select(sa.func.count()).select_from(Bid)),
        )
    second = runner.invoke(args=["demo", "load"])
    assert second.output == first.output
    with app_session(app) as s:
        assert (
            s.scalar(sa.select(sa.func.count()).select_from(User)),
            s.scalar(sa.select(sa.func.count()).select_from(Bid)),
        ) == counts
        assert s.scalar(sa.select(sa.func.count()).select_from(Funder)) == 1
        rounds = {r.status: r for r in s.scalars(sa.select(Round))}
        # The whole journey: taking bids, screening, a panel part-way through scoring, a vote under way, awards.
        assert set(rounds) == {
            RoundStatus.OPEN,
            RoundStatus.SCREENING,
            RoundStatus.SCORING,
            RoundStatus.VOTING,
            RoundStatus.AWARDING,
        }
        assert all(len(r.questions) >= 3 and r.criteria for r in rounds.values())
        statuses = {b.status for b in s.scalars(sa.select(Bid))}
        assert statuses == set(BidStatus)  # the demo shows a bid in every state
        on_behalf = s.scalars(sa.select(Bid).where(Bid.entered_by_staff_id.is_not(None))).all()
        assert on_behalf
        for bid in s.scalars(sa.select(Bid).where(Bid.status != BidStatus.DRAFT)):
            assert sum(line.cost_pence for line in bid.budget_lines) == bid.amount_pence
        assert s.scalar(sa.select(sa.func.count()).select_from(PanelMember)) == 15
        voting = rounds[RoundStatus.VOTING]
        cast = s.scalar(sa.select(sa.func.count()).select_from(Ballot).where(Ballot.round_id == voting.id))
        assert 0 < cast < 5  # part-way through the vote
        award_statuses = {a.status for a in s.scalars(sa.select(Award))}
        assert len(award_statuses) >= 3
        assert s.scalar(sa.select(sa.func.count()).select_from(Feedback)) >= 1
        report = s.scalars(sa.select(Report)).one()  # a sent story, its thread, themes and the panel's picks
        assert report.status == ReportStatus.SUBMITTED and len(report.messages) >= 1
        assert s.scalar(sa.select(sa.func.count()).select_from(ReportTheme)) >= 1
        assert s.scalar(sa.select(sa.func.count()).select_from(StoryChoice)) >= 1
        assert all(report.ok for report in verify_all_chains(s))

    emails = [line.split()[-1] for line in first.output.splitlines() if "@example.org" in line]
    assert len(emails) == 12  # admin, two staff, auditor, three applicants, five panellists
    for email in emails:
        client = app.test_client()
        response = sign_in(client, email, DEMO_PASSWORD)
        assert response.status_code == 302, email
        home = response.headers["Location"]
        page = client.get(home)
        assert page.status_code == 200, (email, home)
    with app_session(app) as s:
        staff = s.scalars(sa.select(User).where(User.email == "staff@example.org")).one()
        with app.test_request_context():
            assert home_endpoint(staff) == "home.staff"


def test_demo_code_prints_the_code_that_signs_a_demo_login_in(app: Flask, client: FlaskClient) -> None:
    runner = app.test_cli_runner()
    loaded = runner.invoke(args=["demo", "load"])
    assert "flask --app wsgi demo code EMAIL" in loaded.output
    assert post_password(client, "staff@example.org", DEMO_PASSWORD).headers["Location"] == "/sign-in/code"
    printed = runner.invoke(args=["demo", "code", "staff@example.org"])
    assert printed.exit_code == 0, printed.output
    code = printed.output.split()[0]
    assert client.post("/sign-in/code", data={"code": code}).headers["Location"] == "/staff"
    # Only the demo's own public key: no code for an account without it.
    refused = runner.invoke(args=["demo", "code", "panel1@example.org"])
    assert refused.exit_code != 0 and "has no demo authenticator app" in refused.output


def test_the_demo_records_only_what_the_real_services_record(app: Flask) -> None:
    from grants.audit.events import REGISTRY
    from grants.models import AuditEvent, Invitation

    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    with app_session(app) as s:
        actions = set(s.scalars(sa.select(AuditEvent.action)))
        assert actions <= set(REGISTRY)
        assert "panel.member_added" not in actions
        # The ratification went through the two-person rule: one member of staff proposed, the other confirmed.
        assert {"decision.proposed", "decision.confirmed", "decision.ratified"} <= actions
        # Every seat on a panel came from an invitation the panellist accepted, as on the invitation page.
        seats = s.scalar(sa.select(sa.func.count()).select_from(PanelMember))
        accepted = s.scalar(
            sa.select(sa.func.count())
            .select_from(Invitation)
            .where(Invitation.role == Role.PANELLIST, Invitation.accepted_at.is_not(None))
        )
        assert seats == accepted == 15
        # The two staff and the auditor joined by invitation too; the site admin was made as the CLI makes one.
        others = sa.select(sa.func.count()).select_from(Invitation).where(Invitation.role != Role.PANELLIST)
        assert s.scalar(others) == 3
        # Each round was created by the rounds service, with the facts it records.
        created = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "round.created")).all()
        assert len(created) == 5 and all({"funder_id", "opens_at", "closes_at"} <= set(e.facts) for e in created)
        assert all(report.ok for report in verify_all_chains(s))
