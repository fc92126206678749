"""Password fields people and password managers can use: masked, labelled for the manager, long passwords welcome,
and a password checked exactly as it was typed. What the browser is left holding: only the session's own keys."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient

from grants.auth.invitations import grant_role
from grants.auth.passwords import MAX_PASSWORD_LENGTH
from grants.models import Role
from tests.support.db import app_session
from tests.support.factories import PASSWORD, make_funder, make_user
from tests.support.signin import key_on_page, last_link_to, post_password, sign_in

ADA = "ada@example.com"
PASSWORD_FIELDS = {"password", "confirm", "current_password"}


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            self.inputs.append(dict(attrs))


def _password_inputs(page: str) -> list[dict[str, str | None]]:
    parser = _Inputs()
    parser.feed(page)
    return [field for field in parser.inputs if field.get("name") in PASSWORD_FIELDS]


def test_every_password_field_is_masked_and_named_for_password_managers(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email=ADA)
    client.post("/forgotten-password", data={"email": ADA})
    pages = {path: client.get(path).text for path in ("/sign-in", "/register", last_link_to(client, ADA, "/reset"))}
    sign_in(client, ADA)
    pages["/account/password"] = client.get("/account/password").text
    for path, page in pages.items():
        fields = _password_inputs(page)
        assert fields, f"no password field on {path}"
        for field in fields:
            assert field.get("type") == "password", (path, field)
            wanted = "current-password" if field["name"] == "current_password" or path == "/sign-in" else "new-password"
            assert field.get("autocomplete") == wanted, (path, field)
            assert not any(name.startswith("on") for name in field), (path, field)  # nothing stops a paste
            assert "maxlength" not in field or int(field["maxlength"] or 0) >= 64, (path, field)


def test_a_password_is_checked_exactly_as_it_was_typed(app: Flask, client: FlaskClient) -> None:
    typed = "  Correct Horse Battery Staple "
    with app_session(app) as s:
        make_user(s, email=ADA, password=typed)
    for near_miss in (typed.strip(), typed.lower(), typed.upper(), " ".join(typed.split())):
        assert post_password(client, ADA, near_miss).status_code == 200, repr(near_miss)
    assert post_password(client, ADA, typed).headers["Location"] == "/applicant"


@pytest.mark.parametrize("length", [64, 100, MAX_PASSWORD_LENGTH])
def test_a_long_password_is_welcome(app: Flask, client: FlaskClient, length: int) -> None:
    new = ("a long phrase of plain words " * 10)[:length]
    with app_session(app) as s:
        make_user(s, email=ADA)
    sign_in(client, ADA)
    changed = client.post("/account/password", data={"current_password": PASSWORD, "password": new, "confirm": new})
    assert changed.status_code == 302
    client.post("/sign-out")
    assert post_password(client, ADA, new).headers["Location"] == "/applicant"


def test_the_session_cookie_holds_only_the_session_and_no_personal_data(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        make_user(s, email=ADA, name="Ada Lovelace")
    sign_in(client, ADA, remember=True)
    client.get("/applicant")
    cookie = client.get_cookie("session")
    assert cookie is not None
    held = app.session_interface.get_signing_serializer(app).loads(cookie.value)  # type: ignore[attr-defined]
    assert set(held) <= {"_user_id", "_fresh", "_id", "_remember", "csrf_token", "last_seen", "_flashes"}, held
    text = repr(held) + (client.get_cookie("remember_token").value or "")  # type: ignore[union-attr]
    for personal in (ADA, "Ada", "Lovelace", PASSWORD):
        assert personal not in text
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", held["_user_id"])  # a random session token, not the account's id


def test_the_key_being_set_up_is_sealed_in_the_cookie(app: Flask, client: FlaskClient) -> None:
    """Until a code confirms it, the new authenticator key waits in the session cookie, which is signed but readable:
    sealed there, a copy of the cookie cannot make the person's codes."""
    with app_session(app) as s:
        grant_role(s, user=make_user(s, email=ADA), role=Role.STAFF, funder=make_funder(s))
    post_password(client, ADA)
    key = key_on_page(client.get("/sign-in/set-up").text)
    assert key_on_page(client.get("/sign-in/set-up").text) == key  # the same key on a reload
    cookie = client.get_cookie("session")
    assert cookie is not None
    held = app.session_interface.get_signing_serializer(app).loads(cookie.value)  # type: ignore[attr-defined]
    assert key not in repr(held) and key.lower() not in repr(held).lower()
