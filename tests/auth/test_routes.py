"""Accounts through the pages a person uses: register, sign in and out, reset and change a password."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import (
    AuditEvent,
    LoginSession,
    OutboxEmail,
    PasswordReset,
    PendingRegistration,
    SecurityEvent,
    User,
    utcnow,
)
from tests.support.db import app_session
from tests.support.factories import PASSWORD, make_user
from tests.support.security import without_nonce
from tests.support.signin import last_link_to, register, sign_in


def _register(client: FlaskClient, **overrides: str):
    """Post the registration form only (the account is made by the emailed link: tests/support/signin.register)."""
    data = {"name": "Ada Lovelace", "email": "ada@example.com", "password": PASSWORD, "confirm": PASSWORD}
    data.update(overrides)
    return client.post("/register", data=data)


def _user_count(app: Flask) -> int:
    with app_session(app) as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(User)) or 0)


def _nothing_asked_for(app: Flask) -> bool:
    """No registration is waiting and no email was queued."""
    with app_session(app) as s:
        pending = s.scalar(sa.select(sa.func.count()).select_from(PendingRegistration))
        emails = s.scalar(sa.select(sa.func.count()).select_from(OutboxEmail))
        return pending == 0 and emails == 0


def _events(app: Flask, kind: str) -> list[SecurityEvent]:
    with app_session(app) as s:
        events = list(s.scalars(sa.select(SecurityEvent).where(SecurityEvent.kind == kind)))
        s.expunge_all()  # plain values to read after the session closes
        return events


def _chain_length(app: Flask) -> int:
    with app_session(app) as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0)


def test_register_by_the_emailed_link_creates_the_account_signs_in_and_logs_it(app: Flask, client: FlaskClient) -> None:
    response = _register(client, email="Ada@Example.COM")
    assert response.status_code == 200
    assert "Check your email" in response.text
    assert _user_count(app) == 0  # nothing is made until the link is followed
    link = last_link_to(client, "ada@example.com", "/register/")
    page = client.get(link)  # a GET shows a button and makes nothing (a mail scanner may open links)
    assert page.status_code == 200 and "Create my account" in page.text
    assert _user_count(app) == 0
    response = client.post(link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/applicant"
    page = client.get("/applicant")
    assert page.status_code == 200
    assert "Ada Lovelace" in page.text
    with app_session(app) as s:
        user = s.scalar(sa.select(User))
        assert user is not None and user.email == "ada@example.com"
        assert user.password_hash.startswith("$argon2id$")
        assert s.scalar(sa.select(sa.func.count()).select_from(PendingRegistration)) == 0
    assert len(_events(app, "account.registered")) == 1
    client.post("/sign-out")
    assert sign_in(client, "ada@example.com").status_code == 302  # with the password chosen on the form


def test_a_registration_link_works_once(app: Flask, client: FlaskClient) -> None:
    assert register(client).status_code == 302
    client.post("/sign-out")
    link = last_link_to(client, "ada@example.com", "/register/")
    again = client.post(link)
    assert again.status_code == 400
    assert "This link cannot be used" in again.text
    assert _user_count(app) == 1


def test_an_expired_registration_link_makes_no_account(app: Flask, client: FlaskClient) -> None:
    _register(client)
    with app_session(app) as s:
        s.execute(sa.update(PendingRegistration).values(expires_at=utcnow() - timedelta(minutes=1)))
    response = client.post(last_link_to(client, "ada@example.com", "/register/"))
    assert response.status_code == 400
    assert "This link has expired" in response.text
    assert _user_count(app) == 0


def test_registering_again_replaces_the_last_link(app: Flask, client: FlaskClient) -> None:
    _register(client)
    first = last_link_to(client, "ada@example.com", "/register/")
    _register(client, name="Ada King")
    assert client.post(first).status_code == 400
    assert register(client, name="Ada King").status_code == 302
    with app_session(app) as s:
        assert s.scalars(sa.select(User.name)).all() == ["Ada King"]


def test_registering_a_taken_address_looks_the_same_and_emails_its_owner_instead(
    app: Flask, client: FlaskClient
) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com", name="Ada Lovelace")
    taken = _register(client, email="ADA@example.com", name="Another Ada")
    free = _register(client, email="grace@example.com", name="Grace Hopper")
    assert taken.status_code == free.status_code == 200
    assert "already" not in taken.text
    assert without_nonce(taken.text.replace("ADA@example.com", "EMAIL")) == without_nonce(
        free.text.replace("grace@example.com", "EMAIL")
    )
    assert _user_count(app) == 1
    with app_session(app) as s:
        notice = s.scalars(sa.select(OutboxEmail).where(OutboxEmail.to_address == "ada@example.com")).one()
        assert s.scalar(sa.select(sa.func.count()).select_from(PendingRegistration)) == 1  # Grace's only
    assert "tried to create a new Common Pot account with this email address" in notice.body_text
    assert "http://localhost/sign-in" in notice.body_text and "http://localhost/forgotten-password" in notice.body_text
    assert "/register/" not in notice.body_text
    assert len(_events(app, "account.registration_refused")) == 1


def test_registration_comes_back_to_the_page_that_asked_for_it(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/register?next=/account/password",
        data={"name": "Ada Lovelace", "email": "ada@example.com", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 200
    response = client.post(last_link_to(client, "ada@example.com", "/register/"))
    assert response.headers["Location"] == "/account/password"


def test_register_rejects_short_password(app: Flask, client: FlaskClient) -> None:
    response = _register(client, password="short", confirm="short")
    assert "Your password must be at least 10 characters long" in response.text
    assert 'value="ada@example.com"' in response.text
    assert _nothing_asked_for(app)


def test_register_rejects_mismatched_passwords(app: Flask, client: FlaskClient) -> None:
    response = _register(client, confirm="a different password")
    assert "The passwords do not match" in response.text
    assert _nothing_asked_for(app)


def test_register_rejects_malformed_email(app: Flask, client: FlaskClient) -> None:
    response = _register(client, email="ada.example.com")
    assert "Enter an email address in the correct format" in response.text
    assert 'value="ada.example.com"' in response.text
    assert "There is a problem" in response.text
    assert _nothing_asked_for(app)


def test_sign_in_with_wrong_password_is_refused_and_logged_without_the_email(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        user_id = make_user(s, email="ada@example.com").id
    response = sign_in(client, "ada@example.com", "not the password")
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.text
    assert 'value="ada@example.com"' in response.text
    assert client.get("/applicant").status_code == 302
    failed = _events(app, "sign_in.failed")
    assert [e.user_id for e in failed] == [user_id]
    assert "ada" not in str(failed[0].facts)


def test_sign_in_for_unknown_email_is_logged_without_identifying_anyone(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "nobody@example.com", "whatever it is")
    failed = _events(app, "sign_in.failed")
    assert len(failed) == 1
    assert failed[0].user_id is None and failed[0].facts == {"known_account": False}


def test_sign_ins_and_failures_go_to_the_security_log_not_the_decision_chain(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    before = _chain_length(app)
    for _ in range(4):
        sign_in(client, "nobody@example.com", "whatever it is")
        sign_in(client, "ada@example.com", "not the password")
    sign_in(client, "ada@example.com", PASSWORD)
    assert _chain_length(app) == before
    assert len(_events(app, "sign_in.failed")) == 8
    assert len(_events(app, "sign_in.succeeded")) == 1


def test_sign_in_follows_a_safe_next_url_only(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    response = client.post("/sign-in?next=/account/password", data={"email": "ada@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/account/password"
    client.post("/sign-out")
    response = client.post(
        "/sign-in?next=//evil.example.com/x", data={"email": "ada@example.com", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/applicant"


def test_signed_out_visitor_is_sent_to_sign_in_and_returned_afterwards(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    response = client.post(response.headers["Location"], data={"email": "ada@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/account/password"


def test_sign_out_is_post_only_and_ends_the_session_for_copied_cookies(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    sign_in(client, "ada@example.com")
    copied = client.get_cookie("session")
    assert copied is not None
    assert client.get("/sign-out").status_code == 405
    client.post("/sign-out")
    assert client.get("/applicant").status_code == 302

    thief = client.application.test_client()
    thief.set_cookie("session", copied.value)
    assert thief.get("/applicant").status_code == 302
    with app_session(app) as s:
        assert (
            s.scalar(sa.select(sa.func.count()).select_from(LoginSession).where(LoginSession.ended_at.is_(None))) == 0
        )
    assert len(_events(app, "signed_out")) == 1


def test_remember_me_cookie_stops_working_after_sign_out(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    sign_in(client, "ada@example.com", remember=True)
    remember = client.get_cookie("remember_token")
    assert remember is not None
    # A browser holding only the remember-me cookie is signed in while the session lasts...
    other = client.application.test_client()
    other.set_cookie("remember_token", remember.value)
    assert other.get("/applicant").status_code == 200
    client.post("/sign-out")
    # ...and not after it ends.
    late = client.application.test_client()
    late.set_cookie("remember_token", remember.value)
    assert late.get("/applicant").status_code == 302


def test_change_password_signs_out_other_devices_but_not_this_one(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    laptop = client.application.test_client()
    sign_in(laptop, "ada@example.com")
    sign_in(client, "ada@example.com")
    new = "a brand new passphrase"
    response = client.post("/account/password", data={"current_password": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 302
    assert client.get("/applicant").status_code == 200
    assert laptop.get("/applicant").status_code == 302
    client.post("/sign-out")
    assert sign_in(client, "ada@example.com", new).status_code == 302
    assert len(_events(app, "password.changed")) == 1


def test_change_password_with_wrong_current_password_changes_nothing(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    sign_in(client, "ada@example.com")
    new = "a brand new passphrase"
    response = client.post(
        "/account/password", data={"current_password": "not my password", "password": new, "confirm": new}
    )
    assert "Your current password is not correct" in response.text
    client.post("/sign-out")
    assert sign_in(client, "ada@example.com", PASSWORD).status_code == 302


def _reset_link(app: Flask) -> str:
    with app_session(app) as s:
        email = s.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
        assert email is not None
        match = re.search(r"http://localhost(/reset-password/\S+)", email.body_text)
        assert match, email.body_text
        return match.group(1)


def test_forgotten_password_emails_a_link_that_works_once(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    response = client.post("/forgotten-password", data={"email": "ADA@example.com"})
    assert "Check your email" in response.text
    link = _reset_link(app)
    assert client.get(link).status_code == 200
    new = "a brand new passphrase"
    response = client.post(link, data={"password": new, "confirm": new})
    assert response.status_code == 302
    assert sign_in(client, "ada@example.com", new).status_code == 302
    client.post("/sign-out")
    reused = client.post(link, data={"password": "yet another one!", "confirm": "yet another one!"})
    assert reused.status_code == 400
    assert "already been used" in reused.text
    assert sign_in(client, "ada@example.com", new).status_code == 302


def test_forgotten_password_for_unknown_email_says_the_same_and_sends_nothing(app: Flask, client: FlaskClient) -> None:
    response = client.post("/forgotten-password", data={"email": "nobody@example.com"})
    assert "Check your email" in response.text
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 0


def test_expired_reset_link_is_refused_and_password_unchanged(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    client.post("/forgotten-password", data={"email": "ada@example.com"})
    link = _reset_link(app)
    with app_session(app) as s:
        s.execute(sa.update(PasswordReset).values(expires_at=utcnow() - timedelta(minutes=1)))
    response = client.post(link, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.status_code == 400
    assert "has expired" in response.text
    assert sign_in(client, "ada@example.com", PASSWORD).status_code == 302


def test_tampered_reset_link_is_refused(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    client.post("/forgotten-password", data={"email": "ada@example.com"})
    link = _reset_link(app)
    response = client.get(link[:-3] + "abc")
    assert response.status_code == 400
    assert "not valid" in response.text


def test_password_reset_ends_every_session(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    other = client.application.test_client()
    sign_in(other, "ada@example.com")
    client.post("/forgotten-password", data={"email": "ada@example.com"})
    client.post(_reset_link(app), data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert other.get("/applicant").status_code == 302


def test_reset_form_errors_keep_the_link_usable(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email="ada@example.com")
    client.post("/forgotten-password", data={"email": "ada@example.com"})
    link = _reset_link(app)
    response = client.post(link, data={"password": "a brand new passphrase", "confirm": "different"})
    assert "The passwords do not match" in response.text
    assert (
        client.post(link, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"}).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password123", "one of the most common"),
        ("Qwertyuiop", "one of the most common"),
        ("AdaLovelace!", "must not be your email address, your name or the name of this service"),
        ("ada@example.com", "must not be your email address"),
        ("CommonPot2026", "must not be your email address, your name or the name of this service"),
    ],
)
def test_register_refuses_a_common_password_or_one_made_of_the_persons_own_details(
    app: Flask, client: FlaskClient, password: str, why: str
) -> None:
    response = _register(client, password=password, confirm=password)
    assert response.status_code == 200 and why in response.text
    assert 'value="ada@example.com"' in response.text  # what was typed stays
    assert _nothing_asked_for(app)


def test_a_reset_to_a_password_made_of_the_accounts_own_details_is_refused_by_the_field_and_the_link_still_works(
    app: Flask, client: FlaskClient
) -> None:
    # The reset page has no email or name on it: the rule is checked again where the account is known.
    with app_session(app) as s:
        make_user(s, email="ada@example.com", name="Ada Lovelace")
    client.post("/forgotten-password", data={"email": "ada@example.com"})
    link = _reset_link(app)
    refused = client.post(link, data={"password": "Lovelace1815", "confirm": "Lovelace1815"})
    assert refused.status_code == 200
    assert "must not be your email address, your name or the name of this service" in refused.text
    assert sign_in(client, "ada@example.com", PASSWORD).status_code == 302  # unchanged
    client.post("/sign-out")
    assert (
        client.post(link, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"}).status_code
        == 302
    )
