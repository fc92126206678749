"""Signing a test client in, through the real sign-in page. (Browser tests sign in as a person would, with
`sign_in_as` in tests/e2e/conftest.py.)"""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.support.factories import PASSWORD


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, *, remember: bool = False) -> Any:
    """Post the sign-in form; returns the response, for tests about signing in."""
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/sign-in", data=data)


def signed_in(client: FlaskClient, email: str) -> FlaskClient:
    """The client, signed in as `email` (the sign-in must work)."""
    response = sign_in(client, email)
    assert response.status_code == 302, response.text
    return client
