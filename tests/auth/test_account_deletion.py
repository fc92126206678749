"""A person asks, with their password, for their account to be deleted; a site admin deletes it (or refuses, saying
why). Deleting takes out what identifies them and keeps what the funders' record needs: a decided round's tally
still re-runs to its digest and the audit chain still verifies, with "Deleted account" where their name was."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.audit.walk import verify_all_chains
from grants.auth.deletion import DELETED_NAME
from grants.decisions.verify import verify_round
from grants.models import (
    AccountDeletion,
    ConflictDeclaration,
    GroupMember,
    LoginSession,
    OutboxEmail,
    ProposalKind,
    Round,
    Score,
    SecurityEvent,
    TwoFactor,
    User,
)
from tests.decisions.helpers import make_setting, two_step
from tests.support.db import app_session
from tests.support.factories import PASSWORD, make_admin, make_group_with_member
from tests.support.signin import sign_in

ADMIN = "admin@example.org"


def _panellist_in_a_decided_round(app: Flask) -> tuple[int, int, str]:
    """(round id, the panellist's id, their email), the panellist having scored, declared and voted."""
    setting = make_setting(app)
    with app_session(app) as s:
        two_step(s, setting, ProposalKind.RATIFY)
        make_admin(s, email=ADMIN)
        panellist = s.get(User, setting.panellists[4])  # the one who declared a conflict
        assert panellist is not None
        make_group_with_member(s, panellist, name="Panellist's Allotment")
        return setting.round_id, panellist.id, panellist.email


def test_a_deleted_account_names_nobody_and_the_record_still_verifies(app: Flask, client: FlaskClient) -> None:
    round_id, person_id, email = _panellist_in_a_decided_round(app)
    sign_in(client, email)
    wrong = client.post("/account/delete", data={"password": "not my password"})
    assert wrong.status_code == 200 and "Your password is not correct" in wrong.text
    asked = client.post("/account/delete", data={"password": PASSWORD}, follow_redirects=True)
    assert "You have asked for your account to be deleted" in asked.text and "Keep my account" in asked.text

    admin = app.test_client()
    sign_in(admin, ADMIN)
    listed = admin.get("/admin/").text
    assert "Accounts to delete" in listed and email in listed
    with app_session(app) as s:
        request_id = s.scalars(sa.select(AccountDeletion.id)).one()
    done = admin.post(f"/admin/deletions/{request_id}/delete", follow_redirects=True)
    assert "The account has been deleted" in done.text and email not in done.text

    assert client.get("/applicant").status_code == 302  # signed out
    assert sign_in(app.test_client(), email).status_code != 302  # and can never sign in again
    with app_session(app) as s:
        person = s.get(User, person_id)
        assert person is not None and person.name == DELETED_NAME and email not in person.email
        assert person.is_disabled
        for model in (LoginSession, TwoFactor, GroupMember):
            assert s.scalar(sa.select(sa.func.count()).select_from(model).where(model.user_id == person_id)) == 0
        kinds = s.scalars(sa.select(SecurityEvent.kind).where(SecurityEvent.user_id == person_id)).all()
        assert kinds == ["account.deleted"]
        assert [e.subject for e in s.scalars(sa.select(OutboxEmail).where(OutboxEmail.to_address == email))] == [
            "Your account has been deleted"
        ]
        # The panel work stays, without their name or their note about whom they know.
        assert s.scalar(sa.select(sa.func.count()).select_from(Score).where(Score.user_id == person_id)) > 0
        notes = s.scalars(sa.select(ConflictDeclaration.note).where(ConflictDeclaration.user_id == person_id)).all()
        assert notes and set(notes) == {""}
        assert all(report.ok for report in verify_all_chains(s))
        round_ = s.get(Round, round_id)
        assert round_ is not None and verify_round(s, round_).ok


def test_a_refused_deletion_tells_the_person_why_and_they_can_ask_again(app: Flask, client: FlaskClient) -> None:
    _, person_id, email = _panellist_in_a_decided_round(app)
    sign_in(client, email)
    client.post("/account/delete", data={"password": PASSWORD})
    admin = app.test_client()
    sign_in(admin, ADMIN)
    with app_session(app) as s:
        request_id = s.scalars(sa.select(AccountDeletion.id)).one()
    empty = admin.post(f"/admin/deletions/{request_id}/refuse", data={"reason": " "})
    assert empty.status_code == 200 and "Say why the account cannot be deleted" in empty.text
    reason = "Your group's award is still open: close it with the funder first."
    admin.post(f"/admin/deletions/{request_id}/refuse", data={"reason": reason})
    assert admin.post(f"/admin/deletions/{request_id}/delete").status_code == 404  # decided already

    with app_session(app) as s:
        person = s.get(User, person_id)
        assert person is not None and person.email == email and not person.is_disabled
        (told,) = s.scalars(sa.select(OutboxEmail).where(OutboxEmail.subject == "Your account has not been deleted"))
        assert reason in told.body_text
    assert "Ask for your account to be deleted" in client.get("/account").text
    again = client.post("/account/delete", data={"password": PASSWORD}, follow_redirects=True)
    assert "You have asked for your account to be deleted" in again.text


def test_a_person_takes_back_their_request_before_it_is_decided(app: Flask, client: FlaskClient) -> None:
    _, _, email = _panellist_in_a_decided_round(app)
    sign_in(client, email)
    client.post("/account/delete", data={"password": PASSWORD})
    twice = client.post("/account/delete", data={"password": PASSWORD})
    assert "You have already asked for your account to be deleted" in twice.text
    kept = client.post("/account/delete/cancel", follow_redirects=True)
    assert "Your account will not be deleted." in kept.text
    admin = app.test_client()
    sign_in(admin, ADMIN)
    assert "Nobody has asked for their account to be deleted." in admin.get("/admin/").text
