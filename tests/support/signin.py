"""Signing a test client in, through the real sign-in page, and registering through the real registration pages.
(Browser tests sign in as a person would, with `sign_in_as` in tests/e2e/conftest.py.)"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import OutboxEmail
from tests.support.db import app_session
from tests.support.factories import PASSWORD


def sign_in(
    client: FlaskClient, email: str, password: str = PASSWORD, *, remember: bool = False, ip: str | None = None
) -> Any:
    """Post the sign-in form (from the address `ip`, if given); returns the response, for tests about signing in."""
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/sign-in", data=data, environ_base={"REMOTE_ADDR": ip} if ip else {})


def signed_in(client: FlaskClient, email: str) -> FlaskClient:
    """The client, signed in as `email` (the sign-in must work)."""
    response = sign_in(client, email)
    assert response.status_code == 302, response.text
    return client


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
