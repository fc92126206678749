"""Signing a test client in, through the real sign-in pages, and registering through the real registration pages.
(Browser tests sign in as a person would, with `sign_in_as` in tests/e2e/conftest.py.)

An account with two-step sign-in (every staff member, auditor and site admin the factories make) is asked for a
code after its password; `sign_in` enters the one its app would show, from the account's own key in the database.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

import pyotp
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.auth.sealing import open_sealed
from grants.models import OutboxEmail, TwoFactor, User
from tests.support.db import app_session
from tests.support.factories import PASSWORD

CODE_STEP = "/sign-in/code"
SETUP_KEY = re.compile(r'<code class="app-setup-key" id="setup-key">([A-Z2-7 ]+)</code>')


def sign_in(
    client: FlaskClient, email: str, password: str = PASSWORD, *, remember: bool = False, ip: str | None = None
) -> Any:
    """Post the sign-in form (from the address `ip`, if given) and, if the account asks for one, the code from its
    app; returns the last response, for tests about signing in."""
    response = post_password(client, email, password, remember=remember, ip=ip)
    if is_code_step(response):
        response = client.post(
            response.headers["Location"],
            data={"code": current_code(client.application, email)},
            environ_base={"REMOTE_ADDR": ip} if ip else {},
        )
    return response


def post_password(
    client: FlaskClient, email: str, password: str = PASSWORD, *, remember: bool = False, ip: str | None = None
) -> Any:
    """Only the first step: the email and password."""
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/sign-in", data=data, environ_base={"REMOTE_ADDR": ip} if ip else {})


def is_code_step(response: Any) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == CODE_STEP


def has_two_factor(app: Flask, email: str) -> bool:
    with app_session(app) as s:
        query = sa.select(TwoFactor.id).join(User, User.id == TwoFactor.user_id).where(User.email == email)
        return s.scalar(query) is not None


def current_code(app: Flask, email: str) -> str:
    """The code the app of an account with two-step sign-in shows now.

    A code is accepted once: the account's last used time-step is forgotten first, as if the 30 seconds a code
    lasts had passed, so a test may sign the same person in twice in a row and never depends on the clock."""
    with app_session(app) as s:
        row = s.scalars(sa.select(TwoFactor).join(User, User.id == TwoFactor.user_id).where(User.email == email)).one()
        row.last_used_step = None
        secret = open_sealed(row.secret_sealed)
    return pyotp.TOTP(secret).now()


def signed_in(client: FlaskClient, email: str) -> FlaskClient:
    """The client, signed in as `email` (the sign-in must work)."""
    response = sign_in(client, email)
    assert response.status_code == 302, response.text
    return client


def key_on_page(page_html: str) -> str:
    """The authenticator key a set-up page shows under "Can't scan it?" (what a person would type into an app)."""
    found = SETUP_KEY.search(page_html)
    assert found, "no setup key on the page"
    return found.group(1).replace(" ", "")


def set_up_from_page(client: FlaskClient, path: str, **fields: str) -> tuple[Any, list[str]]:
    """Set up two-step sign-in on the set-up page at `path` as a person would: read the key, enter its code (and
    any other `fields`, such as the password). Returns the response (the recovery codes page) and the codes."""
    key = key_on_page(client.get(path).text)
    response = client.post(path, data={**fields, "code": pyotp.TOTP(key).now()})
    assert response.status_code == 200, response.text
    codes = [html.unescape(c) for c in re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.text)]
    return response, codes


def finish_setting_up(client: FlaskClient, path: str) -> Any:
    """Signing in for the first time as someone who must use two-step sign-in: set it up on the page at `path`,
    then say the recovery codes are saved. Returns the last response (the redirect to their page)."""
    set_up_from_page(client, path)
    return client.post("/sign-in/finish")


def last_emailed_link(app: Flask, email: str, path: str) -> str:
    """The path of the newest link to `path` (for example '/register/') emailed to `email`."""
    with app_session(app) as s:
        bodies = s.scalars(
            sa.select(OutboxEmail.body_text).where(OutboxEmail.to_address == email).order_by(OutboxEmail.id.desc())
        )
        for body in bodies:
            if match := re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", body):
                return match.group(1)
    raise AssertionError(f"no email to {email} holds a link to {path}")


def last_link_to(client: FlaskClient, email: str, path: str) -> str:
    """The same, for the app a test client talks to."""
    return last_emailed_link(client.application, email, path)


def register(client: FlaskClient, **fields: str) -> Any:
    """Register through the pages a person uses: the form, then the link emailed, then its button. Returns the
    last response (a redirect into the site, signed in, when it worked)."""
    data = {"name": "Ada Lovelace", "email": "ada@example.com", "password": PASSWORD, "confirm": PASSWORD}
    data.update(fields)
    response = client.post("/register", data=data)
    assert response.status_code == 200 and "Check your email" in response.text, response.text
    link = last_link_to(client, data["email"].strip().lower(), "/register/")
    return client.post(link)
